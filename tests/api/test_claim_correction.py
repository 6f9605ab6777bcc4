"""Correcting a claim (PATCH /api/v1/claims/{number}), its owner, the executor line of its
letters, and the key customers' shorter acknowledgement deadline."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from app import cli
from app.config import get_settings
from app.enums import Action, Role
from app.main import create_app
from app.models.claims import Claim
from app.models.customers import Customer
from app.models.system import OutboxEvent
from tests.api.workflow_support import Flow, make_unit
from tests.conftest import claim_payload, unique

CLAIMS = "/api/v1/claims"
KEYS = "/api/v1/admin/api-keys"
STATEMENT = "The pump stops after about ten minutes of operation; the motor overheats."


def if_match(version: int) -> dict[str, str]:
    return {"If-Match": f'"{version}"'}


@pytest.fixture
def correct(client: httpx.AsyncClient, auth: Any) -> Any:
    async def patch(
        claim: dict[str, Any],
        body: dict[str, Any],
        *,
        role: Role | str = Role.specialist,
        expect: int = 200,
        via: httpx.AsyncClient | None = None,
    ) -> dict[str, Any]:
        response = await (via or client).patch(
            f"{CLAIMS}/{claim['number']}",
            json=body,
            headers=auth(role, **if_match(claim["version"])),
        )
        assert response.status_code == expect, response.text
        data: dict[str, Any] = response.json()
        if expect == 200:
            assert response.headers["ETag"] == f'"{data["version"]}"'
        return data

    return patch


async def updates(db: Any, number: str) -> list[dict[str, Any]]:
    """The claim's `claim.updated` outbox payloads, oldest first."""
    rows = await db(
        select(OutboxEvent.payload)
        .join(Claim, Claim.id == OutboxEvent.claim_id)
        .where(Claim.number == number, OutboxEvent.type == "claim.updated")
        .order_by(OutboxEvent.id)
    )
    return [row[0] for row in rows]


