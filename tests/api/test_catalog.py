"""Product models, units and the CSV import of the sold-units registry."""

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
