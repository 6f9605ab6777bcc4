"""/api/v1/suppliers through the real app on the real database: records, search, edits with
If-Match, contacts, deletion, roles and the audit trail."""

from typing import Any

import pytest
from sqlalchemy import select

from app.enums import Role
from app.models.system import OutboxEvent
from tests.api.supplier_support import (
    SUPPLIERS,
    make_supplier,
    make_supplier_claim,
    supplier_payload,
    tag,
)

NOT_EDITORS = [Role.intake, Role.director, Role.design, Role.service, Role.auditor, Role.admin]
NOT_READERS = [Role.intake, Role.design, Role.service, Role.admin]


def match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


async def test_create_normalises_and_reads(client, auth, db) -> None:
    t = tag()
    r = await client.post(SUPPLIERS, json=supplier_payload(t), headers=auth(Role.head))
    assert r.status_code == 201, r.text
    s = r.json()
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"{SUPPLIERS}/{s['id']}"
    assert s["address"]["country"] == "BG"
    assert s["language"] == "bg"
    contact = s["contacts"][0]
    assert contact["name"] == "Георги Иванов"  # built from its parts
    assert contact["email"] == f"quality.{t}@motors.example.bg"
    assert contact["phone"] == "+35921234567"
    read = await client.get(f"{SUPPLIERS}/{s['id']}", headers=auth(Role.auditor))
    assert read.status_code == 200
    assert read.json()["claims_total"] == 0
    history = (
        await client.get(f"{SUPPLIERS}/{s['id']}/history", headers=auth(Role.director))
    ).json()
    assert [e["action"] for e in history] == ["created", "contact_added"]
    assert history[0]["payload"]["changes"]["supplies"] == {"before": None, "after": "motors"}
    rows = await db(select(OutboxEvent.payload).where(OutboxEvent.type == "supplier.created"))
    assert any(p["id"] == s["id"] for (p,) in rows)


async def test_default_language(client, auth) -> None:
    r = await client.post(SUPPLIERS, json={"name": f"Plain {tag()}"}, headers=auth(Role.specialist))
    assert (r.status_code, r.json()["language"]) == (201, "en")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "body.name"),
        ({"language": "de"}, "body.language"),
        ({"registration_number": "№1"}, "body.registration_number"),
        ({"address": {"country": "Bulgaria"}}, "body.address.country"),
        ({"contacts": [{"position": "Engineer"}]}, "body.contacts.0.name"),
        ({"contacts": [{"name": "A", "phone": "12"}]}, "body.contacts.0.phone"),
        ({"contacts": [{"name": "A", "email": "not-an-email"}]}, "body.contacts.0.email"),
    ],
)
async def test_create_refuses_bad_fields(client, auth, change, field) -> None:
    r = await client.post(
        SUPPLIERS, json=supplier_payload(tag(), **change), headers=auth(Role.head)
    )
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_search_and_pages(client, auth) -> None:
    t = tag()
    made = [
        await make_supplier(client, auth, name=f"«Zeta {t}» {i}", short_name=None) for i in range(3)
    ]
    page = (await client.get(f"{SUPPLIERS}?q=zeta {t}&limit=2", headers=auth(Role.head))).json()
    assert [s["id"] for s in page["items"]] == [made[0]["id"], made[1]["id"]]
    rest = (
        await client.get(
            f"{SUPPLIERS}?q=zeta {t}&limit=2&cursor={page['next_cursor']}", headers=auth(Role.head)
        )
    ).json()
    assert ([s["id"] for s in rest["items"]], rest["next_cursor"]) == ([made[2]["id"]], None)
    by_reg = (
        await client.get(
            f"{SUPPLIERS}?q={made[1]['registration_number'].lower()}", headers=auth(Role.head)
        )
    ).json()
    assert [s["id"] for s in by_reg["items"]] == [made[1]["id"]]
    email = made[2]["contacts"][0]["email"].upper()
    by_email = (await client.get(SUPPLIERS, params={"q": email}, headers=auth(Role.head))).json()
    assert [s["id"] for s in by_email["items"]] == [made[2]["id"]]
    bad = await client.get(f"{SUPPLIERS}?cursor=%%%", headers=auth(Role.head))
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.cursor")


async def test_patch_with_if_match(client, auth, db) -> None:
    s = await make_supplier(client, auth)
    url = f"{SUPPLIERS}/{s['id']}"
    r = await client.patch(
        url,
        json={"supplies": "motors, fans", "address": {"city": "Пловдив"}},
        headers=auth(Role.specialist, **match(1)),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.headers["ETag"]) == (2, '"2"')
    assert r.json()["address"]["street"] == "бул. Витоша 10"  # only the fields sent change
    assert r.json()["address"]["city"] == "Пловдив"
    same = await client.patch(
        url, json={"supplies": "motors, fans"}, headers=auth(Role.head, **match(2))
    )
    assert same.json()["version"] == 2
    stale = await client.patch(url, json={"notes": "x"}, headers=auth(Role.head, **match(1)))
    assert (stale.status_code, stale.json()["current_version"]) == (412, 2)
    missing = await client.patch(url, json={"notes": "x"}, headers=auth(Role.head))
    assert missing.status_code == 428
    # If-Match is checked before the body.
    stale_bad = await client.patch(
        url, json={"language": "de"}, headers=auth(Role.head, **match(1))
    )
    assert stale_bad.status_code == 412
    history = (await client.get(f"{url}/history", headers=auth(Role.head))).json()
    assert history[-1]["payload"]["changes"] == {
        "supplies": {"before": "motors", "after": "motors, fans"},
        "address.city": {"before": "София", "after": "Пловдив"},
    }
    rows = await db(select(OutboxEvent.payload).where(OutboxEvent.type == "supplier.updated"))
    assert any(p["id"] == s["id"] and p["version"] == 2 for (p,) in rows)


