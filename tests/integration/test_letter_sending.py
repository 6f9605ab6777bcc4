"""Honest letter states (issue 18): an emailed letter is `sending` until the email gateway
takes it, then `sent` with the gateway's id, or `send_failed` with the reason, shown on the
letter, the claim and the claims listing. Real worker, real gateway (a local HTTP server)."""

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.auth.api_keys import create_key
from app.enums import Role
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

LETTERS = "/api/v1/letters"


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture
async def env(events_env: EventsEnv, rx: Receiver) -> AsyncIterator[EventsEnv]:  # noqa: F811
    """The events app with outbound email configured (the gateway is `rx`) and a head's key."""
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


async def issued_letter(env: EventsEnv) -> tuple[dict[str, Any], dict[str, Any]]:
    claim = await env.new_claim()
    created = await env.client.post(
        f"/api/v1/claims/{claim['number']}/letters",
        json={"kind": "acknowledgement"},
        headers=env.auth(Role.specialist),
    )
    assert created.status_code == 201, created.text
    letter_id = created.json()["id"]
    for action, role in (
        ("submit", Role.specialist),
        ("approve", Role.head),
        ("issue", Role.specialist),
    ):
        done = await env.client.post(f"{LETTERS}/{letter_id}/{action}", headers=env.auth(role))
        assert done.status_code == 200, (action, done.text)
    return claim, done.json()


async def send(env: EventsEnv, letter_id: int, **body: Any) -> dict[str, Any]:
    sent = await env.client.post(
        f"{LETTERS}/{letter_id}/send", json=body, headers=env.auth(Role.specialist)
    )
    assert sent.status_code == 200, sent.text
    return sent.json()


async def letter(env: EventsEnv, letter_id: int) -> dict[str, Any]:
    return (
        await env.client.get(f"{LETTERS}/{letter_id}", headers=env.auth(Role.specialist))
    ).json()


async def claim_view(env: EventsEnv, number: str) -> dict[str, Any]:
    response = await env.client.get(f"/api/v1/claims/{number}", headers=env.auth(Role.specialist))
    assert response.status_code == 200, response.text
    return response.json()


async def listed(env: EventsEnv, number: str) -> dict[str, Any]:
    response = await env.client.get(
        "/api/v1/claims", params={"q": number}, headers=env.auth(Role.specialist)
    )
    assert response.status_code == 200, response.text
    [item] = [i for i in response.json()["items"] if i["number"] == number]
    return item


async def deliver(env: EventsEnv, rx: Receiver, **overrides: Any) -> None:
    async with env.worker(
        email_gateway_url=rx.url("/send"), storage_dir=Path(env.settings.storage_dir), **overrides
    ) as worker:
        await worker.drain()


async def test_sending_becomes_sent_once_the_gateway_takes_it_with_its_id(
    env: EventsEnv, rx: Receiver
) -> None:
    claim, issued = await issued_letter(env)
    rx.answer = b'{"id": "<20261128.1@mg.example>", "message": "Queued. Thank you."}'

    asked = await send(env, issued["id"])
    assert asked["state"] == "sending" and asked["sent_at"] is None
    assert asked["allowed_actions"] == []  # not twice while the gateway has it
    [unsent] = (await claim_view(env, claim["number"]))["unsent_letters"]
    assert unsent["state"] == "sending" and unsent["number"] == issued["number"]

    await deliver(env, rx)

    after = await letter(env, issued["id"])
    assert after["state"] == "sent" and after["sent_at"] is not None
    assert after["gateway_message_id"] == "<20261128.1@mg.example>"
    assert after["send_error"] is None
    view = await claim_view(env, claim["number"])
    assert view["unsent_letters"] == []
    sent_events = [e for e in view["timeline"] if e["action"] == "letter_sent"]
    assert sent_events and sent_events[-1]["actor"] == "email-gateway"
    assert (await listed(env, claim["number"]))["letter_send_failed"] is None


async def test_a_refusal_is_send_failed_with_the_reason_everywhere_and_may_be_sent_again(
    env: EventsEnv, rx: Receiver
) -> None:
    claim, issued = await issued_letter(env)
    rx.answer = b'{"message": "to: recipient address rejected"}'
    rx.script(400)
    await send(env, issued["id"])

    await deliver(env, rx)  # a 400 is not retried: the gateway will never take it

    failed = await letter(env, issued["id"])
    assert failed["state"] == "send_failed"
    assert "HTTP 400" in failed["send_error"] and "address rejected" in failed["send_error"]
    assert failed["allowed_actions"] == ["send", "mark_sent_by_post"]
    [unsent] = (await claim_view(env, claim["number"]))["unsent_letters"]
    assert unsent["state"] == "send_failed" and "address rejected" in unsent["send_error"]
    summary = await listed(env, claim["number"])
    assert summary["letter_send_failed"].startswith(f"{issued['number']}: HTTP 400")

    # Sent again to a corrected address: on its way, then sent; the failure is gone.
    rx.answer = None
    again = await send(env, issued["id"], to="fixed@example.lv")
    assert again["state"] == "sending" and again["send_error"] is None
    await deliver(env, rx)
    done = await letter(env, issued["id"])
    assert done["state"] == "sent" and done["sent_to"] == "fixed@example.lv"
    assert done["gateway_message_id"]  # without an id in the answer: our Message-ID
    assert (await listed(env, claim["number"]))["letter_send_failed"] is None


async def test_retries_running_out_is_send_failed(env: EventsEnv, rx: Receiver, caplog) -> None:
    claim, issued = await issued_letter(env)
    rx.script(503, 503)
    await send(env, issued["id"])

    with caplog.at_level(logging.INFO, logger="app.events.worker"):
        await deliver(env, rx, max_attempts=2)

    # The worker says what each batch came to (issue 18: it printed nothing).
    batches = [r for r in caplog.records if r.getMessage().startswith("outbox batch:")]
    assert batches and batches[0].retried >= 1 and batches[-1].dead >= 1  # type: ignore[attr-defined]

    failed = await letter(env, issued["id"])
    assert failed["state"] == "send_failed"
    assert failed["send_error"].startswith("retries ran out: HTTP 503")
    # Marked as sent by post instead: sent, and no longer listed as failed.
    posted = await env.client.post(
        f"{LETTERS}/{issued['id']}/mark-sent", json={}, headers=env.auth(Role.specialist)
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["state"] == "sent" and posted.json()["send_error"] is None
    assert (await claim_view(env, claim["number"]))["unsent_letters"] == []
