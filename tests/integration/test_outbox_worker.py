"""The outbox worker against a real HTTP receiver on 127.0.0.1 (both databases)."""

import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import standardwebhooks
from sqlalchemy import select

from app.enums import Role
from app.events import signing
from app.events.outbox import enqueue
from app.models.events import Delivery
from app.models.system import OutboxEvent
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver(stall_seconds=2.0) as receiver:
        yield receiver


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    await events_env.unsubscribe_all()


async def outbox_row(env: EventsEnv, *, claim_number: str, event_type: str) -> OutboxEvent:
    async with env.factory() as s:
        rows = (
            (await s.execute(select(OutboxEvent).where(OutboxEvent.type == event_type)))
            .scalars()
            .all()
        )
    return next(r for r in rows if r.payload.get("number") == claim_number)


async def fetch_outbox(env: EventsEnv, event_id: str) -> OutboxEvent:
    async with env.factory() as s:
        return (
            await s.execute(select(OutboxEvent).where(OutboxEvent.event_id == event_id))
        ).scalar_one()


async def deliveries(env: EventsEnv, event_id: str) -> list[dict[str, Any]]:
    r = await env.client.get(
        "/api/v1/admin/deliveries", params={"event_id": event_id}, headers=env.auth(Role.admin)
    )
    assert r.status_code == 200, r.text
    return r.json()


