"""Product models, units and the CSV import of the sold-units registry."""

import pytest

from app.enums import Role
from tests.conftest import unique


async def make_model(client, auth, months: int = 24) -> str:
    code = unique("M")
    response = await client.post(
        "/api/v1/product-models",
        headers=auth(Role.admin),
        json={"code": code, "name": "Pump", "warranty_months": months},
    )
    assert response.status_code == 201, response.text
    return code


async def test_product_model_crud(client, auth) -> None:
    code = await make_model(client, auth)
    duplicate = await client.post(
        "/api/v1/product-models", headers=auth(Role.admin), json={"code": code, "name": "Again"}
    )
    assert duplicate.status_code == 409
    patched = await client.patch(
        f"/api/v1/product-models/{code}", headers=auth(Role.admin), json={"warranty_months": 36}
    )
    assert patched.json()["warranty_months"] == 36
    got = await client.get(f"/api/v1/product-models/{code}", headers=auth(Role.auditor))
    assert got.json()["name"] == "Pump"
    assert (
        await client.delete(f"/api/v1/product-models/{code}", headers=auth(Role.admin))
    ).status_code == 204
    assert (
        await client.get(f"/api/v1/product-models/{code}", headers=auth(Role.admin))
    ).status_code == 404


async def test_model_in_use_cannot_be_deleted(client, auth) -> None:
    code = await make_model(client, auth)
    unit = await client.post(
        "/api/v1/units",
        headers=auth(Role.admin),
        json={"serial_number": unique("SN"), "model_code": code},
    )
    assert unit.status_code == 201
    response = await client.delete(f"/api/v1/product-models/{code}", headers=auth(Role.admin))
    assert response.status_code == 409


async def test_unit_crud_and_claim_links_to_registered_unit(client, auth, new_claim) -> None:
    code = await make_model(client, auth)
    serial = unique("SN")
    created = await client.post(
        "/api/v1/units",
        headers=auth(Role.admin),
        json={"serial_number": serial, "model_code": code, "sale_date": "2025-05-14"},
    )
    assert created.status_code == 201
    again = await client.post(
        "/api/v1/units",
        headers=auth(Role.admin),
        json={"serial_number": serial, "model_code": code},
    )
    assert again.status_code == 409
    unknown_model = await client.post(
        "/api/v1/units",
        headers=auth(Role.admin),
        json={"serial_number": unique(), "model_code": "nope"},
    )
    assert unknown_model.status_code == 404
    patched = await client.patch(
        f"/api/v1/units/{serial}", headers=auth(Role.admin), json={"warranty_extension_months": 12}
    )
    assert patched.json()["warranty_extension_months"] == 12
    claim = await new_claim(product={"serial_number": serial})
    assert claim["model_code"] == code
    assert claim["serial_number"] == serial
    listed = await client.get("/api/v1/units", params={"model": code}, headers=auth(Role.head))
    assert [u["serial_number"] for u in listed.json()] == [serial]


async def test_csv_import_upserts_and_reports_bad_rows(client, auth) -> None:
    code = await make_model(client, auth)
    s1, s2 = unique("SN"), unique("SN")
    csv_text = (
        "serial_number;model_code;sale_date;owner_name;warranty_extension_months\n"
        f"{s1};{code};2025-01-10;SIA Siltums;\n"
        f"{s2};{code};2025-02-11;ООО Тепло;6\n"
        f"bad-date;{code};2025-13-40;x;\n"
        f"unknown-model;NOPE;2025-01-01;x;\n"
    )
    dry = await client.post(
        "/api/v1/units/import",
        params={"dry_run": "true"},
        headers=auth(Role.admin),
        files={"file": ("units.csv", csv_text.encode(), "text/csv")},
    )
    assert dry.json()["created"] == 2
    assert (await client.get(f"/api/v1/units/{s1}", headers=auth(Role.admin))).status_code == 404
    response = await client.post(
        "/api/v1/units/import",
        headers=auth(Role.admin),
        files={"file": ("units.csv", csv_text.encode(), "text/csv")},
    )
    body = response.json()
    assert (body["created"], body["updated"]) == (2, 0)
    assert body["errors"][0].startswith("row 4: sale_date")
    assert body["errors"][1] == "row 5: unknown model_code NOPE"
    second = await client.post(
        "/api/v1/units/import",
        headers=auth(Role.admin),
        files={
            "file": (
                "u.csv",
                f"serial_number,model_code,owner_name\n{s2},{code},New owner\n".encode("cp1251"),
                "text/csv",
            )
        },
    )
    assert (second.json()["created"], second.json()["updated"]) == (0, 1)
    unit = await client.get(f"/api/v1/units/{s2}", headers=auth(Role.admin))
    assert unit.json()["owner_name"] == "New owner"


