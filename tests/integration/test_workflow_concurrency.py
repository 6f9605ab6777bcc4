"""Concurrent actions on one claim: exactly one wins, the others get 412, nothing is
half-applied. On PostgreSQL the requests run on separate pooled connections at once; the
claim row lock (SELECT … FOR UPDATE) orders them and the version check refuses the late ones."""

import asyncio
from typing import Any

from sqlalchemy import func, select

from app.enums import Action, Role
from app.models.claims import Claim
from app.models.system import OutboxEvent
from app.models.workflow_records import Referral
from tests.api.workflow_support import BODIES, CLAIMS, path


async def _post(client: Any, auth: Any, number: str, action: Action, body: dict) -> Any:
    return await client.post(
        path(number, action), json=body, headers=auth(Role.specialist, **{"If-Match": '"1"'})
    )


async def _count(app: Any, model: Any, claim_id: int) -> int:
    async with app.state.session_factory() as session:
        return (
            await session.execute(
                select(func.count()).select_from(model).where(model.claim_id == claim_id)
            )
        ).scalar_one()


async def test_two_different_actions_at_once_one_wins(app, client, auth, new_claim) -> None:
    for _ in range(3):  # a few rounds, so both orders are likely to occur
        claim = await new_claim()
        responses = await asyncio.gather(
            _post(
                client,
                auth,
                claim["number"],
                Action.refer_to_design,
                BODIES[Action.refer_to_design],
            ),
            _post(client, auth, claim["number"], Action.close, BODIES[Action.close]),
        )
        codes = sorted(r.status_code for r in responses)
        assert codes == [200, 412], [r.text for r in responses]
        winner = next(r for r in responses if r.status_code == 200).json()
        loser = next(r for r in responses if r.status_code == 412).json()
        assert loser["current_version"] == 2
        body = (await client.get(f"{CLAIMS}/{claim['number']}", headers=auth("all"))).json()
        assert (body["state"], body["version"]) == (winner["state"], 2)
        changes = [e["action"] for e in body["timeline"] if e["action"] != "letter_drafted"]
        assert changes == ["register", winner["action"]]
        async with app.state.session_factory() as session:
            claim_id = (
                await session.execute(select(Claim.id).where(Claim.number == claim["number"]))
            ).scalar_one()
        referrals = await _count(app, Referral, claim_id)
        assert referrals == (1 if winner["action"] == "refer_to_design" else 0)
        assert await _count(app, OutboxEvent, claim_id) == 2  # registered + one state change


async def test_many_identical_requests_at_once_apply_once(app, client, auth, new_claim) -> None:
    claim = await new_claim()
    responses = await asyncio.gather(
        *(
            _post(
                client,
                auth,
                claim["number"],
                Action.refer_to_design,
                BODIES[Action.refer_to_design],
            )
            for _ in range(5)
        )
    )
    assert sorted(r.status_code for r in responses) == [200, 412, 412, 412, 412]
    body = (await client.get(f"{CLAIMS}/{claim['number']}", headers=auth("all"))).json()
    assert body["version"] == 2
    assert [e["action"] for e in body["timeline"]] == [
        "register",
        "refer_to_design",
        "letter_drafted",  # the design memo, once
    ]


async def test_requests_wait_on_the_claim_lock_then_one_wins(app, client, auth, new_claim) -> None:
    """Hold the claim's row lock (PostgreSQL) or the write lock (SQLite) on another connection:
    both requests are in flight together and wait; released, exactly one applies."""
    claim = await new_claim()
    async with app.state.engine.connect() as conn:
        tx = await conn.begin()
        await conn.execute(
            select(Claim.id).where(Claim.number == claim["number"]).with_for_update()
        )
        tasks = [
            asyncio.create_task(
                _post(
                    client,
                    auth,
                    claim["number"],
                    Action.refer_to_design,
                    BODIES[Action.refer_to_design],
                )
            ),
            asyncio.create_task(
                _post(
                    client, auth, claim["number"], Action.request_info, BODIES[Action.request_info]
                )
            ),
        ]
        await asyncio.sleep(0.5)
        assert not any(task.done() for task in tasks), "the requests did not wait for the lock"
        await tx.rollback()
    responses = await asyncio.gather(*tasks)
    assert sorted(r.status_code for r in responses) == [200, 412]
    body = (await client.get(f"{CLAIMS}/{claim['number']}", headers=auth("all"))).json()
    changes = [e for e in body["timeline"] if e["action"] != "letter_drafted"]
    assert body["version"] == 2 and len(changes) == 2


async def test_customer_message_and_action_at_once_stay_consistent(client, auth, new_claim) -> None:
    """A customer's answer (which resumes the claim) racing a staff action on the same claim:
    whichever commits first, the other sees it; no two states share a version."""
    for _ in range(3):
        claim = await new_claim()
        number = claim["number"]
        response = await client.post(
            path(number, Action.request_info),
            json=BODIES[Action.request_info],
            headers=auth(Role.specialist, **{"If-Match": '"1"'}),
        )
        assert response.status_code == 200
        close, message = await asyncio.gather(
            client.post(
                path(number, Action.close),
                json=BODIES[Action.close],
                headers=auth(Role.specialist, **{"If-Match": '"2"'}),
            ),
            client.post(
                f"{CLAIMS}/{number}/messages",
                headers=auth(Role.intake),
                json={"direction": "inbound", "channel": "email", "body": "Photos."},
            ),
        )
        assert message.status_code == 201
        body = (await client.get(f"{CLAIMS}/{number}", headers=auth("all"))).json()
        changes = [
            e for e in body["timeline"] if e["action"] not in ("message_added", "letter_drafted")
        ]
        if close.status_code == 200:  # closed first: the message does not resume a closed claim
            assert body["state"] == "closed"
            assert [e["action"] for e in changes] == ["register", "request_info", "close"]
        else:  # resumed first: the close carried a stale version
            assert close.status_code == 412
            assert body["state"] == "new"
            assert [e["action"] for e in changes] == [
                "register",
                "request_info",
                "customer_info_received",
            ]
        assert body["version"] == len(changes)