async def test_registration_is_delivered_signed_and_verifiable(
    env: EventsEnv, rx: Receiver
) -> None:
    sub = await env.subscribe(rx.url("/hooks/claims"), ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    assert row.status == "pending"  # written with the claim, not yet sent

    async with env.worker() as worker:
        await worker.drain()

    [request] = rx.for_event(row.event_id)
    assert request.path == "/hooks/claims"
    assert request.header("X-Claims-Event-Type") == "claim.registered"
    # What a receiver does: verify the raw body with the shared secret, then parse it.
    signing.verify(sub["secret"], request.body, request.header("X-Claims-Signature"))
    envelope = json.loads(request.body)
    assert envelope["id"] == row.event_id
    assert envelope["type"] == "claim.registered"
    assert envelope["time"].endswith("Z")
    assert envelope["data"]["number"] == claim["number"]
    with pytest.raises(signing.SignatureError):
        signing.verify("not-the-secret-at-all", request.body, request.header("X-Claims-Signature"))
    # The Standard Webhooks headers verify with that convention's own library.
    standard = {
        name: request.header(name)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
    }
    assert sub["secret"].startswith("whsec_")
    assert standardwebhooks.Webhook(sub["secret"]).verify(request.body, standard) == envelope
    assert standard["webhook-id"] == row.event_id
    other = "whsec_" + base64.b64encode(b"x" * 32).decode()
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(other).verify(request.body, standard)

    assert (await fetch_outbox(env, row.event_id)).status == "delivered"
    [d] = await deliveries(env, row.event_id)
    assert d["status"] == "delivered" and d["subscription_id"] == sub["id"]
    assert [a["status_code"] for a in d["attempt_log"]] == [200]


async def test_retries_after_500_and_timeout_then_delivers(env: EventsEnv, rx: Receiver) -> None:
    await env.subscribe(rx.url("/flaky"), ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    rx.script(500, "stall")

    async with env.worker(webhook_timeout=0.5) as worker:
        await worker.drain()

    requests = rx.for_event(row.event_id)
    assert len(requests) == 3
    assert {r.header("X-Claims-Event-Id") for r in requests} == {row.event_id}  # same id: dedup
    stored = await fetch_outbox(env, row.event_id)
    assert stored.status == "delivered" and stored.attempts == 3
    [d] = await deliveries(env, row.event_id)
    log = d["attempt_log"]
    assert [a["ok"] for a in log] == [False, False, True]
    assert log[0]["status_code"] == 500 and log[0]["error"] == "HTTP 500"
    assert log[1]["status_code"] is None and log[1]["error"].startswith("timeout")
    assert log[2]["status_code"] == 200


async def test_dead_after_the_limit_then_redelivered(env: EventsEnv, rx: Receiver) -> None:
    await env.subscribe(rx.url("/down"), ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    rx.script(500, 503, 500)

    async with env.worker(max_attempts=3) as worker:
        await worker.drain()
    stored = await fetch_outbox(env, row.event_id)
    assert stored.status == "dead" and stored.attempts == 3
    assert "HTTP 500" in (stored.last_error or "")

    admin = env.auth(Role.admin)
    dead = (await env.client.get("/api/v1/admin/outbox", headers=admin)).json()
    assert row.event_id in [e["event_id"] for e in dead]
    [d] = await deliveries(env, row.event_id)
    assert d["status"] == "dead" and len(d["attempt_log"]) == 3

    r = await env.client.post(f"/api/v1/admin/outbox/{row.event_id}/redeliver", headers=admin)
    assert r.status_code == 202 and r.json()["status"] == "pending"
    again = await env.client.post(f"/api/v1/admin/outbox/{row.event_id}/redeliver", headers=admin)
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"

    async with env.worker(max_attempts=3) as worker:
        await worker.drain()
    assert (await fetch_outbox(env, row.event_id)).status == "delivered"
    assert len(rx.for_event(row.event_id)) == 4
    [d] = await deliveries(env, row.event_id)
    assert d["status"] == "delivered" and len(d["attempt_log"]) == 4

    # A delivered delivery may be replayed on request, with the same event id.
    r = await env.client.post(f"/api/v1/admin/deliveries/{d['id']}/redeliver", headers=admin)
    assert r.status_code == 202
    async with env.worker() as worker:
        await worker.drain()
    assert len(rx.for_event(row.event_id)) == 5


async def test_fan_out_follows_event_types_and_survives_one_failing_target(
    env: EventsEnv, rx: Receiver
) -> None:
    with Receiver() as other:
        await env.subscribe(rx.url("/a"), ["claim.registered"])
        await env.subscribe(other.url("/b"), ["*"])
        await env.subscribe(other.url("/c"), ["claim.overdue"])
        claim = await env.new_claim()
        row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
        rx.script(500)  # /a fails once

        async with env.worker() as worker:
            await worker.drain()

        assert [r.path for r in rx.for_event(row.event_id)] == ["/a", "/a"]
        # /b got it once although /a needed a retry; /c does not want it.
        assert [r.path for r in other.for_event(row.event_id)] == ["/b"]
    assert (await fetch_outbox(env, row.event_id)).status == "delivered"


async def test_an_event_nobody_wants_is_settled_without_calls(env: EventsEnv, rx: Receiver) -> None:
    await env.subscribe(rx.url("/only-overdue"), ["claim.overdue"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    async with env.worker() as worker:
        await worker.drain()
    assert rx.for_event(row.event_id) == []
    assert (await fetch_outbox(env, row.event_id)).status == "delivered"
    assert await deliveries(env, row.event_id) == []


async def test_outbound_email_goes_to_the_gateway_with_credentials_and_message_id(
    env: EventsEnv, rx: Receiver
) -> None:
    async with env.factory() as s:
        row = enqueue(
            s,
            event_type="email.outbound",
            data={
                "to": ["customer@example.lv"],
                "subject": "Your claim",
                "text": "Registered.",
            },
        )
        await s.commit()
    rx.script(502)

    async with env.worker(
        email_gateway_url=rx.url("/send"), email_gateway_token="gw-token", email_from="q@x.lv"
    ) as worker:
        await worker.drain()

    calls = rx.for_event(row.event_id)
    assert len(calls) == 2
    call = calls[-1]
    assert call.header("Authorization") == "Bearer gw-token"
    assert call.header("Idempotency-Key") == row.event_id
    body = call.json()
    assert body["to"] == ["customer@example.lv"] and body["from"] == "q@x.lv"
    assert body["message_id"] == f"<{row.event_id}@claims.test>"
    assert calls[0].json()["message_id"] == body["message_id"]  # stable across retries
    [d] = await deliveries(env, row.event_id)
    assert d["target"] == "email" and d["message_id"] == body["message_id"]
    assert d["status"] == "delivered"


async def test_email_without_a_gateway_is_retried_then_dead(env: EventsEnv) -> None:
    async with env.factory() as s:
        row = enqueue(s, event_type="email.outbound", data={"to": ["a@b.lv"], "subject": "x"})
        await s.commit()
    async with env.worker(max_attempts=2, email_gateway_url=None) as worker:
        await worker.drain()
    stored = await fetch_outbox(env, row.event_id)
    assert stored.status == "dead"
    assert "CLAIMS_EMAIL_GATEWAY_URL" in (stored.last_error or "")


async def test_deactivated_subscription_stops_receiving(env: EventsEnv, rx: Receiver) -> None:
    sub = await env.subscribe(rx.url("/x"), ["claim.registered"])
    claim = await env.new_claim()
    row = await outbox_row(env, claim_number=claim["number"], event_type="claim.registered")
    rx.script(500)
    async with env.worker() as worker:
        await worker.run_once()  # one failed attempt; the delivery is now pending
        r = await env.client.patch(
            f"/api/v1/admin/webhooks/{sub['id']}",
            json={"active": False},
            headers=env.auth(Role.admin),
        )
        assert r.status_code == 200 and r.json()["active"] is False
        await worker.drain()
    assert len(rx.for_event(row.event_id)) == 1
    [d] = await deliveries(env, row.event_id)
    assert d["status"] == "dead" and "deactivated" in d["last_error"]
    async with env.factory() as s:
        assert (await s.get(Delivery, d["id"])) is not None


async def test_a_letter_sent_by_email_reaches_the_gateway_with_its_pdf_and_the_webhooks(
    env: EventsEnv, rx: Receiver
) -> None:
    """The letters module's `letter.sent` row carries its email; the stored PDF goes inline."""
    pdf = b"%PDF-1.4 frozen letter"
    key = f"letters/2026/L-2026-{uuid.uuid4().hex[:6]}.pdf"
    path = Path(env.settings.storage_dir) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf)
    email = {
        "from": "quality@factory.example",
        "to": ["customer@example.lv"],
        "subject": "[CLM-2026-000001] Acknowledgement (L-2026-000001)",
        "message_id": "<L-2026-000001.1@factory.example>",
        "text": "Please find attached.",
        "attachments": [
            {
                "filename": "L-2026-000001.pdf",
                "content_type": "application/pdf",
                "storage_key": key,
                "sha256": hashlib.sha256(pdf).hexdigest(),
            }
        ],
    }
    async with env.factory() as s:
        row = enqueue(
            s,
            event_type="letter.sent",
            data={"letter_number": "L-2026-000001", "channel": "email", "email": email},
        )
        broken = enqueue(
            s,
            event_type="letter.sent",
            data={
                "channel": "email",
                "email": {
                    **email,
                    "attachments": [{"filename": "x.pdf", "storage_key": "../../etc/passwd"}],
                },
            },
        )
        await s.commit()
    await env.subscribe(rx.url("/erp"), ["letter.sent"])

    async with env.worker(
        email_gateway_url=rx.url("/send"),
        storage_dir=Path(env.settings.storage_dir),
        max_attempts=2,
    ) as worker:
        await worker.drain()

    by_path = {r.path: r for r in rx.for_event(row.event_id)}
    assert set(by_path) == {"/send", "/erp"}  # one email, one webhook
    sent = by_path["/send"].json()
    assert sent["message_id"] == "<L-2026-000001.1@factory.example>"
    [attachment] = sent["attachments"]
    assert base64.b64decode(attachment["content_base64"]) == pdf
    assert "storage_key" not in attachment
    assert by_path["/erp"].json()["data"]["letter_number"] == "L-2026-000001"
    targets = {d["target"]: d for d in await deliveries(env, row.event_id)}
    assert targets["email"]["message_id"] == "<L-2026-000001.1@factory.example>"
    assert all(d["status"] == "delivered" for d in targets.values())

    # A file outside the storage is never read: the email fails and dies, the webhook goes.
    assert [r.path for r in rx.for_event(broken.event_id)] == ["/erp"]
    failed = {d["target"]: d for d in await deliveries(env, broken.event_id)}
    assert failed["email"]["status"] == "dead"
    assert "outside the storage" in failed["email"]["last_error"]
