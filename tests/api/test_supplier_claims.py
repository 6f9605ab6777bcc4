"""/api/v1/supplier-claims through the real app on the real database: numbering, links and
evidence, the machine from every state, roles, If-Match, frozen fields, the audit trail and the
outbox, and the money recovered in the costs report."""

import re
from typing import Any

import pytest
from sqlalchemy import select

from app.enums import Role
from app.models.corrective import CorrectiveAction
from app.models.system import OutboxEvent
from tests.api.supplier_support import (
    BODIES,
    PATHS,
    SUPPLIER_CLAIMS,
    act,
    attach,
    drive,
    make_supplier,
    make_supplier_claim,
    tag,
)

ACTIONS = list(BODIES)
ALLOWED_FROM = {
    "mark_sent": {"draft"},
    "acknowledge": {"sent"},
    "accept": {"sent", "acknowledged"},
    "reject": {"sent", "acknowledged"},
    "settle": {"accepted"},
    "reopen": {"rejected"},
}
TARGET = {
    "mark_sent": "sent",
    "acknowledge": "acknowledged",
    "accept": "accepted",
    "reject": "rejected",
    "settle": "settled",
    "reopen": "sent",
}
NOT_READERS = [Role.intake, Role.design, Role.service, Role.admin]
NOT_ACTORS = [Role.director, Role.auditor, *NOT_READERS]


async def _corrective_action(app: Any) -> str:
    number = f"CA-T-{tag()[:8]}"
    async with app.state.session_factory() as s:
        s.add(
            CorrectiveAction(
                number=number, year=2026, seq=1, title="Seized bearings", created_by="t"
            )
        )
        await s.commit()
    return number


async def test_create_numbers_links_and_reads(client, auth, new_claim, app, db) -> None:
    supplier = await make_supplier(client, auth)
    ca = await _corrective_action(app)
    first, second = await new_claim(), await new_claim()
    evidence = await attach(client, auth, second["number"])
    r = await client.post(
        SUPPLIER_CLAIMS,
        json={
            "supplier_id": supplier["id"],
            "component": "Motor M-200",
            "defect_description": "  Bearing seizes.  ",
            "claim_numbers": [first["number"], second["number"]],
            "corrective_action": ca,
            "evidence_attachment_ids": [evidence],
            "amount_claimed": "1250.5",
        },
        headers=auth(Role.specialist),
    )
    assert r.status_code == 201, r.text
    sc = r.json()
    assert re.fullmatch(r"SC-\d{4}-\d{6}", sc["number"])
    assert r.headers["ETag"] == '"1"'
    assert r.headers["Location"] == f"{SUPPLIER_CLAIMS}/{sc['number']}"
    assert sc["state"] == "draft"
    assert sc["currency"] == "EUR"  # CLAIMS_REPORTS_CURRENCY
    assert sc["language"] == "bg"  # the supplier's
    assert sc["owner"] == "test-specialist"
    assert sc["amount_claimed"] == "1250.50"
    assert sc["defect_description"] == "Bearing seizes."
    assert sc["corrective_action"] == ca
    assert sorted(c["number"] for c in sc["claims"]) == sorted([first["number"], second["number"]])
    assert [e["id"] for e in sc["evidence"]] == [evidence]
    assert sc["evidence"][0]["filename"] == "photo.gif"
    assert sc["allowed_actions"] == ["mark_sent"]
    assert [e["action"] for e in sc["events"]] == ["created"]
    # The next one takes the next number: gap-free per year.
    following = await make_supplier_claim(client, auth, new_claim, supplier=supplier)
    year, seq = sc["number"].split("-")[1:]
    assert following["number"] == f"SC-{year}-{int(seq) + 1:06d}"
    read = await client.get(f"{SUPPLIER_CLAIMS}/{sc['number']}", headers=auth(Role.director))
    assert read.status_code == 200
    assert read.json()["allowed_actions"] == []  # a director reads only
    rows = await db(
        select(OutboxEvent.type, OutboxEvent.payload).where(
            OutboxEvent.type == "supplier_claim.created"
        )
    )
    assert any(p["number"] == sc["number"] for _, p in rows)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"supplier_id": 2**31 - 1}, "body.supplier_id"),
        ({"contact_id": 2**31 - 1}, "body.contact_id"),
        ({"claim_numbers": []}, "body.claim_numbers"),
        ({"claim_numbers": ["CLM-1999-999999"]}, "body.claim_numbers.0"),
        ({"corrective_action": "CA-1999-000001"}, "body.corrective_action"),
        ({"evidence_attachment_ids": [2**31 - 1]}, "body.evidence_attachment_ids.0"),
        ({"amount_claimed": "-1"}, "body.amount_claimed"),
        ({"amount_claimed": "1.001"}, "body.amount_claimed"),
        ({"currency": "eur"}, "body.currency"),
        ({"language": "de"}, "body.language"),
        ({"component": "  "}, "body.component"),
    ],
)
async def test_create_refuses_what_does_not_exist(client, auth, new_claim, change, field) -> None:
    supplier = await make_supplier(client, auth)
    claim = await new_claim()
    body = {
        "supplier_id": supplier["id"],
        "component": "Motor",
        "defect_description": "Seizes.",
        "claim_numbers": [claim["number"]],
        "amount_claimed": "10",
        **change,
    }
    r = await client.post(SUPPLIER_CLAIMS, json=body, headers=auth(Role.specialist))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in r.json()["errors"]]


