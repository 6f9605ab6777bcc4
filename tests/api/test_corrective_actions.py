"""Corrective actions over HTTP on the real database: opening from claims and from recurring-
defect groups, D2, linking, editing with If-Match, tasks, evidence, the state machine (every
refusal by state and by role) and the effectiveness check from real claims and sold units."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.corrective.machine import MOVES, READERS
from app.corrective.machine import CorrectiveActionName as A
from app.enums import CorrectiveState, Role
from app.models.corrective import CorrectiveAction
from app.models.system import OutboxEvent
from tests.reports_data import make_claim, make_customer, make_model, open_session, tag

BASE = "/api/v1/corrective-actions"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOT_READERS = [r for r in Role if r not in READERS]
NOT_EDITORS = [r for r in Role if r not in (Role.head, Role.specialist)]


@pytest.fixture
async def session(app):
    async for s in open_session(app):
        yield s


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def ifm(auth: Any, role: Any, version: int) -> dict[str, str]:
    return auth(role, **{"If-Match": f'"{version}"'})


async def some_claims(
    session, n: int = 2, *, cause: str = "manufacturing_defect", **kw
) -> list[Any]:
    model = kw.pop("model", None) or await make_model(session)
    customer = await make_customer(session)
    claims = [
        await make_claim(
            session,
            customer=customer,
            model=model,
            received_at=kw.get("received_at", utc(2026, 3, 2 + i, 9)),
            reported_serial=f"{model.code}-B1{i:02d}",
            cause=cause,
            description=f"Water leaks from the seal, case {i}",
        )
        for i in range(n)
    ]
    await session.commit()
    return claims


async def open_ca(client, auth, numbers: list[str], **body: Any) -> dict[str, Any]:
    response = await client.post(
        BASE, json={"claim_numbers": numbers, **body}, headers=auth(Role.specialist)
    )
    assert response.status_code == 201, response.text
    return response.json()


# ---- opening ------------------------------------------------------------------------------


async def test_open_from_claims_fills_d2(client, auth, session, db) -> None:
    claims = await some_claims(session, 3)
    response = await client.post(
        BASE,
        json={"claim_numbers": [c.number for c in claims]},
        headers=auth(Role.specialist),
    )
    assert response.status_code == 201, response.text
    ca = response.json()
    year = datetime.now(UTC).year
    assert ca["number"].startswith(f"CA-{year}-") and len(ca["number"]) == 14
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == f"{BASE}/{ca['number']}"
    assert ca["state"] == "open" and ca["owner"] == "test-specialist"
    facts = ca["d2_problem"]["facts"]
    assert facts["claims"] == 3
    assert facts["product_models"][0]["code"] == ca["product_model"]
    assert facts["first_received_on"] == "2026-03-02"
    assert facts["last_received_on"] == "2026-03-04"
    assert facts["symptoms"][0]["claim_number"] == claims[-1].number
    assert ca["title"] == f"{ca['product_model']}: 3 claims"
    assert [c["number"] for c in ca["claims"]] == [c.number for c in claims]
    assert ca["allowed_actions"] == ["start_analysis"]
    rows = await db(
        select(OutboxEvent.payload).where(OutboxEvent.type == "corrective_action.opened")
    )
    assert any(r.payload["number"] == ca["number"] for r in rows)


async def test_numbers_follow_each_other(client, auth, session) -> None:
    claims = await some_claims(session, 1)
    first = await open_ca(client, auth, [claims[0].number])
    second = await open_ca(client, auth, [claims[0].number])
    assert int(second["number"][-6:]) == int(first["number"][-6:]) + 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"claim_numbers": []}, "body.claim_numbers"),
        ({"claim_numbers": ["X"], "group": {"kind": "similar", "claim_numbers": ["X"]}}, "body"),
        ({"group": {"kind": "model", "product_model": "X"}}, "body.group.model.defect_cause"),
        ({"group": {"kind": "nope"}}, "body.group"),
        (
            {"group": {"kind": "model", "product_model": "X", "defect_cause": "bad luck"}},
            "body.group.model.defect_cause",
        ),
    ],
)
async def test_bad_opening_bodies_are_422(client, auth, body, field) -> None:
    response = await client.post(BASE, json=body, headers=auth(Role.head))
    assert response.status_code == 422, response.text
    assert any(e["field"].startswith(field) for e in response.json()["errors"])


async def test_unknown_claim_is_named(client, auth, session) -> None:
    claims = await some_claims(session, 1)
    response = await client.post(
        BASE, json={"claim_numbers": [claims[0].number, "CLM-1999-999999"]}, headers=auth(Role.head)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.claim_numbers.1"


async def test_open_from_model_and_batch_groups(client, auth, session) -> None:
    model = await make_model(session)
    customer = await make_customer(session)
    made = {}
    for key, serial, cause, day in [
        ("a", f"{model.code}-AAA001", "manufacturing_defect", 3),
        ("b", f"{model.code}-AAA002", "manufacturing_defect", 4),
        ("c", f"{model.code}-BBB001", "manufacturing_defect", 5),
        ("other_cause", f"{model.code}-AAA003", "wear", 5),
        ("outside", f"{model.code}-AAA004", "manufacturing_defect", 20),
    ]:
        made[key] = await make_claim(
            session,
            customer=customer,
            model=model,
            received_at=utc(2025, 2, day, 9),
            reported_serial=serial,
            cause=cause,
        )
    await session.commit()
    window = {"received_from": "2025-02-01", "received_to": "2025-02-10"}
    group = {"kind": "model", "product_model": model.code, "defect_cause": "manufacturing_defect"}
    response = await client.post(BASE, json={"group": group | window}, headers=auth(Role.head))
    assert response.status_code == 201, response.text
    ca = response.json()
    assert sorted(c["number"] for c in ca["claims"]) == sorted(
        made[k].number for k in ("a", "b", "c")
    )
    assert ca["source"]["kind"] == "model" and ca["product_model"] == model.code
    batch = f"{model.code}-AAA"
    response = await client.post(
        BASE,
        json={"group": group | window | {"kind": "batch", "batch": batch}},
        headers=auth(Role.head),
    )
    assert response.status_code == 201, response.text
    ca = response.json()
    assert sorted(c["number"] for c in ca["claims"]) == sorted(made[k].number for k in "ab")
    assert ca["batch"] == batch and "batch" in ca["title"]
    assert ca["d2_problem"]["facts"]["batches"] == [{"batch": batch, "claims": 2}]
    none = await client.post(
        BASE,
        json={"group": group | {"received_from": "2024-01-01", "received_to": "2024-01-31"}},
        headers=auth(Role.head),
    )
    assert none.status_code == 422 and none.json()["errors"][0]["field"] == "body.group"
    unknown = await client.post(
        BASE, json={"group": group | {"product_model": "NO-SUCH"}}, headers=auth(Role.head)
    )
    assert unknown.json()["errors"][0]["field"] == "body.group.product_model"
    backwards = await client.post(
        BASE,
        json={"group": group | {"received_from": "2025-02-10", "received_to": "2025-02-01"}},
        headers=auth(Role.head),
    )
    assert backwards.json()["errors"][0]["field"] == "body.group.received_from"


async def test_open_from_similar_group(client, auth, session) -> None:
    claims = await some_claims(session, 2, cause=None)
    numbers = [c.number for c in claims]
    response = await client.post(
        BASE, json={"group": {"kind": "similar", "claim_numbers": numbers}}, headers=auth(Role.head)
    )
    assert response.status_code == 201
    assert response.json()["source"] == {"kind": "similar", "claim_numbers": numbers}


# ---- roles --------------------------------------------------------------------------------


async def test_no_key_is_401(client) -> None:
    assert (await client.get(BASE)).status_code == 401
    assert (await client.post(BASE, json={})).status_code == 401


@pytest.mark.parametrize("role", NOT_EDITORS)
async def test_opening_and_linking_need_quality_roles(client, auth, session, role) -> None:
    claims = await some_claims(session, 1)
    assert (
        await client.post(BASE, json={"claim_numbers": [claims[0].number]}, headers=auth(role))
    ).status_code == 403
    ca = await open_ca(client, auth, [claims[0].number])
    response = await client.post(
        f"{BASE}/{ca['number']}/claims",
        json={"claim_numbers": [claims[0].number]},
        headers=auth(role),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", list(Role))
async def test_reading_is_for_the_readers(client, auth, session, role) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    expected = 200 if role in READERS else 403
    for url in (BASE, f"{BASE}/{ca['number']}", f"{BASE}/{ca['number']}/events"):
        assert (await client.get(url, headers=auth(role))).status_code == expected, url
    # The machine is public to every key, like the claim's.
    assert (await client.get(f"{BASE}/workflow", headers=auth(role))).status_code == 200


async def test_unknown_numbers_are_404(client, auth) -> None:
    missing = f"{BASE}/CA-1999-000000"
    assert (await client.get(missing, headers=auth(Role.head))).status_code == 404
    assert (await client.get(f"{missing}/events", headers=auth(Role.head))).status_code == 404
    patch = await client.patch(missing, json={"title": "x"}, headers=ifm(auth, Role.head, 1))
    assert patch.status_code == 404
    action = await client.post(f"{missing}/actions/start_analysis", headers=ifm(auth, Role.head, 1))
    assert action.status_code == 404
    task = await client.post(
        f"{missing}/tasks",
        json={"kind": "containment", "description": "x"},
        headers=auth(Role.head),
    )
    assert task.status_code == 404
    assert (await client.get(f"{missing}/files/1", headers=auth(Role.head))).status_code == 404


# ---- linking and editing ------------------------------------------------------------------


async def test_linking_is_idempotent_and_refreshes_d2(client, auth, session, db) -> None:
    claims = await some_claims(session, 3)
    ca = await open_ca(client, auth, [claims[0].number])
    url = f"{BASE}/{ca['number']}/claims"
    body = {"claim_numbers": [c.number for c in claims]}
    linked = await client.post(url, json=body, headers=auth(Role.head))
    assert linked.status_code == 200
    assert linked.json()["version"] == 2
    assert linked.json()["d2_problem"]["facts"]["claims"] == 3
    claim = await client.get(f"/api/v1/claims/{claims[2].number}", headers=auth(Role.head))
    assert claim.json()["corrective_actions"] == [ca["number"]]
    again = await client.post(url, json=body, headers=auth(Role.head))
    assert again.json()["version"] == 2 and len(again.json()["claims"]) == 3
    events = (await client.get(f"{BASE}/{ca['number']}/events", headers=auth(Role.auditor))).json()
    assert [e["action"] for e in events] == ["opened", "claims_linked"]
    assert events[1]["payload"]["claims"] == [c.number for c in claims[1:]]
    bad = await client.post(
        url, json={"claim_numbers": ["CLM-1999-000001"]}, headers=auth(Role.head)
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.claim_numbers.0"


async def test_patch_needs_a_fresh_if_match(client, auth, session) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    url = f"{BASE}/{ca['number']}"
    missing = await client.patch(url, json={"title": "x"}, headers=auth(Role.head))
    assert missing.status_code == 428
    stale = await client.patch(url, json={"title": "x"}, headers=ifm(auth, Role.head, 7))
    assert stale.status_code == 412 and stale.json()["current_version"] == 1
    nonsense = await client.patch(
        url, json={"title": "x"}, headers=auth(Role.head, **{"If-Match": "abc"})
    )
    assert nonsense.status_code == 412
    # The order of checks: the role before If-Match, If-Match before the body.
    assert (await client.patch(url, json={}, headers=auth(Role.auditor))).status_code == 403
    assert (await client.patch(url, json={"title": ""}, headers=auth(Role.head))).status_code == 428
    ok = await client.patch(
        url,
        json={"title": "Seal leaks", "team": [{"name": "Ilze", "role": "leader"}]},
        headers=ifm(auth, Role.head, 1),
    )
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    assert ok.json()["d1_team"] == [{"name": "Ilze", "role": "leader", "function": None}]
    same = await client.patch(url, json={"title": "Seal leaks"}, headers=ifm(auth, Role.head, 2))
    assert same.json()["version"] == 2  # no change, no new version
    events = (await client.get(f"{url}/events", headers=auth(Role.head))).json()
    assert events[-1]["action"] == "updated"
    assert events[-1]["payload"]["changes"]["title"]["after"] == "Seal leaks"


async def test_design_edits_only_the_root_cause(client, auth, session) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    url = f"{BASE}/{ca['number']}"
    refused = await client.patch(
        url, json={"root_cause": "x", "title": "y"}, headers=ifm(auth, Role.design, 1)
    )
    assert refused.status_code == 403 and refused.json()["fields"] == ["title"]
    ok = await client.patch(
        url,
        json={
            "root_cause_whys": ["leaks", "crooked seal"],
            "root_cause_category": "machine",
            "root_cause": "Worn fixture",
            "purchased_component": "Seal S-12",
        },
        headers=ifm(auth, Role.design, 1),
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["d4_root_cause"] == {
        "whys": ["leaks", "crooked seal"],
        "category": "machine",
        "root_cause": "Worn fixture",
        "purchased_component": "Seal S-12",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"root_cause_whys": ["why"] * 11}, "body.root_cause_whys"),
        ({"root_cause_category": "luck"}, "body.root_cause_category"),
        ({"fix_effective_on": "2199-01-01"}, "body.fix_effective_on"),
        ({"title": None}, "body.title"),
        ({"team": [{"role": "leader"}]}, "body.team.0.name"),
        ({"owner": "x" * 101}, "body.owner"),
    ],
)
async def test_bad_patches_are_422(client, auth, session, body, field) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    response = await client.patch(
        f"{BASE}/{ca['number']}", json=body, headers=ifm(auth, Role.head, 1)
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


# ---- tasks and files ----------------------------------------------------------------------


async def test_tasks_and_evidence(client, auth, session, db) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    url = f"{BASE}/{ca['number']}"
    refused = await client.post(
        f"{url}/tasks",
        json={"kind": "containment", "description": "Stop shipping"},
        headers=auth(Role.design),
    )
    assert refused.status_code == 403 and refused.json()["fields"] == ["kind"]
    for role in (Role.auditor, Role.intake, Role.director):
        response = await client.post(
            f"{url}/tasks", json={"kind": "corrective", "description": "x"}, headers=auth(role)
        )
        assert response.status_code == 403
    task = await client.post(
        f"{url}/tasks",
        json={"kind": "corrective", "description": "New fixture", "due_date": "2020-01-01"},
        headers=auth(Role.design),
    )
    assert task.status_code == 201, task.text
    task = task.json()
    assert task["status"] == "planned" and task["overdue"] is True
    up = await client.post(
        f"{url}/files", files={"file": ("act.png", PNG, "image/png")}, headers=auth(Role.design)
    )
    assert up.status_code == 201, up.text
    file_id = up.json()["id"]
    down = await client.get(f"{url}/files/{file_id}", headers=auth(Role.auditor))
    assert down.status_code == 200 and down.content == PNG
    added = await db(
        select(OutboxEvent.payload).where(OutboxEvent.type == "corrective_action.file_added")
    )
    assert [r.payload["file_id"] for r in added if r.payload["number"] == ca["number"]] == [file_id]
    foreign = await client.patch(
        f"{url}/tasks/{task['id']}",
        json={"evidence_file_ids": [file_id + 10**6]},
        headers=auth(Role.head),
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["field"] == "body.evidence_file_ids.0"
    early = await client.patch(
        f"{url}/tasks/{task['id']}", json={"done_on": "2026-01-01"}, headers=auth(Role.head)
    )
    assert early.json()["errors"][0]["field"] == "body.done_on"
    done = await client.patch(
        f"{url}/tasks/{task['id']}",
        json={"status": "done", "evidence_file_ids": [file_id], "result": "Fitted"},
        headers=auth(Role.design),
    )
    assert done.status_code == 200, done.text
    today = datetime.now(UTC).date()
    assert done.json()["done_on"] in {today.isoformat(), (today + timedelta(days=1)).isoformat()}
    assert done.json()["overdue"] is False
    back = await client.patch(
        f"{url}/tasks/{task['id']}", json={"status": "in_progress"}, headers=auth(Role.head)
    )
    assert back.json()["done_on"] is None
    assert (
        await client.patch(f"{url}/tasks/999999999", json={}, headers=auth(Role.head))
    ).status_code == 404
    read = (await client.get(url, headers=auth(Role.head))).json()
    assert [t["id"] for t in read["d5_corrective"]] == [task["id"]]
    assert read["files"][0]["filename"] == "act.png"
    actions = [
        e["action"] for e in (await client.get(f"{url}/events", headers=auth(Role.head))).json()
    ]
    assert (
        actions.count("task_updated") == 2 and "file_added" in actions and "task_added" in actions
    )


async def test_evidence_over_the_limit_is_413(client, auth, session, app) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    big = b"%PDF-" + b"0" * app.state.settings.max_attachment_bytes
    response = await client.post(
        f"{BASE}/{ca['number']}/files",
        files={"file": ("big.pdf", big, "application/pdf")},
        headers=auth(Role.head),
    )
    assert response.status_code == 413


# ---- the state machine --------------------------------------------------------------------


@pytest.fixture(scope="module")
async def by_state(app, client, auth) -> dict[CorrectiveState, str]:
    """One record per state, the state set directly (the refusals need nothing else)."""
    async with app.state.session_factory() as s:
        claims = await some_claims(s, 1)
    result = {}
    for state in CorrectiveState:
        ca = await open_ca(client, auth, [claims[0].number])
        async with app.state.session_factory() as s:
            await s.execute(
                update(CorrectiveAction)
                .where(CorrectiveAction.number == ca["number"])
                .values(state=state)
            )
            await s.commit()
        result[state] = ca["number"]
    return result


REFUSED_BY_STATE = [(s, a) for s in CorrectiveState for a in A if s not in MOVES[a].sources]
REFUSED_BY_ROLE = [(a, r) for a in A for r in Role if r not in MOVES[a].roles]


@pytest.mark.parametrize(("state", "action"), REFUSED_BY_STATE, ids=str)
async def test_action_from_a_wrong_state_is_409(client, auth, by_state, state, action) -> None:
    response = await client.post(
        f"{BASE}/{by_state[state]}/actions/{action}",
        json={"reason": "x", "early": True},
        headers=ifm(auth, "all", 1),
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["state"] == state
    assert problem["allowed_states"] == [s.value for s in MOVES[action].sources]


@pytest.mark.parametrize(("action", "role"), REFUSED_BY_ROLE, ids=str)
async def test_action_for_a_wrong_role_is_403(client, auth, by_state, action, role) -> None:
    number = by_state[MOVES[action].sources[0]]
    # The role is checked before If-Match: none is sent.
    response = await client.post(f"{BASE}/{number}/actions/{action}", headers=auth(role))
    assert response.status_code == 403


@pytest.mark.parametrize("state", [CorrectiveState.closed, CorrectiveState.cancelled])
async def test_final_records_refuse_changes(client, auth, by_state, state) -> None:
    url = f"{BASE}/{by_state[state]}"
    patch = await client.patch(url, json={"title": "x"}, headers=ifm(auth, Role.head, 1))
    assert patch.status_code == 409
    task = await client.post(
        f"{url}/tasks", json={"kind": "corrective", "description": "x"}, headers=auth(Role.head)
    )
    assert task.status_code == 409
    link = await client.post(
        f"{url}/claims", json={"claim_numbers": ["CLM-1999-000001"]}, headers=auth(Role.head)
    )
    assert link.status_code == 409


async def test_workflow_is_published(client, auth) -> None:
    body = (await client.get(f"{BASE}/workflow", headers=auth(Role.intake))).json()
    assert body["states"] == [s.value for s in CorrectiveState]
    moves = {m["action"]: m for m in body["actions"]}
    assert moves["check_effectiveness"]["to"] == ["effective", "not_effective"]
    assert moves["close"]["roles"] == ["head"]
    assert moves["record_fix"]["guards"]


async def add_units(client, auth, model_code: str, sold: list[date], prefix: str) -> None:
    for i, day in enumerate(sold):
        response = await client.post(
            "/api/v1/units",
            json={
                "serial_number": f"{prefix}{i:03d}",
                "model_code": model_code,
                "sale_date": day.isoformat(),
            },
            headers=auth(Role.admin),
        )
        assert response.status_code == 201, response.text


async def walk_to_verifying(client, auth, number: str, fix_on: str, **fix: str) -> int:
    url = f"{BASE}/{number}"
    v = 1

    async def act(action: str, role: Role = Role.head, **body: Any) -> dict[str, Any]:
        nonlocal v
        response = await client.post(
            f"{url}/actions/{action}", json=body or None, headers=ifm(auth, role, v)
        )
        assert response.status_code == 200, response.text
        v = response.json()["version"]
        return response.json()

    async def patch(body: dict[str, Any], role: Role = Role.specialist) -> None:
        nonlocal v
        response = await client.patch(url, json=body, headers=ifm(auth, role, v))
        assert response.status_code == 200, response.text
        v = response.json()["version"]

    guarded = await client.post(f"{url}/actions/start_analysis", headers=ifm(auth, Role.head, v))
    assert guarded.status_code == 409 and guarded.json()["missing"] == ["team"]
    await patch({"team": [{"name": "Ilze", "role": "leader", "function": "quality"}]})
    await act("start_analysis")
    await patch({"root_cause": "Worn fixture", "root_cause_category": "machine"}, Role.design)
    await act("plan_actions", Role.design)
    task = await client.post(
        f"{url}/tasks",
        json={"kind": "corrective", "description": "Fixture"},
        headers=auth(Role.head),
    )
    guarded = await client.post(f"{url}/actions/record_fix", headers=ifm(auth, Role.head, v))
    assert guarded.json()["missing"] == ["fix_effective_on", "tasks"]
    await client.patch(
        f"{url}/tasks/{task.json()['id']}", json={"status": "done"}, headers=auth(Role.head)
    )
    await patch({"fix_effective_on": fix_on, **fix})
    verifying = await act("record_fix")
    assert verifying["state"] == "verifying"
    due = date.fromisoformat(fix_on) + timedelta(days=90)
    assert verifying["d6_verification"]["effectiveness_due_on"] == due.isoformat()
    return v


async def test_the_whole_loop_with_effectiveness(client, auth, session, db) -> None:
    """Before the fix (2025-03-03 .. 2025-05-31): 4 units sold, 4 claims: rate 1.0; after
    (2025-06-01 .. 2025-08-29): 4 units, 1 claim: 0.25, at most half: effective."""
    model = await make_model(session)
    customer = await make_customer(session)
    for day in (utc(2025, 3, 10, 9), utc(2025, 4, 1, 9), utc(2025, 5, 1, 9), utc(2025, 5, 30, 9)):
        await make_claim(
            session, customer=customer, model=model, received_at=day, cause="manufacturing_defect"
        )
    await make_claim(session, customer=customer, model=model, received_at=utc(2025, 7, 1, 9))
    # Outside both windows: not counted.
    await make_claim(session, customer=customer, model=model, received_at=utc(2025, 9, 15, 9))
    await session.commit()
    await add_units(
        client, auth, model.code, [date(2025, 3, 5)] * 4 + [date(2025, 6, 5)] * 4, f"U{tag()}"
    )
    await add_units(client, auth, model.code, [date(2024, 1, 1)], f"OLD{tag()}")
    group = {
        "kind": "model",
        "product_model": model.code,
        "defect_cause": "manufacturing_defect",
        "received_from": "2025-03-01",
        "received_to": "2025-05-31",
    }
    created = await client.post(BASE, json={"group": group}, headers=auth(Role.specialist))
    assert created.status_code == 201, created.text
    number = created.json()["number"]
    v = await walk_to_verifying(client, auth, number, "2025-06-01")
    checked = await client.post(
        f"{BASE}/{number}/actions/check_effectiveness", headers=ifm(auth, Role.specialist, v)
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["state"] == "effective"
    figures = body["d6_verification"]["effectiveness"]
    assert {
        k: figures[k]
        for k in ("claims_before", "claims_after", "units_before", "units_after", "window_days")
    } == {
        "claims_before": 4,
        "claims_after": 1,
        "units_before": 4,
        "units_after": 4,
        "window_days": 90,
    }
    assert (figures["rate_before"], figures["rate_after"], figures["result"]) == (
        1.0,
        0.25,
        "effective",
    )
    v = body["version"]
    closing = await client.post(f"{BASE}/{number}/actions/close", headers=ifm(auth, Role.head, v))
    assert closing.status_code == 409 and closing.json()["missing"] == ["closure_summary"]
    patched = await client.patch(
        f"{BASE}/{number}", json={"closure_summary": "Fixed"}, headers=ifm(auth, Role.head, v)
    )
    closed = await client.post(
        f"{BASE}/{number}/actions/close", headers=ifm(auth, Role.head, patched.json()["version"])
    )
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    assert closed.json()["d8_closure"]["closed_by"] == "test-head"
    trail = (await client.get(f"{BASE}/{number}/events", headers=auth(Role.auditor))).json()
    moves = [(e["from_state"], e["to_state"]) for e in trail if e["from_state"] != e["to_state"]]
    assert moves == [
        ("open", "analysing"),
        ("analysing", "implementing"),
        ("implementing", "verifying"),
        ("verifying", "effective"),
        ("effective", "closed"),
    ]
    rows = await db(
        select(OutboxEvent.payload).where(OutboxEvent.type == "corrective_action.state_changed")
    )
    assert sum(r.payload["number"] == number for r in rows) == 5


async def test_not_effective_reopen_and_insufficient_data(client, auth, session) -> None:
    model = await make_model(session)
    customer = await make_customer(session)
    for day in (utc(2025, 4, 1, 9), utc(2025, 7, 1, 9), utc(2025, 7, 2, 9)):
        await make_claim(
            session, customer=customer, model=model, received_at=day, cause="manufacturing_defect"
        )
    await session.commit()
    numbers = [c.number for c in await some_claims(session, 1, model=model)]
    await add_units(
        client, auth, model.code, [date(2025, 4, 1)] * 2 + [date(2025, 7, 1)] * 2, f"N{tag()}"
    )
    ca = await open_ca(client, auth, numbers)
    assert ca["product_model"] == model.code
    v = await walk_to_verifying(client, auth, ca["number"], "2025-06-01")
    url = f"{BASE}/{ca['number']}/actions"
    checked = await client.post(f"{url}/check_effectiveness", headers=ifm(auth, Role.head, v))
    assert checked.json()["state"] == "not_effective"
    figures = checked.json()["d6_verification"]["effectiveness"]
    assert (figures["rate_before"], figures["rate_after"]) == (0.5, 1.0)
    reopened = await client.post(
        f"{url}/reopen", headers=ifm(auth, Role.specialist, checked.json()["version"])
    )
    assert reopened.json()["state"] == "implementing"
    # A fix with no units sold after it: no rate, so no verdict; the record stays verifying.
    v = reopened.json()["version"]
    patched = await client.patch(
        f"{BASE}/{ca['number']}",
        json={"fix_effective_on": "2025-09-01"},
        headers=ifm(auth, Role.head, v),
    )
    fixed = await client.post(
        f"{url}/record_fix", headers=ifm(auth, Role.head, patched.json()["version"])
    )
    assert fixed.status_code == 200, fixed.text
    unjudged = await client.post(
        f"{url}/check_effectiveness", headers=ifm(auth, Role.head, fixed.json()["version"])
    )
    assert unjudged.status_code == 409
    assert unjudged.json()["effectiveness"]["result"] == "insufficient_data"
    assert unjudged.json()["effectiveness"]["rate_after"] is None
    read = (await client.get(f"{BASE}/{ca['number']}", headers=auth(Role.head))).json()
    assert read["state"] == "verifying"
    assert read["d6_verification"]["effectiveness"]["units_after"] == 0


async def test_early_check_and_cancel(client, auth, session) -> None:
    claims = await some_claims(session, 1)
    ca = await open_ca(client, auth, [claims[0].number])
    recent = (datetime.now(UTC).date() - timedelta(days=10)).isoformat()
    v = await walk_to_verifying(client, auth, ca["number"], recent)
    url = f"{BASE}/{ca['number']}/actions/check_effectiveness"
    too_soon = await client.post(url, headers=ifm(auth, Role.head, v))
    assert too_soon.status_code == 409 and "effectiveness_due_on" in too_soon.json()
    not_head = await client.post(url, json={"early": True}, headers=ifm(auth, Role.specialist, v))
    assert not_head.status_code == 403
    early = await client.post(url, json={"early": True}, headers=ifm(auth, Role.head, v))
    assert early.status_code == 409  # no units at all: no verdict, but the figures are kept
    assert early.json()["effectiveness"]["window_days"] <= 11
    other = await open_ca(client, auth, [claims[0].number])
    cancel = f"{BASE}/{other['number']}/actions/cancel"
    no_reason = await client.post(cancel, headers=ifm(auth, Role.head, 1))
    assert no_reason.status_code == 409 and no_reason.json()["missing"] == ["reason"]
    done = await client.post(cancel, json={"reason": "Duplicate"}, headers=ifm(auth, Role.head, 1))
    assert done.json()["state"] == "cancelled" and done.json()["allowed_actions"] == []


# ---- listing ------------------------------------------------------------------------------


async def test_list_filters_and_pages(client, auth, session, count_statements) -> None:
    model = await make_model(session)
    claims = await some_claims(session, 1, model=model)
    owner = f"owner-{tag()}"
    made = [await open_ca(client, auth, [claims[0].number], owner=owner) for _ in range(3)]
    late = made[0]["number"]
    await client.post(
        f"{BASE}/{late}/tasks",
        json={"kind": "containment", "description": "x", "due_date": "2020-01-01"},
        headers=auth(Role.head),
    )
    with count_statements() as counter:
        page = await client.get(
            BASE, params={"owner": owner, "limit": 2}, headers=auth(Role.auditor)
        )
    assert counter.count <= 3
    body = page.json()
    assert [i["number"] for i in body["items"]] == [made[2]["number"], made[1]["number"]]
    rest = await client.get(
        BASE,
        params={"owner": owner, "limit": 2, "cursor": body["next_cursor"]},
        headers=auth(Role.auditor),
    )
    assert [i["number"] for i in rest.json()["items"]] == [late]
    assert rest.json()["next_cursor"] is None and rest.json()["items"][0]["overdue_tasks"] == 1
    overdue = await client.get(
        BASE, params={"owner": owner, "overdue": "true"}, headers=auth(Role.head)
    )
    assert [i["number"] for i in overdue.json()["items"]] == [late]
    not_overdue = await client.get(
        BASE, params={"owner": owner, "overdue": "false"}, headers=auth(Role.head)
    )
    assert len(not_overdue.json()["items"]) == 2
    by_model = await client.get(BASE, params={"product_model": model.code}, headers=auth(Role.head))
    assert len(by_model.json()["items"]) == 3
    state = await client.get(
        BASE, params={"owner": owner, "state": "analysing"}, headers=auth(Role.head)
    )
    assert state.json()["items"] == []
    today = datetime.now(UTC).date()
    window = {
        "owner": owner,
        "opened_from": (today - timedelta(days=1)).isoformat(),
        "opened_to": (today + timedelta(days=1)).isoformat(),
    }
    assert (
        len((await client.get(BASE, params=window, headers=auth(Role.head))).json()["items"]) == 3
    )
    past = {"owner": owner, "opened_to": "2020-01-01"}
    assert (await client.get(BASE, params=past, headers=auth(Role.head))).json()["items"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "nope"}, "query.cursor"),
        ({"state": "x"}, "query.state"),
        ({"opened_from": "1900-01-01"}, "query.opened_from"),
        ({"limit": 0}, "query.limit"),
    ],
)
async def test_bad_list_parameters_are_422(client, auth, params, field) -> None:
    response = await client.get(BASE, params=params, headers=auth(Role.head))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_webhooks_may_subscribe_to_corrective_events(client, auth) -> None:
    types = [
        "corrective_action.opened",
        "corrective_action.updated",
        "corrective_action.state_changed",
        "corrective_action.claims_linked",
        "corrective_action.task_changed",
    ]
    response = await client.post(
        "/api/v1/admin/webhooks",
        json={"name": "ERP", "url": "https://erp.example.lv/hooks/ca", "event_types": types},
        headers=auth(Role.admin),
    )
    assert response.status_code == 201, response.text
    assert sorted(response.json()["event_types"]) == sorted(types)