def events(claim: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [e for e in claim["timeline"] if e["action"] == action]


def changes(claim: dict[str, Any], action: str = "update") -> dict[str, Any]:
    """The changes of the claim's latest `action` event."""
    return events(claim, action)[-1]["payload"]["changes"]


@asynccontextmanager
async def app_with(settings: Any, **update: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The real app on the same database with other settings."""
    custom = create_app(settings.model_copy(update=update))
    async with (
        custom.router.lifespan_context(custom),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=custom), base_url="http://t") as c,
    ):
        yield c


async def register(client: httpx.AsyncClient, auth: Any, **overrides: Any) -> dict[str, Any]:
    response = await client.post(CLAIMS, json=claim_payload(**overrides), headers=auth(Role.intake))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def set_customer(app: Any, customer_id: int, **values: Any) -> None:
    async with app.state.session_factory() as s:
        await s.execute(update(Customer).where(Customer.id == customer_id).values(**values))
        await s.commit()


async def draft_preview(client: httpx.AsyncClient, auth: Any, number: str) -> str:
    created = await client.post(
        f"{CLAIMS}/{number}/letters",
        json={"kind": "acknowledgement"},
        headers=auth(Role.specialist),
    )
    assert created.status_code == 201, created.text
    preview = await client.get(
        f"/api/v1/letters/{created.json()['id']}/preview.html", headers=auth(Role.auditor)
    )
    assert preview.status_code == 200, preview.text
    return preview.text


# ---- the defect statement, the language, and what a PATCH writes ------------------------------


async def test_edited_statement_keeps_the_customers_words_is_audited_and_used_by_letters(
    client, auth, new_claim, correct, db
) -> None:
    claim = await new_claim()
    original = claim["defect_description"]

    changed = await correct(claim, {"defect_statement": STATEMENT})
    assert changed["version"] == claim["version"] + 1
    assert changed["defect_statement"] == STATEMENT
    assert changed["defect_description"] == original
    [event] = events(changed, "update")
    assert event["actor"] == "test-specialist"
    assert event["payload"] == {
        "changes": {"defect_statement": {"before": None, "after": STATEMENT}}
    }
    [outbox] = await updates(db, claim["number"])
    assert outbox["number"] == claim["number"] and outbox["changed"] == ["defect_statement"]
    assert outbox["version"] == changed["version"]

    preview = await draft_preview(client, auth, claim["number"])
    assert STATEMENT in preview and original not in preview

    # Cleared, the customer's words are back in the letters.
    cleared = await correct(changed, {"defect_statement": None}, role=Role.head)
    assert cleared["defect_statement"] is None and cleared["defect_description"] == original
    assert changes(cleared) == {"defect_statement": {"before": STATEMENT, "after": None}}
    assert original in await draft_preview(client, auth, claim["number"])


async def test_a_patch_that_changes_nothing_writes_nothing(client, auth, new_claim, correct, db):
    claim = await new_claim()
    changed = await correct(claim, {"defect_statement": STATEMENT, "language": "bg"})
    assert changed["language"] == "bg"
    assert set(changes(changed)) == {"defect_statement", "language"}

    for body in (
        {},
        {"defect_statement": STATEMENT},
        {"language": "bg", "owner": None, "customer_discrepancies": []},
        {"customer_id": claim["customer"]["id"], "contact_id": claim["contact"]["id"]},
        {"product": {"serial_number": claim["serial_number"]}},
    ):
        same = await correct(changed, body)
        assert same["version"] == changed["version"], body
        assert same["timeline"] == changed["timeline"], body
    assert len(await updates(db, claim["number"])) == 1


# ---- the product and its warranty -------------------------------------------------------------


async def test_a_corrected_serial_finds_the_unit_and_checks_the_warranty_again(
    client, auth, new_claim, correct, db
) -> None:
    code, serial = await make_unit(client, auth)
    old_code, old_serial = await make_unit(
        client, auth, sale_date=date.today() - timedelta(days=5 * 365)
    )
    claim = await new_claim()  # a serial nobody registered
    assert claim["warranty_status"] == "unknown_unit" and claim["model_code"] is None

    found = await correct(claim, {"product": {"serial_number": serial}})
    assert (found["serial_number"], found["model_code"]) == (serial, code)
    assert found["warranty_status"] == "in_warranty" and found["warranty_end_date"]
    audit = changes(found)
    assert audit["serial_number"] == {"before": claim["serial_number"], "after": serial}
    assert audit["model_code"] == {"before": None, "after": code}
    assert audit["warranty_status"] == {"before": "unknown_unit", "after": "in_warranty"}
    assert audit["warranty_end_date"]["before"] is None
    assert audit["warranty_end_date"]["after"] == found["warranty_end_date"]
    assert "warranty_reasons" in audit
    [outbox] = await updates(db, claim["number"])
    assert {"serial_number", "model_code", "warranty_status"} <= set(outbox["changed"])

    expired = await correct(
        found, {"product": {"serial_number": old_serial, "purchase_date": "2020-05-01"}}
    )
    assert (expired["model_code"], expired["warranty_status"]) == (old_code, "expired")
    assert expired["purchase_date"] == "2020-05-01"
    assert changes(expired)["warranty_status"] == {"before": "in_warranty", "after": "expired"}

    # The model's name as the customer gave it is kept beside the catalogue's model.
    named = await correct(expired, {"product": {"model_name": "the big pump"}})
    assert changes(named) == {"model_name": {"before": "Pump", "after": "the big pump"}}
    assert named["warranty_status"] == "expired"  # checked again, unchanged: not in the audit


async def test_a_model_code_must_be_the_catalogues_and_agree_with_the_unit(
    client, auth, new_claim, correct
) -> None:
    code, serial = await make_unit(client, auth)
    other_code, _ = await make_unit(client, auth)
    claim = await new_claim()

    unknown = await correct(claim, {"product": {"model_code": unique("NOPE")}}, expect=422)
    assert [e["field"] for e in unknown["errors"]] == ["body.product.model_code"]
    by_code = await correct(claim, {"product": {"model_code": other_code}})
    assert by_code["model_code"] == other_code and by_code["warranty_status"] == "unknown_unit"

    clash = await correct(
        by_code, {"product": {"serial_number": serial, "model_code": other_code}}, expect=422
    )
    assert [e["field"] for e in clash["errors"]] == ["body.product.model_code"]
    assert code in clash["errors"][0]["message"]
    agreed = await correct(by_code, {"product": {"serial_number": serial, "model_code": code}})
    assert agreed["model_code"] == code and agreed["warranty_status"] == "in_warranty"

    # A serial corrected to one not registered keeps the model already known.
    typo = await correct(agreed, {"product": {"serial_number": unique("SN")}})
    assert typo["model_code"] == code and typo["warranty_status"] == "unknown_unit"
    cleared = await correct(typo, {"product": {"model_code": None}})
    assert cleared["model_code"] is None
    assert changes(cleared)["model_code"] == {"before": code, "after": None}


# ---- customer, contact, discrepancies ---------------------------------------------------------


async def test_moving_a_claim_to_another_customer_and_contact(
    app, client, auth, new_claim, correct
) -> None:
    claim = await new_claim()
    other = await new_claim()
    merged = await new_claim()
    await set_customer(app, merged["customer"]["id"], merged_into_id=other["customer"]["id"])
    target = {"customer_id": other["customer"]["id"], "contact_id": other["contact"]["id"]}

    for body, field in (
        ({"customer_id": other["customer"]["id"]}, "body.contact_id"),  # its contact is not theirs
        ({"contact_id": other["contact"]["id"]}, "body.contact_id"),
        ({**target, "contact_id": claim["contact"]["id"]}, "body.contact_id"),
        ({"customer_id": 2**31 - 1}, "body.customer_id"),
        ({"contact_id": 2**31 - 1}, "body.contact_id"),
        ({"customer_id": merged["customer"]["id"], "contact_id": None}, "body.customer_id"),
    ):
        refused = await correct(claim, body, expect=422)
        assert [e["field"] for e in refused["errors"]] == [field], body

    moved = await correct(claim, target)
    assert moved["customer"]["id"] == other["customer"]["id"]
    assert moved["contact"]["id"] == other["contact"]["id"]
    assert changes(moved) == {
        "customer_id": {"before": claim["customer"]["id"], "after": other["customer"]["id"]},
        "contact_id": {"before": claim["contact"]["id"], "after": other["contact"]["id"]},
    }
    no_contact = await correct(moved, {"contact_id": None})
    assert no_contact["contact"] is None
    back = await correct(
        no_contact,
        {"customer_id": claim["customer"]["id"], "contact_id": claim["contact"]["id"]},
    )
    assert back["customer"] == claim["customer"] and back["contact"] == claim["contact"]


async def test_discrepancies_are_cleared_once_confirmed(client, auth, new_claim, correct) -> None:
    email = f"{unique()}@example.lv"
    await new_claim(customer={"name": "Jānis Bērziņš", "email": email})
    claim = await new_claim(customer={"name": "Jānis Ozols", "email": email})
    found = claim["customer_discrepancies"]
    assert found == [{"field": "name", "on_record": "Jānis Bērziņš", "on_claim": "Jānis Ozols"}]

    refused = await correct(claim, {"customer_discrepancies": found}, expect=422)
    assert [e["field"] for e in refused["errors"]] == ["body.customer_discrepancies"]
    cleared = await correct(claim, {"customer_discrepancies": []})
    assert cleared["customer_discrepancies"] == []
    assert changes(cleared) == {"customer_discrepancies": {"before": found, "after": []}}


# ---- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"defect_description": "The customer's words stay as they are."},
            "body.defect_description",
        ),
        ({"state": "closed"}, "body.state"),
        ({"defect_statement": ""}, "body.defect_statement"),
        ({"defect_statement": "x" * 20001}, "body.defect_statement"),
        ({"language": "de"}, "body.language"),
        ({"language": None}, "body.language"),
        ({"customer_id": None}, "body.customer_id"),
        ({"customer_id": 0}, "body.customer_id"),
        ({"contact_id": "first"}, "body.contact_id"),
        ({"product": None}, "body.product"),
        ({"product": {"serial_number": "S" * 65}}, "body.product.serial_number"),
        ({"product": {"purchase_date": "yesterday"}}, "body.product.purchase_date"),
        ({"owner": ""}, "body.owner"),
        ({"owner": "nobody-by-this-name"}, "body.owner"),
        ({"owner": "test-intake"}, "body.owner"),  # a live key, but not a specialist's
        ({"customer_discrepancies": "none"}, "body.customer_discrepancies"),
    ],
)
async def test_each_bad_field_is_named(new_claim, correct, body, field) -> None:
    claim = await new_claim()
    problem = await correct(claim, body, expect=422)
    assert [e["field"] for e in problem["errors"]] == [field]


async def test_every_bad_field_is_named_at_once(new_claim, correct) -> None:
    claim = await new_claim()
    problem = await correct(
        claim,
        {"customer_id": 2**31 - 1, "owner": "nobody", "product": {"model_code": unique("NO")}},
        expect=422,
    )
    fields = [e["field"] for e in problem["errors"]]
    assert fields == ["body.customer_id", "body.owner", "body.product.model_code"]


async def test_versions_and_closed_claims(client, auth, new_claim, correct) -> None:
    claim = await new_claim()
    url = f"{CLAIMS}/{claim['number']}"
    body = {"defect_statement": STATEMENT}

    missing = await client.patch(url, json=body, headers=auth(Role.specialist))
    assert missing.status_code == 428
    assert missing.headers["content-type"] == "application/problem+json"
    stale = await client.patch(url, json=body, headers=auth(Role.specialist, **if_match(7)))
    assert stale.status_code == 412 and stale.json()["current_version"] == claim["version"]
    unknown = await client.patch(
        f"{CLAIMS}/CLM-1999-999999", json=body, headers=auth(Role.specialist, **if_match(1))
    )
    assert unknown.status_code == 404

    flow = Flow(client, auth, claim)
    await flow.act(Action.close, Role.specialist)
    closed = await client.patch(
        url, json=body, headers=auth(Role.specialist, **if_match(flow.version))
    )
    assert closed.status_code == 409, closed.text
    assert "reopen" in closed.json()["detail"]
    await flow.act(Action.reopen, Role.head)
    reopened = await correct({**claim, "version": flow.version}, body)
    assert reopened["defect_statement"] == STATEMENT


async def test_only_specialists_and_heads_correct_claims(client, auth, new_claim) -> None:
    claim = await new_claim()
    body = {"defect_statement": STATEMENT}
    for number in (claim["number"], "CLM-1999-999999"):  # the role is checked before the claim
        url = f"{CLAIMS}/{number}"
        assert (await client.patch(url, json=body, headers=if_match(1))).status_code == 401
        for role in (
            Role.intake,
            Role.director,
            Role.design,
            Role.service,
            Role.auditor,
            Role.admin,
        ):
            response = await client.patch(url, json=body, headers=auth(role, **if_match(1)))
            assert response.status_code == 403, (role, response.text)
    for role, version in ((Role.specialist, 1), (Role.head, 2)):
        response = await client.patch(
            f"{CLAIMS}/{claim['number']}",
            json={"language": "ru" if role == Role.head else "en"},
            headers=auth(role, **if_match(version)),
        )
        assert response.status_code == 200, (role, response.text)


# ---- the owner ---------------------------------------------------------------------------------


async def test_reassigning_is_audited_apart_and_the_listing_filters_by_owner(
    client, auth, new_claim, correct, db
) -> None:
    email = f"{unique()}@example.lv"
    mine, nobodys, heads = [
        await new_claim(customer={"name": "Ilze Kalna", "email": email}) for _ in range(3)
    ]
    customer_id = mine["customer"]["id"]
    assert mine["owner"] is None

    taken = await correct(mine, {"owner": "test-specialist"})
    assert taken["owner"] == "test-specialist"
    [reassign] = events(taken, "reassign")
    assert reassign["actor"] == "test-specialist"
    assert reassign["payload"] == {
        "changes": {"owner": {"before": None, "after": "test-specialist"}}
    }
    assert events(taken, "update") == []
    assert (await updates(db, mine["number"]))[0]["changed"] == ["owner"]

    given = await correct(heads, {"owner": "test-head", "defect_statement": STATEMENT})
    assert changes(given, "reassign") == {"owner": {"before": None, "after": "test-head"}}
    assert set(changes(given)) == {"defect_statement"}
    assert (await updates(db, heads["number"]))[0]["changed"] == ["defect_statement", "owner"]

    async def listed(role: Role, owner: str) -> list[str]:
        response = await client.get(
            CLAIMS, params={"owner": owner, "customer_id": customer_id}, headers=auth(role)
        )
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    assert await listed(Role.specialist, "me") == [mine["number"]]
    assert await listed(Role.head, "me") == [heads["number"]]
    assert await listed(Role.auditor, "none") == [nobodys["number"]]
    assert await listed(Role.auditor, "test-head") == [heads["number"]]
    page = await client.get(CLAIMS, params={"customer_id": customer_id}, headers=auth(Role.head))
    owners = {item["number"]: item["owner"] for item in page.json()["items"]}
    assert owners == {
        mine["number"]: "test-specialist",
        nobodys["number"]: None,
        heads["number"]: "test-head",
    }

    released = await correct(taken, {"owner": None}, role=Role.head)
    assert released["owner"] is None
    assert changes(released, "reassign") == {"owner": {"before": "test-specialist", "after": None}}
    assert sorted(await listed(Role.auditor, "none")) == sorted([mine["number"], nobodys["number"]])


async def test_a_revoked_key_cannot_own_claims(client, auth, new_claim, correct) -> None:
    name = unique("leaver")
    created = await client.post(
        KEYS, json={"name": name, "roles": ["specialist"]}, headers=auth(Role.admin)
    )
    claim = await new_claim()
    owned = await correct(claim, {"owner": name})
    revoked = await client.delete(f"{KEYS}/{created.json()['id']}", headers=auth(Role.admin))
    assert revoked.status_code == 204
    # The claim keeps its owner until someone reassigns it...
    assert (await correct(owned, {"owner": name}))["version"] == owned["version"]
    released = await correct(owned, {"owner": None})
    # ...but cannot be given to the revoked key again.
    refused = await correct(released, {"owner": name}, expect=422)
    assert [e["field"] for e in refused["errors"]] == ["body.owner"]


async def test_new_claims_go_to_the_default_owner(settings, auth) -> None:
    async with app_with(settings, default_owner="test-head") as other:
        claim = await register(other, auth)
        assert claim["owner"] == "test-head"
        page = await other.get(
            CLAIMS,
            params={"owner": "me", "customer_id": claim["customer"]["id"]},
            headers=auth(Role.head),
        )
        assert [item["number"] for item in page.json()["items"]] == [claim["number"]]


async def test_the_owners_name_and_phone_are_the_letters_executor_line(
    client, auth, new_claim, correct
) -> None:
    name = unique("anna")
    created = await client.post(
        KEYS,
        json={
            "name": name,
            "roles": ["specialist"],
            "full_name": "Anna Kalniņa",
            "phone": "+371 2000 0000",
            "email": "anna@example.com",
        },
        headers=auth(Role.admin),
    )
    assert created.status_code == 201, created.text
    key = created.json()
    assert (key["full_name"], key["phone"], key["email"]) == (
        "Anna Kalniņa",
        "+37120000000",
        "anna@example.com",
    )
    claim = await new_claim()
    before = await draft_preview(client, auth, claim["number"])
    assert "Anna Kalniņa" not in before

    await correct(claim, {"owner": name})
    preview = await draft_preview(client, auth, claim["number"])
    # Printed grouped, and kept on one line (app/letters/typography.py).
    assert "Anna Kalniņa" in preview and "tālr. +371\u00a020\u00a0000\u00a0000" in preview

    updated = await client.patch(
        f"{KEYS}/{key['id']}",
        json={"full_name": None, "phone": "26111111"},  # no country code: read in LV
        headers=auth(Role.admin),
    )
    assert updated.status_code == 200, updated.text
    assert (updated.json()["full_name"], updated.json()["phone"]) == (None, "+37126111111")
    preview = await draft_preview(client, auth, claim["number"])
    assert (
        "Anna Kalniņa" not in preview
        and name in preview
        and "+371\u00a026\u00a0111\u00a0111" in preview
    )


async def test_the_person_behind_a_key_is_checked(client, auth) -> None:
    bad_phone = await client.post(
        KEYS,
        json={"name": unique("k"), "roles": ["specialist"], "phone": "12"},
        headers=auth(Role.admin),
    )
    assert bad_phone.status_code == 422
    assert [e["field"] for e in bad_phone.json()["errors"]] == ["body.phone"]
    bad_email = await client.post(
        KEYS,
        json={"name": unique("k"), "roles": ["specialist"], "email": "not-an-email"},
        headers=auth(Role.admin),
    )
    assert [e["field"] for e in bad_email.json()["errors"]] == ["body.email"]

    created = await client.post(
        KEYS, json={"name": unique("k"), "roles": ["head"]}, headers=auth(Role.admin)
    )
    url = f"{KEYS}/{created.json()['id']}"
    assert (await client.patch(url, json={"phone": "12"}, headers=auth(Role.admin))).json()[
        "errors"
    ][0]["field"] == "body.phone"
    roles = await client.patch(url, json={"roles": ["admin"]}, headers=auth(Role.admin))
    assert roles.status_code == 422  # only the person's data changes here
    assert (await client.patch(url, json={}, headers=auth(Role.head))).status_code == 403
    missing = await client.patch(f"{KEYS}/{2**31 - 1}", json={}, headers=auth(Role.admin))
    assert missing.status_code == 404
    listed = await client.get(KEYS, headers=auth(Role.admin))
    [row] = [k for k in listed.json() if k["id"] == created.json()["id"]]
    assert (row["full_name"], row["phone"], row["email"]) == (None, None, None)


async def test_the_cli_creates_a_key_with_the_persons_data(
    client, auth, database_url, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CLAIMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        name = unique("cli")
        argv = [
            "create-api-key",
            "--role",
            "specialist",
            "--name",
            name,
            "--full-name",
            "Ivo Liepa",
        ]
        await asyncio.to_thread(cli.main, [*argv, "--phone", "+371 2222 3333"])
        key = capsys.readouterr().out.strip().splitlines()[-1]
        with pytest.raises(SystemExit):
            await asyncio.to_thread(cli.main, [*argv, "--phone", "12"])
        assert "create-api-key: error: The phone number" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
    assert (await client.get(CLAIMS, params={"limit": 1}, headers={"X-API-Key": key})).is_success
    listed = (await client.get(KEYS, headers=auth(Role.admin))).json()
    assert [(k["full_name"], k["phone"]) for k in listed if k["name"] == name] == [
        ("Ivo Liepa", "+37122223333")
    ]


# ---- key customers ----------------------------------------------------------------------------

MONDAY = "2026-03-02T08:30:00+02:00"


async def test_a_key_customer_gets_the_shorter_acknowledgement_deadline(
    app, client, settings, auth, correct
) -> None:
    email = f"{unique()}@key.example.lv"
    person = {"name": "Pēteris Kalns", "organisation": unique("SIA Key"), "email": email}
    async with app_with(settings, key_customer_ack_due_working_days=1) as other:
        first = await register(other, auth, customer=person, received_at=MONDAY)
        assert first["deadlines"]["ack_due_date"] == "2026-03-05"  # not a key customer yet
        key_customer = first["customer"]["id"]
        await set_customer(app, key_customer, is_key_customer=True)

        claim = await register(other, auth, customer=person, received_at=MONDAY)
        assert claim["customer"] == {**first["customer"], "is_key_customer": True}
        assert claim["deadlines"]["ack_due_date"] == "2026-03-03"
        assert claim["deadlines"]["ack_deadline_date"] == "2026-03-09"  # the limit is everyone's
        sla = await other.get(f"{CLAIMS}/{claim['number']}/sla", headers=auth(Role.auditor))
        assert sla.json()["ack_due_date"] == "2026-03-03"

        # Moved to the key customer before it is acknowledged, a claim takes its deadline...
        plain = await register(other, auth, received_at=MONDAY)
        target = {"customer_id": key_customer, "contact_id": first["contact"]["id"]}
        moved = await correct(plain, target, via=other)
        assert moved["deadlines"]["ack_due_date"] == "2026-03-03"
        assert changes(moved)["ack_due_date"] == {"before": "2026-03-05", "after": "2026-03-03"}
        # ...and gives it back when moved away.
        back = {"customer_id": plain["customer"]["id"], "contact_id": plain["contact"]["id"]}
        assert (await correct(moved, back, via=other))["deadlines"]["ack_due_date"] == "2026-03-05"

        # An acknowledged claim keeps the deadline it was acknowledged against.
        acked = await register(other, auth, received_at=MONDAY)
        async with app.state.session_factory() as s:
            await s.execute(
                update(Claim)
                .where(Claim.number == acked["number"])
                .values(acknowledged_at=Claim.received_at)
            )
            await s.commit()
        kept = await correct(acked, target, via=other)
        assert kept["deadlines"]["ack_due_date"] == "2026-03-05"
        assert "ack_due_date" not in changes(kept)

    # Without the setting a key customer has everyone's deadline.
    same = await register(client, auth, customer=person, received_at=MONDAY)
    assert same["customer"]["is_key_customer"] is True
    assert same["deadlines"]["ack_due_date"] == "2026-03-05"