async def test_evidence_must_belong_to_the_linked_claims(client, auth, new_claim) -> None:
    supplier = await make_supplier(client, auth)
    linked, other = await new_claim(), await new_claim()
    mine = await attach(client, auth, linked["number"])
    foreign = await attach(client, auth, other["number"])
    r = await client.post(
        SUPPLIER_CLAIMS,
        json={
            "supplier_id": supplier["id"],
            "component": "Motor",
            "defect_description": "Seizes.",
            "claim_numbers": [linked["number"]],
            "evidence_attachment_ids": [mine, foreign],
            "amount_claimed": "10",
        },
        headers=auth(Role.specialist),
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "body.evidence_attachment_ids.1"
    assert str(foreign) in r.json()["errors"][0]["message"]


async def test_contact_of_another_supplier_is_refused(client, auth, new_claim) -> None:
    ours, theirs = await make_supplier(client, auth), await make_supplier(client, auth)
    claim = await new_claim()
    r = await client.post(
        SUPPLIER_CLAIMS,
        json={
            "supplier_id": ours["id"],
            "contact_id": theirs["contacts"][0]["id"],
            "component": "Motor",
            "defect_description": "Seizes.",
            "claim_numbers": [claim["number"]],
            "amount_claimed": "10",
        },
        headers=auth(Role.specialist),
    )
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "body.contact_id")


async def test_the_whole_way_to_settled(client, auth, new_claim, db) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    r = await act(client, auth, sc, "mark_sent", {"channel": "post", "sent_on": "2026-01-05"})
    assert r.status_code == 200, r.text
    sc = r.json()
    assert (sc["state"], sc["sent_channel"], r.headers["ETag"]) == ("sent", "post", '"2"')
    assert sc["sent_at"].startswith("2026-01-05")
    assert sc["allowed_actions"] == ["acknowledge", "accept", "reject"]
    sc = (await act(client, auth, sc, "acknowledge", {"acknowledged_on": "2026-01-07"})).json()
    assert sc["acknowledged_on"] == "2026-01-07"
    too_much = await act(client, auth, sc, "accept", {"amount_accepted": "1250.01"})
    assert (too_much.status_code, too_much.json()["errors"][0]["field"]) == (
        422,
        "body.amount_accepted",
    )
    sc = (await act(client, auth, sc, "accept", {"amount_accepted": "1000"})).json()
    assert (sc["state"], sc["amount_accepted"]) == ("accepted", "1000.00")
    over = await act(
        client, auth, sc, "settle", {"amount_recovered": "1000.01", "recovered_on": "2026-02-01"}
    )
    assert (over.status_code, over.json()["errors"][0]["field"]) == (422, "body.amount_recovered")
    zero = await act(
        client, auth, sc, "settle", {"amount_recovered": "0", "recovered_on": "2026-02-01"}
    )
    assert zero.status_code == 422
    r = await act(
        client, auth, sc, "settle", {"amount_recovered": "800", "recovered_on": "2026-02-01"}
    )
    assert r.status_code == 200, r.text
    sc = r.json()
    assert (sc["state"], sc["amount_recovered"], sc["recovered_on"]) == (
        "settled",
        "800.00",
        "2026-02-01",
    )
    assert sc["allowed_actions"] == []
    assert [e["action"] for e in sc["events"]] == [
        "created",
        "mark_sent",
        "acknowledge",
        "accept",
        "settle",
    ]
    assert sc["events"][-1]["from_state"] == "accepted"
    events = (
        await client.get(f"{SUPPLIER_CLAIMS}/{sc['number']}/events", headers=auth(Role.auditor))
    ).json()
    assert events == sc["events"]
    rows = await db(
        select(OutboxEvent.payload)
        .where(OutboxEvent.type == "supplier_claim.state_changed")
        .order_by(OutboxEvent.id)  # in the order written
    )
    mine = [p for (p,) in rows if p["number"] == sc["number"]]
    assert [p["to_state"] for p in mine] == ["sent", "acknowledged", "accepted", "settled"]


