"""A corrective action's default title in the company's letter language, and D2 following the
linked claims when a person corrects one of them (model, serial, customer), in the claim's own
transaction, on the real app and database."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from app.enums import Action, Role
from app.models.system import OutboxEvent
from tests.api.workflow_support import Flow, make_unit
from tests.reports_data import make_claim, make_customer, make_model, open_session

BASE = "/api/v1/corrective-actions"


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


@pytest.fixture
def language(app: Any) -> Iterator[Any]:
    """Sets CLAIMS_LETTER_DEFAULT_LANGUAGE on the running app for one test."""
    original = app.state.settings

    def use(lang: str) -> None:
        app.state.settings = original.model_copy(update={"letter_default_language": lang})

    yield use
    app.state.settings = original


async def claims_of(session: Any, n: int, *, model: Any = None, day: int = 2) -> list[Any]:
    model = model or await make_model(session)
    customer = await make_customer(session)
    claims = [
        await make_claim(
            session,
            customer=customer,
            model=model,
            received_at=datetime(2025, 4, day + i, 9, tzinfo=UTC),
            reported_serial=f"{model.code}-AAA{i:03d}",
            cause="manufacturing_defect",
            description=f"The seal leaks, case {i}",
        )
        for i in range(n)
    ]
    await session.commit()
    return claims


async def open_from(client: Any, auth: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(BASE, json=body, headers=auth(Role.specialist))
    assert response.status_code == 201, response.text
    return response.json()


# ---- the default title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "three", "one"),
    [
        ("ru", "3 рекламации", "1 рекламация"),
        ("lv", "3 reklamācijas", "1 reklamācija"),
        ("bg", "3 рекламации", "1 рекламация"),
        ("en", "3 claims", "1 claim"),
        ("de", "3 claims", "1 claim"),  # no 8D report or letters in German: English
    ],
)
async def test_the_default_title_is_in_the_company_language(
    client, auth, session, language, lang, three, one
) -> None:
    language(lang)
    claims = await claims_of(session, 3)
    ca = await open_from(client, auth, {"claim_numbers": [c.number for c in claims]})
    assert ca["title"] == f"{ca['product_model']}: {three}"
    single = await open_from(client, auth, {"claim_numbers": [claims[0].number]})
    assert single["title"] == f"{ca['product_model']}: {one}"
    named = await open_from(client, auth, {"claim_numbers": [claims[1].number], "title": "Seal"})
    assert named["title"] == "Seal"  # a title given is kept as given


async def test_a_batch_group_names_batch_and_cause_in_russian(
    client, auth, session, language
) -> None:
    language("ru")
    model = await make_model(session)
    await claims_of(session, 2, model=model)
    group = {
        "kind": "batch",
        "product_model": model.code,
        "batch": f"{model.code}-AAA",
        "defect_cause": "manufacturing_defect",
        "received_from": "2025-04-01",
        "received_to": "2025-04-30",
    }
    ca = await open_from(client, auth, {"group": group})
    assert ca["title"] == (
        f"{model.code}, партия {model.code}-AAA, производственный дефект: 2 рекламации"
    )


# ---- D2 follows corrections of the linked claims ----------------------------------------------


def if_match(auth: Any, role: Role, version: int) -> dict[str, str]:
    return auth(role, **{"If-Match": f'"{version}"'})


async def correct(client: Any, auth: Any, number: str, body: dict[str, Any]) -> dict[str, Any]:
    read = (await client.get(f"/api/v1/claims/{number}", headers=auth(Role.specialist))).json()
    response = await client.patch(
        f"/api/v1/claims/{number}",
        json=body,
        headers=if_match(auth, Role.specialist, read["version"]),
    )
    assert response.status_code == 200, response.text
    return response.json()


async def action(client: Any, auth: Any, number: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/{number}", headers=auth(Role.auditor))
    assert response.status_code == 200, response.text
    return response.json()


async def trail(client: Any, auth: Any, number: str) -> list[dict[str, Any]]:
    response = await client.get(f"{BASE}/{number}/events", headers=auth(Role.auditor))
    return response.json()


async def updated_events(db: Any, number: str) -> list[dict[str, Any]]:
    rows = await db(
        select(OutboxEvent.payload)
        .where(OutboxEvent.type == "corrective_action.updated")
        .order_by(OutboxEvent.id)
    )
    return [p for (p,) in rows if p["number"] == number]


async def test_d2_follows_a_corrected_serial_model_and_customer(
    client, auth, db, session, new_claim
) -> None:
    code_a, serial_a = await make_unit(client, auth)
    code_b, serial_b = await make_unit(client, auth)
    # Serials the registry does not know, so that the model may be corrected on its own.
    first = await new_claim(product={"model_code": code_a, "serial_number": f"{serial_a}-1"})
    second = await new_claim(product={"model_code": code_a, "serial_number": f"{serial_a}-2"})
    ca = await open_from(client, auth, {"claim_numbers": [first["number"], second["number"]]})
    number, version = ca["number"], ca["version"]
    facts = ca["d2_problem"]["facts"]
    assert (facts["serial_min"], facts["serial_max"]) == (f"{serial_a}-1", f"{serial_a}-2")

    # The serial: the unit is another model's, so the model follows the unit too.
    await correct(client, auth, second["number"], {"product": {"serial_number": serial_b}})
    after = await action(client, auth, number)
    facts = after["d2_problem"]["facts"]
    assert sorted([facts["serial_min"], facts["serial_max"]]) == sorted([f"{serial_a}-1", serial_b])
    assert sorted(m["code"] for m in facts["product_models"]) == sorted([code_a, code_b])
    assert after["version"] == version + 1
    [refreshed] = [e for e in await trail(client, auth, number) if e["action"] == "d2_refreshed"]
    assert refreshed["actor"] == "test-specialist"
    assert refreshed["payload"]["claim"] == second["number"]
    assert refreshed["payload"]["claim_fields"] == ["product_model_id", "reported_serial"]
    d2_keys = set(refreshed["payload"]["d2"])  # the D2 keys that changed
    assert "product_models" in d2_keys and d2_keys & {"serial_min", "serial_max"}
    assert (await updated_events(db, number))[-1]["fields"][0] == "d2_problem"

    # The model, on the other claim as well: both are B now, and so is the record's model.
    await correct(client, auth, first["number"], {"product": {"model_code": code_b}})
    after = await action(client, auth, number)
    assert [m["code"] for m in after["d2_problem"]["facts"]["product_models"]] == [code_b]
    assert after["product_model"] == code_b and after["version"] == version + 2
    # The record's model moved from A to B at step one (a tie goes to the first code) or two.
    fields = [e["fields"] for e in await updated_events(db, number)]
    assert len(fields) == 2 and sum(f == ["d2_problem", "product_model"] for f in fields) == 1

    # The customer: D2 names the new one.
    other = await make_customer(session)
    await session.commit()
    await correct(client, auth, first["number"], {"customer_id": other.id, "contact_id": None})
    after = await action(client, auth, number)
    names = {c["name"] for c in after["d2_problem"]["facts"]["customers"]}
    assert other.name in names and len(names) == 2

    # A correction D2 does not read (the owner, the language) leaves the record alone.
    await correct(client, auth, first["number"], {"language": "ru"})
    assert (await action(client, auth, number))["version"] == after["version"]


async def test_the_check_warranty_action_corrects_the_serial_and_d2_follows(
    client, auth, new_claim
) -> None:
    code, serial = await make_unit(client, auth)
    claim = await new_claim(product={"model_name": "Pump", "serial_number": "TYPO-1"})
    ca = await open_from(client, auth, {"claim_numbers": [claim["number"]]})
    assert ca["d2_problem"]["facts"]["serial_min"] == "TYPO-1"
    flow = Flow(client, auth, claim)
    await flow.act(Action.check_warranty, Role.specialist, {"serial_number": serial})
    after = await action(client, auth, ca["number"])
    facts = after["d2_problem"]["facts"]
    assert (facts["serial_min"], facts["product_models"][0]["code"]) == (serial, code)
    assert after["product_model"] == code
    # Acting again with the same serial changes nothing D2 reads.
    await flow.act(Action.check_warranty, Role.specialist, {"serial_number": serial})
    assert (await action(client, auth, ca["number"]))["version"] == after["version"]


async def test_a_cancelled_record_keeps_its_d2(client, auth, new_claim) -> None:
    code, serial = await make_unit(client, auth)
    claim = await new_claim()
    open_one = await open_from(client, auth, {"claim_numbers": [claim["number"]]})
    cancelled = await open_from(client, auth, {"claim_numbers": [claim["number"]]})
    done = await client.post(
        f"{BASE}/{cancelled['number']}/actions/cancel",
        json={"reason": "Duplicate"},
        headers=if_match(auth, Role.head, cancelled["version"]),
    )
    assert done.status_code == 200, done.text
    before = await action(client, auth, cancelled["number"])
    await correct(client, auth, claim["number"], {"product": {"serial_number": serial}})
    kept = await action(client, auth, cancelled["number"])
    assert (kept["d2_problem"], kept["version"]) == (before["d2_problem"], before["version"])
    followed = await action(client, auth, open_one["number"])
    assert followed["d2_problem"]["facts"]["serial_min"] == serial
