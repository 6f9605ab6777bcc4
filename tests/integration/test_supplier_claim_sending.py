"""A supplier claim letter sent by email: the supplier claim becomes `sent` only once the email
gateway took the letter, in the worker's transaction. Real worker, real gateway (a local HTTP
server), as for claim letters (test_letter_sending.py)."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.auth.api_keys import create_key
from app.enums import Role
from app.letters import subjects
from app.models.suppliers import SupplierClaim, SupplierClaimEvent
from app.runner import make_worker
from app.suppliers import letters as supplier_letters
from tests.api.subject_letters_support import make_supplier_claim
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

LETTERS = "/api/v1/letters"


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
async def env(events_env: EventsEnv, rx: Receiver) -> AsyncIterator[EventsEnv]:  # noqa: F811
    if Role.head not in events_env.keys:
        async with events_env.factory() as s:
            events_env.keys[Role.head] = (
                await create_key(s, name="events-head", roles=[Role.head])
            ).key
    configured = events_env.settings.model_copy(update={"email_gateway_url": rx.url("/send")})
    events_env.app.state.settings = configured
    try:
        yield events_env
    finally:
        events_env.app.state.settings = events_env.settings


async def supplier_state(env: EventsEnv, number: str) -> tuple[str, list[str]]:
    async with env.factory() as s:
        state = (
            await s.execute(select(SupplierClaim.state).where(SupplierClaim.number == number))
        ).scalar_one()
        actions = (
            await s.execute(
                select(SupplierClaimEvent.action)
                .join(SupplierClaim, SupplierClaim.id == SupplierClaimEvent.supplier_claim_id)
                .where(SupplierClaim.number == number)
                .order_by(SupplierClaimEvent.id)
            )
        ).scalars()
        return str(state), list(actions)


async def test_the_gateway_taking_the_letter_sends_the_supplier_claim(
    env: EventsEnv, rx: Receiver
) -> None:
    number = await make_supplier_claim(env.app, language="en")
    created = await env.client.post(
        f"/api/v1/supplier-claims/{number}/letters",
        json={"kind": "supplier_claim", "request": "replace"},
        headers=env.auth(Role.specialist),
    )
    assert created.status_code == 201, created.text
    letter_id = created.json()["id"]
    for action, role in (("submit", Role.specialist), ("approve", Role.head), ("issue", Role.specialist)):  # fmt: skip
        done = await env.client.post(f"{LETTERS}/{letter_id}/{action}", headers=env.auth(role))
        assert done.status_code == 200, (action, done.text)

    asked = await env.client.post(
        f"{LETTERS}/{letter_id}/send", json={}, headers=env.auth(Role.specialist)
    )
    assert asked.status_code == 200, asked.text
    assert asked.json()["state"] == "sending"
    assert asked.json()["sent_to"].startswith("janis.")
    assert (await supplier_state(env, number))[0] == "draft"  # not before the gateway took it

    rx.answer = b'{"id": "<sc.1@mg.example>"}'
    async with env.worker(
        email_gateway_url=rx.url("/send"), storage_dir=Path(env.settings.storage_dir)
    ) as worker:
        await worker.drain()

    after = await env.client.get(f"{LETTERS}/{letter_id}", headers=env.auth(Role.specialist))
    assert after.json()["state"] == "sent"
    state, actions = await supplier_state(env, number)
    assert state == "sent"
    assert actions[-2:] == ["letter_sent", "mark_sent"]  # as a person marking it sent
    sc = await env.client.get(f"/api/v1/supplier-claims/{number}", headers=env.auth(Role.head))
    assert sc.json()["sent_channel"] == "email"
    assert sc.json()["events"][-1]["actor"] == "email-gateway"
    [email] = [r for r in rx.requests if r.path == "/send"]
    assert f"[{number}]" in email.json()["subject"]


async def test_a_refused_email_leaves_the_supplier_claim_a_draft(
    env: EventsEnv, rx: Receiver
) -> None:
    number = await make_supplier_claim(env.app, language="en")
    created = await env.client.post(
        f"/api/v1/supplier-claims/{number}/letters",
        json={"kind": "supplier_claim", "request": "replace"},
        headers=env.auth(Role.specialist),
    )
    letter_id = created.json()["id"]
    for action, role in (("submit", Role.specialist), ("approve", Role.head), ("issue", Role.specialist)):  # fmt: skip
        done = await env.client.post(f"{LETTERS}/{letter_id}/{action}", headers=env.auth(role))
        assert done.status_code == 200, (action, done.text)
    asked = await env.client.post(
        f"{LETTERS}/{letter_id}/send", json={}, headers=env.auth(Role.specialist)
    )
    assert asked.status_code == 200, asked.text

    rx.script(422)  # the gateway refuses the message: no retry makes it go out
    async with env.worker(
        email_gateway_url=rx.url("/send"), storage_dir=Path(env.settings.storage_dir)
    ) as worker:
        await worker.drain()

    after = await env.client.get(f"{LETTERS}/{letter_id}", headers=env.auth(Role.specialist))
    assert after.json()["state"] == "send_failed"
    state, actions = await supplier_state(env, number)
    assert state == "draft" and "mark_sent" not in actions


async def test_the_worker_wires_the_reaction_without_the_app(env: EventsEnv) -> None:
    """`claims worker` runs without create_app, and it is the worker that hears the gateway's
    answer: making it must subscribe the supplier claims to their letters going out."""
    saved = dict(subjects._sent_observers)
    subjects._sent_observers.clear()
    try:
        make_worker(env.factory, env.settings)
        assert subjects._sent_observers == {"supplier_claims": supplier_letters.on_letter_sent}
    finally:
        subjects._sent_observers.clear()
        subjects._sent_observers.update(saved)