async def test_rejected_then_disputed(client, auth, new_claim) -> None:
    sc = await drive(client, auth, await make_supplier_claim(client, auth, new_claim), "sent")
    missing = await act(client, auth, sc, "reject", {})
    assert (missing.status_code, missing.json()["errors"][0]["field"]) == (
        422,
        "body.supplier_response",
    )
    sc = (await act(client, auth, sc, "reject")).json()
    assert (sc["state"], sc["supplier_response"]) == ("rejected", "Damaged by overload.")
    sc = (await act(client, auth, sc, "reopen")).json()
    assert sc["state"] == "sent"
    assert sc["events"][-1]["payload"]["reason"].startswith("Laboratory")


@pytest.mark.parametrize("state", list(PATHS))
@pytest.mark.parametrize("action", ACTIONS)
async def test_every_action_from_every_state(client, auth, new_claim, state, action) -> None:
    sc = await drive(client, auth, await make_supplier_claim(client, auth, new_claim), state)
    r = await act(client, auth, sc, action)
    if state in ALLOWED_FROM[action]:
        assert r.status_code == 200, r.text
        assert r.json()["state"] == TARGET[action]
    else:
        assert r.status_code == 409, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert state in r.json()["detail"]
        after = await client.get(f"{SUPPLIER_CLAIMS}/{sc['number']}", headers=auth(Role.head))
        assert after.json()["version"] == sc["version"]


@pytest.mark.parametrize("role", NOT_ACTORS)
@pytest.mark.parametrize("action", ACTIONS)
async def test_only_specialist_and_head_act(client, auth, new_claim, role, action) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    r = await act(client, auth, sc, action, role=role)
    assert r.status_code == 403, r.text
    assert r.json()["required_roles"] == ["head", "specialist"]


@pytest.mark.parametrize("role", NOT_ACTORS)
async def test_only_specialist_and_head_create_and_patch(client, auth, new_claim, role) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    created = await client.post(SUPPLIER_CLAIMS, json={}, headers=auth(role))
    assert created.status_code == 403
    patched = await client.patch(
        f"{SUPPLIER_CLAIMS}/{sc['number']}",
        json={"owner": "x"},
        headers=auth(role, **{"If-Match": '"1"'}),
    )
    assert patched.status_code == 403


@pytest.mark.parametrize("role", NOT_READERS)
async def test_readers(client, auth, new_claim, role) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    for url in (
        SUPPLIER_CLAIMS,
        f"{SUPPLIER_CLAIMS}/{sc['number']}",
        f"{SUPPLIER_CLAIMS}/{sc['number']}/events",
        f"{SUPPLIER_CLAIMS}/workflow",
    ):
        assert (await client.get(url, headers=auth(role))).status_code == 403, url
    assert (await client.get(SUPPLIER_CLAIMS)).status_code == 401


async def test_unknown_stale_and_missing_if_match(client, auth, new_claim) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    unknown = "SC-1999-000001"
    assert (
        await client.get(f"{SUPPLIER_CLAIMS}/{unknown}", headers=auth(Role.head))
    ).status_code == 404
    r = await client.post(
        f"{SUPPLIER_CLAIMS}/{unknown}/actions/mark_sent",
        json=BODIES["mark_sent"],
        headers=auth(Role.head, **{"If-Match": '"1"'}),
    )
    assert r.status_code == 404
    url = f"{SUPPLIER_CLAIMS}/{sc['number']}"
    stale = await client.patch(
        url, json={"owner": "x"}, headers=auth(Role.head, **{"If-Match": '"9"'})
    )
    assert (stale.status_code, stale.json()["current_version"]) == (412, 1)
    # If-Match before the body: a stale version with a bad body is still 412.
    stale_bad = await client.post(
        f"{url}/actions/accept",
        json={"amount_accepted": "x"},
        headers=auth(Role.head, **{"If-Match": '"9"'}),
    )
    assert stale_bad.status_code == 412
    missing = await client.patch(url, json={"owner": "x"}, headers=auth(Role.head))
    assert missing.status_code == 428
    bad_body = await client.post(
        f"{url}/actions/mark_sent",
        json={"channel": "fax"},
        headers=auth(Role.head, **{"If-Match": '"1"'}),
    )
    assert (bad_body.status_code, bad_body.json()["errors"][0]["field"]) == (422, "body.channel")
    future = await client.post(
        f"{url}/actions/mark_sent",
        json={"channel": "email", "sent_on": "2999-01-01"},
        headers=auth(Role.head, **{"If-Match": '"1"'}),
    )
    assert (future.status_code, future.json()["errors"][0]["field"]) == (422, "body.sent_on")


