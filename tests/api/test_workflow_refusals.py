"""Every action refused over HTTP where the machine refuses it: from each state that does not
allow it (409, with what is allowed) and for each role that may not take it (403); and the
protocol around actions (If-Match, validation, unknown claims)."""

from typing import Any

import pytest
from sqlalchemy import update

from app.enums import Action, ClaimState, Role
from app.models.claims import Claim
from app.workflow.machine import actions_from
from app.workflow.rules import ACTION_ROLES
from tests.api.workflow_support import BODIES, CLAIMS, path

REFUSED_BY_STATE = [(s, a) for s in ClaimState for a in Action if a not in actions_from(s)]
REFUSED_BY_ROLE = [(a, r) for a in Action for r in Role if r not in ACTION_ROLES[a]]


@pytest.fixture(scope="module")
async def claims_by_state(app: Any, client: Any, auth: Any) -> dict[ClaimState, dict[str, Any]]:
    """One claim per state; the state is set directly (the refusals need nothing else)."""
    from tests.conftest import claim_payload

    result = {}
    for state in ClaimState:
        response = await client.post(CLAIMS, json=claim_payload(), headers=auth(Role.intake))
        claim = response.json()
        async with app.state.session_factory() as session:
            await session.execute(
                update(Claim).where(Claim.number == claim["number"]).values(state=state)
            )
            await session.commit()
        result[state] = claim
    return result


def _headers(auth: Any, role: Any, version: int) -> dict[str, str]:
    return auth(role, **{"If-Match": f'"{version}"'})