async def test_csv_without_required_columns(client, auth) -> None:
    response = await client.post(
        "/api/v1/units/import",
        headers=auth(Role.admin),
        files={"file": ("u.csv", b"a,b\n1,2\n", "text/csv")},
    )
    assert response.status_code == 200
    assert "missing column" in response.json()["errors"][0]


async def test_unreadable_csv_is_reported_not_500(client, auth) -> None:
    content = b'serial_number,model_code\n"a\rb,c\n'
    response = await client.post(
        "/api/v1/units/import",
        headers=auth(Role.admin),
        files={"file": ("u.csv", content, "text/csv")},
    )
    assert response.status_code == 200
    assert response.json()["created"] == 0
    assert response.json()["errors"]


async def test_model_names_per_language(client, auth) -> None:
    code = unique("M")
    names = {"lv": "Cirkulācijas sūknis", "ru": "Циркуляционный насос", "bg": "Циркулационна помпа"}
    created = await client.post(
        "/api/v1/product-models",
        headers=auth(Role.admin),
        json={"code": code, "name": "Circulation pump", "names": {**names, "en": "  Pump  "}},
    )
    assert created.status_code == 201, created.text
    assert created.json()["names"] == {**names, "en": "Pump"}
    got = await client.get(f"/api/v1/product-models/{code}", headers=auth(Role.auditor))
    assert got.json()["names"] == {**names, "en": "Pump"}
    listed = await client.get("/api/v1/product-models", headers=auth(Role.auditor))
    assert next(m for m in listed.json() if m["code"] == code)["names"]["bg"] == names["bg"]

    # A PATCH replaces the names; other fields stay.
    patched = await client.patch(
        f"/api/v1/product-models/{code}",
        headers=auth(Role.admin),
        json={"names": {"lv": "Sūknis"}},
    )
    assert patched.status_code == 200
    assert patched.json()["names"] == {"lv": "Sūknis"}
    assert patched.json()["name"] == "Circulation pump"
    untouched = await client.patch(
        f"/api/v1/product-models/{code}", headers=auth(Role.admin), json={"warranty_months": 12}
    )
    assert untouched.json()["names"] == {"lv": "Sūknis"}
    cleared = await client.patch(
        f"/api/v1/product-models/{code}", headers=auth(Role.admin), json={"names": {}}
    )
    assert cleared.json()["names"] is None


@pytest.mark.parametrize(
    ("names", "where"),
    [
        ({"LV": "Sūknis"}, "body.names.LV"),
        ({"latvian": "Sūknis"}, "body.names.latvian"),
        ({"lv": "   "}, "body.names.lv"),
        ({"lv": "x" * 201}, "body.names.lv"),
        ({"lv": 5}, "body.names.lv"),
        (["lv"], "body.names"),
    ],
)
async def test_bad_model_names_are_refused_naming_the_field(client, auth, names, where) -> None:
    code = unique("M")
    for method, path, body in (
        ("POST", "/api/v1/product-models", {"code": code, "name": "Pump", "names": names}),
        ("PATCH", f"/api/v1/product-models/{await make_model(client, auth)}", {"names": names}),
    ):
        response = await client.request(method, path, headers=auth(Role.admin), json=body)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"].startswith(where), response.json()


async def test_only_admins_name_models(client, auth) -> None:
    code = await make_model(client, auth)
    response = await client.patch(
        f"/api/v1/product-models/{code}",
        headers=auth(Role.specialist),
        json={"names": {"lv": "Sūknis"}},
    )
    assert response.status_code == 403
    missing = await client.patch(
        "/api/v1/product-models/NO-SUCH-MODEL",
        headers=auth(Role.admin),
        json={"names": {"lv": "Sūknis"}},
    )
    assert missing.status_code == 404