async def test_patch_a_draft_then_frozen_fields(client, auth, new_claim, app) -> None:
    sc = await make_supplier_claim(client, auth, new_claim)
    url = f"{SUPPLIER_CLAIMS}/{sc['number']}"
    other = await new_claim()
    ca = await _corrective_action(app)
    r = await client.patch(
        url,
        json={
            "amount_claimed": "1480",
            "claim_numbers": [sc["claims"][0]["number"], other["number"]],
            "corrective_action": ca,
            "currency": "USD",
        },
        headers=auth(Role.specialist, **{"If-Match": '"1"'}),
    )
    assert r.status_code == 200, r.text
    sc = r.json()
    assert (sc["amount_claimed"], sc["currency"], sc["corrective_action"], sc["version"]) == (
        "1480.00",
        "USD",
        ca,
        2,
    )
    assert len(sc["claims"]) == 2
    assert sc["events"][-1]["payload"]["changes"]["amount_claimed"] == {
        "before": "1250.00",
        "after": "1480.00",
    }
    # Dropping the claim the evidence came from takes the evidence's ground away.
    dropped = await client.patch(
        url,
        json={"claim_numbers": [other["number"]]},
        headers=auth(Role.head, **{"If-Match": '"2"'}),
    )
    assert (dropped.status_code, dropped.json()["errors"][0]["field"]) == (
        422,
        "body.evidence_attachment_ids.0",
    )
    same = await client.patch(
        url, json={"owner": sc["owner"]}, headers=auth(Role.head, **{"If-Match": '"2"'})
    )
    assert same.json()["version"] == 2  # nothing changed, nothing written
    sc = await drive(client, auth, sc, "sent")
    for field, value in (
        ("amount_claimed", "1"),
        ("defect_description", "Other"),
        ("evidence_attachment_ids", []),
        ("component", "Fan"),
    ):
        r = await client.patch(
            url, json={field: value}, headers=auth(Role.head, **{"If-Match": f'"{sc["version"]}"'})
        )
        assert r.status_code == 409, field
        assert r.json()["fields"] == [field]
    r = await client.patch(
        url, json={"owner": "anna.k"}, headers=auth(Role.head, **{"If-Match": f'"{sc["version"]}"'})
    )
    assert (r.status_code, r.json()["owner"]) == (200, "anna.k")


async def test_settled_is_frozen(client, auth, new_claim) -> None:
    sc = await drive(client, auth, await make_supplier_claim(client, auth, new_claim), "settled")
    r = await client.patch(
        f"{SUPPLIER_CLAIMS}/{sc['number']}",
        json={"owner": "x"},
        headers=auth(Role.head, **{"If-Match": f'"{sc["version"]}"'}),
    )
    assert (r.status_code, r.json()["fields"]) == (409, ["owner"])


async def test_list_filters_and_pages(client, auth, new_claim, app, count_statements) -> None:
    supplier = await make_supplier(client, auth)
    ca = await _corrective_action(app)
    made = [
        await make_supplier_claim(client, auth, new_claim, supplier=supplier, corrective_action=ca)
        for _ in range(3)
    ]
    await drive(client, auth, made[0], "sent")
    base = f"{SUPPLIER_CLAIMS}?supplier_id={supplier['id']}"
    with count_statements() as counter:
        page = (await client.get(f"{base}&limit=2", headers=auth(Role.auditor))).json()
    assert counter.count <= 4  # the key, the page with its suppliers and actions: no N+1
    assert [i["number"] for i in page["items"]] == [made[2]["number"], made[1]["number"]]
    rest = (
        await client.get(f"{base}&limit=2&cursor={page['next_cursor']}", headers=auth(Role.auditor))
    ).json()
    assert [i["number"] for i in rest["items"]] == [made[0]["number"]]
    assert rest["next_cursor"] is None
    sent = (await client.get(f"{base}&state=sent", headers=auth(Role.head))).json()
    assert [i["number"] for i in sent["items"]] == [made[0]["number"]]
    by_ca = (
        await client.get(f"{SUPPLIER_CLAIMS}?corrective_action={ca}", headers=auth(Role.head))
    ).json()
    assert len(by_ca["items"]) == 3 and by_ca["items"][0]["corrective_action"] == ca
    overdue = (await client.get(f"{base}&overdue=true", headers=auth(Role.head))).json()
    assert overdue["items"] == []  # sent today: within CLAIMS_SUPPLIER_CLAIM_ANSWER_DAYS
    not_overdue = (await client.get(f"{base}&overdue=false", headers=auth(Role.head))).json()
    assert len(not_overdue["items"]) == 3
    bad = await client.get(f"{SUPPLIER_CLAIMS}?cursor=!!", headers=auth(Role.head))
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.cursor")