async def test_contacts(client, auth) -> None:
    s = await make_supplier(client, auth)
    url = f"{SUPPLIERS}/{s['id']}"
    added = await client.post(
        f"{url}/contacts",
        json={
            "given_name": "Мария",
            "surname": "Петрова",
            "gender": "female",
            "phone": "+359 88 123 4567",
        },
        headers=auth(Role.head, **match(1)),
    )
    assert added.status_code == 201, added.text
    contact = added.json()["contacts"][-1]
    assert (contact["name"], contact["phone"]) == ("Мария Петрова", "+359881234567")
    changed = await client.patch(
        f"{url}/contacts/{contact['id']}",
        json={"surname": "Георгиева", "email": "M@X.example.bg"},
        headers=auth(Role.specialist, **match(2)),
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()["contacts"][-1]
    assert (after["name"], after["email"]) == ("Мария Георгиева", "m@x.example.bg")
    other = await make_supplier(client, auth)
    foreign = await client.patch(
        f"{url}/contacts/{other['contacts'][0]['id']}",
        json={"position": "x"},
        headers=auth(Role.head, **match(3)),
    )
    assert foreign.status_code == 404
    history = (await client.get(f"{url}/history", headers=auth(Role.head))).json()
    assert [e["action"] for e in history][-2:] == ["contact_added", "contact_updated"]


async def test_delete_only_without_claims(client, auth, new_claim, db) -> None:
    s = await make_supplier(client, auth)
    r = await client.delete(f"{SUPPLIERS}/{s['id']}", headers=auth(Role.head, **match(1)))
    assert r.status_code == 204
    assert (await client.get(f"{SUPPLIERS}/{s['id']}", headers=auth(Role.head))).status_code == 404
    rows = await db(select(OutboxEvent.payload).where(OutboxEvent.type == "supplier.deleted"))
    assert any(p["id"] == s["id"] for (p,) in rows)
    used = await make_supplier(client, auth)
    await make_supplier_claim(client, auth, new_claim, supplier=used)
    refused = await client.delete(f"{SUPPLIERS}/{used['id']}", headers=auth(Role.head, **match(1)))
    assert refused.status_code == 409
    assert (await client.get(f"{SUPPLIERS}/{used['id']}", headers=auth(Role.head))).json()[
        "claims_total"
    ] == 1


@pytest.mark.parametrize("role", NOT_EDITORS)
async def test_only_specialist_and_head_edit(client, auth, role) -> None:
    s = await make_supplier(client, auth)
    url = f"{SUPPLIERS}/{s['id']}"
    calls: list[Any] = [
        client.post(SUPPLIERS, json=supplier_payload(tag()), headers=auth(role)),
        client.patch(url, json={"notes": "x"}, headers=auth(role, **match(1))),
        client.delete(url, headers=auth(role, **match(1))),
        client.post(f"{url}/contacts", json={"name": "A"}, headers=auth(role, **match(1))),
        client.patch(
            f"{url}/contacts/{s['contacts'][0]['id']}",
            json={"name": "A"},
            headers=auth(role, **match(1)),
        ),
    ]
    for call in calls:
        r = await call
        assert r.status_code == 403, r.text
    # A wrong role on an unknown supplier is 403 too: the role is checked first.
    r = await client.patch(f"{SUPPLIERS}/2147483647", json={}, headers=auth(role, **match(1)))
    assert r.status_code == 403


@pytest.mark.parametrize("role", NOT_READERS)
async def test_readers(client, auth, role) -> None:
    s = await make_supplier(client, auth)
    for url in (SUPPLIERS, f"{SUPPLIERS}/{s['id']}", f"{SUPPLIERS}/{s['id']}/history"):
        assert (await client.get(url, headers=auth(role))).status_code == 403
    assert (await client.get(SUPPLIERS)).status_code == 401


async def test_unknown_supplier(client, auth) -> None:
    for r in (
        await client.get(f"{SUPPLIERS}/2147483647", headers=auth(Role.head)),
        await client.get(f"{SUPPLIERS}/2147483647/history", headers=auth(Role.head)),
        await client.patch(f"{SUPPLIERS}/2147483647", json={}, headers=auth(Role.head, **match(1))),
        await client.delete(f"{SUPPLIERS}/2147483647", headers=auth(Role.head, **match(1))),
    ):
        assert r.status_code == 404
    assert (await client.get(f"{SUPPLIERS}/0", headers=auth(Role.head))).status_code == 422