@pytest.mark.parametrize(("state", "action"), REFUSED_BY_STATE, ids=lambda v: str(v))
async def test_action_from_a_state_that_does_not_allow_it_is_409(
    client, auth, claims_by_state, state: ClaimState, action: Action
) -> None:
    claim = claims_by_state[state]
    response = await client.post(
        path(claim["number"], action),
        json=BODIES[action],
        headers=_headers(auth, "all", claim["version"]),
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/action-not-allowed")
    assert problem["state"] == state
    assert action not in problem["allowed_actions"]
    assert f"'{action}' is not allowed while the claim is '{state}'" in problem["detail"]


@pytest.mark.parametrize(("action", "role"), REFUSED_BY_ROLE, ids=lambda v: str(v))
async def test_action_for_a_role_that_may_not_take_it_is_403(
    client, auth, claims_by_state, action: Action, role: Role
) -> None:
    claim = claims_by_state[ClaimState.new]
    response = await client.post(
        path(claim["number"], action),
        json=BODIES[action],
        headers=_headers(auth, role, claim["version"]),
    )
    assert response.status_code == 403, response.text
    problem = response.json()
    assert problem["required_roles"] == sorted(ACTION_ROLES[action])
    assert "needs one of the roles" in problem["detail"]


async def test_refusals_changed_nothing(client, auth, claims_by_state) -> None:
    for state, claim in claims_by_state.items():
        body = (await client.get(f"{CLAIMS}/{claim['number']}", headers=auth("all"))).json()
        assert (body["state"], body["version"]) == (state, claim["version"])
        assert [e["action"] for e in body["timeline"]] == ["register"]


async def test_if_match_is_required_and_must_be_current(client, auth, new_claim) -> None:
    claim = await new_claim()
    url, body = path(claim["number"], Action.refer_to_design), BODIES[Action.refer_to_design]
    response = await client.post(url, json=body, headers=auth(Role.specialist))
    assert response.status_code == 428
    assert response.json()["type"].endswith("/precondition-required")
    response = await client.post(url, json=body, headers=_headers(auth, Role.specialist, 7))
    assert response.status_code == 412
    assert response.json()["current_version"] == 1
    response = await client.post(
        url, json=body, headers=auth(Role.specialist, **{"If-Match": 'W/"1"'})
    )
    assert response.status_code == 200, response.text


async def test_unknown_claim_is_404(client, auth) -> None:
    response = await client.post(
        path("CLM-1999-999999", Action.close),
        json=BODIES[Action.close],
        headers=_headers(auth, Role.specialist, 1),
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        (Action.refer_to_design, {"memo": "short"}, "body.memo"),
        (Action.refer_to_design, {"memo": "long enough memo", "urgency": "asap"}, "body.urgency"),
        (Action.answer_referral, {"cause": "gremlins", "analysis": "x x"}, "body.cause"),
        (Action.answer_referral, {"cause": "needs_info", "analysis": "x x"}, "body"),
        (Action.close, {"resolution": "withdrawn"}, "body.reason"),
        (
            Action.close,
            {"resolution": "withdrawn", "reason": "ok ok", "resolutoin": 1},
            "body.resolutoin",
        ),
        (
            Action.record_inspection_act,
            {**BODIES[Action.record_inspection_act], "our_participants": []},
            "body.our_participants",
        ),
        (Action.reopen, None, "body"),
    ],
)
async def test_invalid_bodies_are_422_naming_the_field(
    client, auth, new_claim, action: Action, body: Any, field: str
) -> None:
    claim = await new_claim()
    response = await client.post(
        path(claim["number"], action), json=body, headers=_headers(auth, "all", 1)
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


async def test_optional_bodies_may_be_omitted(client, auth, new_claim) -> None:
    claim = await new_claim()
    response = await client.post(
        path(claim["number"], Action.check_warranty), headers=_headers(auth, Role.specialist, 1)
    )
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 2


async def test_guard_failure_is_409_with_reasons(client, auth, new_claim) -> None:
    claim = await new_claim()
    response = await client.post(
        path(claim["number"], Action.offer_paid_repair),
        json=BODIES[Action.offer_paid_repair],
        headers=_headers(auth, Role.specialist, 1),
    )
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/action-precondition-failed")
    assert problem["reasons"] == [
        "paid repair is offered only when the warranty has expired or is void"
    ]


async def test_workflow_machine_and_diagram(client, auth) -> None:
    response = await client.get("/api/v1/workflow", headers=auth(Role.auditor))
    assert response.status_code == 200
    body = response.json()
    assert body["states"] == list(ClaimState)
    assert body["final_states"] == ["closed"]
    assert [a["name"] for a in body["actions"]] == list(Action)
    close = next(a for a in body["actions"] if a["name"] == "close")
    assert close["path"] == "/api/v1/claims/{number}/close"
    assert close["roles"] == ["head", "specialist"] and "closure" in close["letters"]
    assert body["mermaid"].startswith("stateDiagram-v2")
    assert (await client.get("/api/v1/workflow")).status_code == 401


async def test_every_action_has_its_own_documented_endpoint(client) -> None:
    spec = (await client.get("/openapi.json")).json()
    for action in Action:
        operation = spec["paths"][path("{number}", action)]["post"]
        assert operation["operationId"] == f"claim_{action.value}"
        assert {"403", "409", "412", "428"} <= set(operation["responses"])


async def test_action_writes_audit_event_and_outbox_row(app, client, auth, new_claim) -> None:
    from sqlalchemy import select

    from app.models.system import OutboxEvent

    claim = await new_claim()
    response = await client.post(
        path(claim["number"], Action.refer_to_design),
        json=BODIES[Action.refer_to_design],
        headers=_headers(auth, Role.specialist, 1),
    )
    assert response.status_code == 200
    body = (await client.get(f"{CLAIMS}/{claim['number']}", headers=auth(Role.auditor))).json()
    event, drafted = body["timeline"][-2:]
    assert drafted["action"] == "letter_drafted"
    assert (event["action"], event["from_state"], event["to_state"]) == (
        "refer_to_design",
        "new",
        "design_review",
    )
    assert event["payload"]["letter"] == "design_memo"
    assert event["payload"]["body"]["urgency"] == "high"
    async with app.state.session_factory() as session:
        rows = (
            (
                await session.execute(
                    select(OutboxEvent).where(OutboxEvent.type == "claim.state_changed")
                )
            )
            .scalars()
            .all()
        )
    mine = [r.payload for r in rows if r.payload["number"] == claim["number"]]
    assert mine == [
        {
            "number": claim["number"],
            "action": "refer_to_design",
            "from_state": "new",
            "to_state": "design_review",
            "version": 2,
            "letter": "design_memo",
            "resolution": None,
            "actor": "test-specialist",
        }
    ]