async def test_overdue_once_the_answer_is_late(client, auth, new_claim) -> None:
    supplier = await make_supplier(client, auth)
    sc = await make_supplier_claim(client, auth, new_claim, supplier=supplier)
    r = await act(client, auth, sc, "mark_sent", {"channel": "email", "sent_on": "2020-01-01"})
    assert r.json()["overdue"] is True
    listed = (
        await client.get(
            f"{SUPPLIER_CLAIMS}?supplier_id={supplier['id']}&overdue=true", headers=auth(Role.head)
        )
    ).json()
    assert [i["number"] for i in listed["items"]] == [sc["number"]]
    answered = (await act(client, auth, r.json(), "reject")).json()
    assert answered["overdue"] is False


async def test_workflow_is_published(client, auth) -> None:
    r = await client.get(f"{SUPPLIER_CLAIMS}/workflow", headers=auth(Role.auditor))
    assert r.status_code == 200
    body = r.json()
    assert body["states"] == ["draft", "sent", "acknowledged", "accepted", "rejected", "settled"]
    assert {(t["action"], t["from_state"], t["to_state"]) for t in body["transitions"]} == {
        (a, s, TARGET[a]) for a, sources in ALLOWED_FROM.items() for s in sources
    }
    assert body["mermaid"].startswith("stateDiagram-v2")


async def test_costs_report_shows_recovered_money(client, auth, new_claim) -> None:
    year = 2017
    supplier = await make_supplier(client, auth, name=f"Recovery Supplier {tag()}")
    sc = await make_supplier_claim(client, auth, new_claim, supplier=supplier)
    claim_number = sc["claims"][0]["number"]
    cost = await client.post(
        f"/api/v1/claims/{claim_number}/costs",
        json={
            "kind": "repair",
            "amount": "700.10",
            "cost_bearer": "supplier",
            "incurred_on": f"{year}-03-01",
        },
        headers=auth(Role.service),
    )
    assert cost.status_code == 201, cost.text
    for amount in ("300.05", "150.00"):
        one = await make_supplier_claim(client, auth, new_claim, supplier=supplier)
        one = await drive(client, auth, one, "accepted")
        r = await act(
            client,
            auth,
            one,
            "settle",
            {"amount_recovered": amount, "recovered_on": f"{year}-06-30"},
        )
        assert r.status_code == 200, r.text
    # Recovered in another year: not this year's money.
    other = await drive(
        client, auth, await make_supplier_claim(client, auth, new_claim), "accepted"
    )
    await act(
        client,
        auth,
        other,
        "settle",
        {"amount_recovered": "5", "recovered_on": f"{year + 1}-01-01"},
    )
    report = (
        await client.get(f"/api/v1/reports/costs?year={year}", headers=auth(Role.auditor))
    ).json()
    assert report["recovered_by_supplier"] == [
        {
            "supplier_id": supplier["id"],
            "supplier": supplier["name"],
            "currency": "EUR",
            "supplier_claims": 2,
            "amount": "450.05",
        }
    ]
    assert report["recovered"] == [
        {
            "supplier_id": None,
            "supplier": None,
            "currency": "EUR",
            "supplier_claims": 2,
            "amount": "450.05",
        }
    ]
    assert report["net_costs"] == [
        {"currency": "EUR", "costs": "700.10", "recovered": "450.05", "net": "250.05"}
    ]
    assert report["totals"][0]["total"] == "700.10"  # the claims' costs, unchanged
    text = (
        await client.get(f"/api/v1/reports/costs?year={year}&format=csv", headers=auth(Role.head))
    ).text
    lines = [line.split(",") for line in text.strip().splitlines()]
    assert ["recovered", "", "EUR", "2", "", "", "", "", "450.05"] in lines
    assert ["net", "", "EUR", "", "", "", "", "", "250.05"] in lines
    assert any(line[0] == "recovered_by_supplier" and line[-1] == "450.05" for line in lines)
