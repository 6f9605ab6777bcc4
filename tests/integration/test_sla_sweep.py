"""The SLA clock on the database, driven by a controllable clock (both databases)."""

import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select, text, update

from app.enums import ClaimState, Role
from app.mail.signing import sign_body
from app.main import create_app
from app.models.claims import Claim, Message
from app.models.customers import Customer
from app.models.events import ClaimSla
from app.models.system import OutboxEvent
from app.sla import service as sla_service
from tests.conftest import claim_payload
from tests.support.clock import FakeClock
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

DAY = timedelta(days=1)


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    # The sweeps flag every open claim of this database; settle what they queued so the
    # other events tests' workers are not busy with it.
    async with events_env.factory() as s:
        await s.execute(
            update(OutboxEvent).where(OutboxEvent.status == "pending").values(status="delivered")
        )
        await s.commit()


async def load(env: EventsEnv, number: str) -> tuple[Claim, ClaimSla | None]:
    async with env.factory() as s:
        claim = (await s.execute(select(Claim).where(Claim.number == number))).scalar_one()
        return claim, await s.get(ClaimSla, claim.id)


async def move(
    env: EventsEnv,
    number: str,
    state: ClaimState,
    at: datetime,
    *,
    hook: bool = True,
    acknowledged: datetime | None = None,
) -> None:
    """What the workflow does in its transaction: change the state and call the hook."""
    async with env.factory() as s:
        claim = (await s.execute(select(Claim).where(Claim.number == number))).scalar_one()
        claim.state = state
        claim.updated_at = at
        if acknowledged is not None:
            claim.acknowledged_at = acknowledged
        if hook:
            await sla_service.on_state_change(
                s, claim=claim, to_state=state, settings=env.settings, now=at
            )
        await s.commit()


async def sweep(env: EventsEnv, now: datetime) -> sla_service.SweepResult:
    async with env.factory() as s:
        return await sla_service.sweep(s, settings=env.settings, now=now)


async def outbox_for(env: EventsEnv, claim_id: int, event_type: str) -> list[OutboxEvent]:
    async with env.factory() as s:
        return list(
            (
                await s.execute(
                    select(OutboxEvent)
                    .where(OutboxEvent.claim_id == claim_id, OutboxEvent.type == event_type)
                    .order_by(OutboxEvent.id)
                )
            ).scalars()
        )


async def timeline(env: EventsEnv, number: str) -> list[dict[str, Any]]:
    r = await env.client.get(f"/api/v1/claims/{number}", headers=env.auth(Role.specialist))
    assert r.status_code == 200, r.text
    return r.json()["timeline"]


async def overdue_numbers(env: EventsEnv, overdue: bool) -> set[str]:
    r = await env.client.get(
        "/api/v1/claims",
        params={"overdue": str(overdue).lower(), "limit": 200},
        headers=env.auth(Role.specialist),
    )
    assert r.status_code == 200, r.text
    return {c["number"] for c in r.json()["items"]}


async def test_missed_acknowledgement_is_flagged_emitted_once_and_escalated(env: EventsEnv) -> None:
    now = datetime.now(UTC)
    created = await env.new_claim(received_at=(now - 10 * DAY).isoformat())
    number = created["number"]
    claim, row = await load(env, number)
    assert row is None  # registration knows nothing of the events module

    result = await sweep(env, now)
    assert result.breaches >= 2
    claim, row = await load(env, number)
    assert row is not None and row.ack_status == "overdue" and row.overdue
    assert claim.id is not None
    overdue = await outbox_for(env, claim.id, "claim.overdue")
    kinds = sorted(e.payload["deadline_kind"] for e in overdue)
    assert kinds == ["acknowledgement", "acknowledgement_limit"]
    assert all(e.payload["escalated_to"] == "head" for e in overdue)
    emails = await outbox_for(env, claim.id, "email.outbound")
    assert [e.payload["to"] for e in emails] == [["head@example.lv"]] * 2
    actions = [e["action"] for e in await timeline(env, number)]
    assert actions.count("sla_escalated") == 2

    await sweep(env, now + timedelta(hours=1))  # once per claim per deadline
    assert len(await outbox_for(env, claim.id, "claim.overdue")) == 2
    assert number in await overdue_numbers(env, True)
    assert number not in await overdue_numbers(env, False)


async def test_resolution_clock_pauses_resumes_and_goes_overdue(env: EventsEnv) -> None:
    clock = FakeClock(datetime(2019, 1, 7, 9, tzinfo=UTC))  # a Monday; target 10 working days
    number = (await env.new_claim(received_at=clock.now.isoformat()))["number"]
    await move(env, number, ClaimState.design_review, clock.now, acknowledged=clock.now)
    _, row = await load(env, number)
    assert row is not None and row.resolution_due_at == datetime(2019, 1, 21, 9, tzinfo=UTC)

    clock.advance(days=2)  # Wednesday: the designers want photos from the customer
    await move(env, number, ClaimState.awaiting_customer_info, clock.now)
    await sweep(env, clock.advance(days=1))
    _, row = await load(env, number)
    assert row is not None and row.resolution_status == "paused"
    assert row.resolution_remaining_seconds == int((8 * DAY).total_seconds())
    r = await env.client.get(f"/api/v1/claims/{number}/sla", headers=env.auth(Role.specialist))
    assert r.json()["resolution"] == "paused" and r.json()["resolution_due_at"] is None
    assert r.json()["paused_since"] == "2019-01-09T09:00:00Z"

    clock.set(datetime(2019, 1, 14, 9, tzinfo=UTC))  # the customer answers the next Monday
    await move(env, number, ClaimState.design_review, clock.now)
    _, row = await load(env, number)
    assert row is not None and row.resolution_paused_at is None
    assert row.resolution_paused_seconds == int((5 * DAY).total_seconds())
    assert row.resolution_due_at == datetime(2019, 1, 24, 9, tzinfo=UTC)  # 8 working days on
    r = await env.client.get(f"/api/v1/claims/{number}/sla", headers=env.auth(Role.specialist))
    assert r.status_code == 200, r.text
    view = r.json()
    assert view["paused_seconds"] == 5 * 86400 and view["paused_since"] is None
    assert view["resolution_due_at"] == "2019-01-24T09:00:00Z"
    assert view["acknowledgement"] == "met"

    await sweep(env, datetime(2019, 1, 23, 10, tzinfo=UTC))
    claim, row = await load(env, number)
    assert row is not None and row.resolution_status == "due_soon" and not row.overdue
    assert claim.id is not None
    assert await outbox_for(env, claim.id, "claim.overdue") == []
    await sweep(env, datetime(2019, 1, 23, 11, tzinfo=UTC))
    [soon] = await outbox_for(env, claim.id, "claim.due_soon")  # once, though swept twice
    assert soon.payload["deadline_kind"] == "resolution"

    await sweep(env, datetime(2019, 1, 24, 9, tzinfo=UTC))
    _, row = await load(env, number)
    assert row is not None and row.resolution_status == "overdue" and row.overdue
    [event] = await outbox_for(env, claim.id, "claim.overdue")
    assert event.payload["deadline_kind"] == "resolution"
    assert event.payload["deadline"].startswith("2019-01-24T09:00")
    assert number in await overdue_numbers(env, True)  # the listing sees the SLA flag

    await move(env, number, ClaimState.closed, datetime(2019, 1, 25, tzinfo=UTC))
    await sweep(env, datetime(2019, 1, 25, 1, tzinfo=UTC))
    _, row = await load(env, number)
    assert row is not None and row.resolution_status == "met" and not row.overdue
    assert number not in await overdue_numbers(env, True)


async def test_sweep_catches_a_state_change_made_without_the_hook(env: EventsEnv) -> None:
    at = datetime(2019, 3, 4, 12, tzinfo=UTC)
    number = (await env.new_claim(received_at=(at - DAY).isoformat()))["number"]
    await sweep(env, at)
    await move(env, number, ClaimState.awaiting_payment_guarantee, at + DAY, hook=False)
    await sweep(env, at + 2 * DAY)
    _, row = await load(env, number)
    assert row is not None and row.state == "awaiting_payment_guarantee"
    assert row.resolution_paused_at == at + DAY
    assert row.resolution_status == "paused"


async def test_reminders_for_withdrawal_are_spaced_bounded_and_thread(env: EventsEnv) -> None:
    waiting = datetime(2019, 5, 6, 10, tzinfo=UTC)
    created = await env.new_claim(received_at=(waiting - 20 * DAY).isoformat())
    number, email = created["number"], created["contact"]["email"]
    await move(env, number, ClaimState.awaiting_withdrawal, waiting, acknowledged=waiting)
    claim, _ = await load(env, number)
    assert claim.id is not None

    await sweep(env, waiting + 6 * DAY)
    assert await outbox_for(env, claim.id, "claim.reminder_sent") == []
    await sweep(env, waiting + 7 * DAY)
    await sweep(env, waiting + 7 * DAY + timedelta(hours=1))
    assert len(await outbox_for(env, claim.id, "claim.reminder_sent")) == 1
    await sweep(env, waiting + 14 * DAY)
    await sweep(env, waiting + 40 * DAY)  # CLAIMS_REMINDER_MAX=2
    notices = await outbox_for(env, claim.id, "claim.reminder_sent")
    assert [n.payload["reminder"] for n in notices] == [1, 2]

    mails = [
        m
        for m in await outbox_for(env, claim.id, "email.outbound")
        if m.payload.get("purpose") == "reminder"
    ]
    assert len(mails) == 2 and mails[0].payload["to"] == [email]
    assert number in mails[0].payload["subject"]
    async with env.factory() as s:
        sent = (
            (await s.execute(select(Message).where(Message.claim_id == claim.id))).scalars().all()
        )
    # The outbound message is recorded with the Message-ID the gateway will use: replies thread.
    # Stored without angle brackets, sent with them (app/msgids.py).
    assert {f"<{m.external_message_id}>" for m in sent} == {m.payload["message_id"] for m in mails}
    actions = [e["action"] for e in await timeline(env, number)]
    assert actions.count("reminder_sent") == 2

    with Receiver() as gateway:
        async with env.worker(email_gateway_url=gateway.url("/send")) as worker:
            await worker.drain()
        sent_ids = {r.json()["message_id"] for r in gateway.requests}
    assert {m.payload["message_id"] for m in mails} <= sent_ids


async def test_reminder_without_email_asks_for_a_call(env: EventsEnv) -> None:
    waiting = datetime(2019, 6, 3, 10, tzinfo=UTC)
    created = await env.new_claim(
        customer={"name": "Phone-only customer", "phone": "+37120000000"},
        received_at=(waiting - DAY).isoformat(),
    )
    number = created["number"]
    await move(
        env, number, ClaimState.awaiting_customer_confirmation, waiting, acknowledged=waiting
    )
    await sweep(env, waiting + 8 * DAY)
    events = [e for e in await timeline(env, number) if e["action"] == "reminder_sent"]
    assert len(events) == 1 and events[0]["payload"]["channel"] == "phone"


async def test_a_second_concurrent_sweep_skips_on_postgres(env: EventsEnv) -> None:
    if not env.is_postgres:
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serialises writers itself")
    async with env.factory() as holder:
        await holder.execute(text(f"SELECT pg_advisory_xact_lock({sla_service._SWEEP_LOCK})"))
        result = await sweep(env, datetime.now(UTC))
        assert result.skipped
        await holder.rollback()
    assert not (await sweep(env, datetime.now(UTC))).skipped


async def test_real_workflow_actions_pause_and_resume_the_clock(env: EventsEnv) -> None:
    claim = await env.new_claim()
    number = claim["number"]
    specialist = env.auth(Role.specialist)
    r = await env.client.post(
        f"/api/v1/claims/{number}/request-info",
        json={"questions": "Please send photos of the terminal box."},
        headers={**specialist, "If-Match": f'"{claim["version"]}"'},
    )
    assert r.status_code == 200, r.text
    db_claim, row = await load(env, number)
    assert row is not None and row.state == "awaiting_customer_info"  # the hook ran
    assert row.resolution_paused_at == db_claim.updated_at

    r = await env.client.post(
        f"/api/v1/claims/{number}/customer-info-received",
        json={"summary": "Photos arrived by post."},
        headers={**specialist, "If-Match": f'"{r.json()["version"]}"'},
    )
    assert r.status_code == 200, r.text
    _, row = await load(env, number)
    assert row is not None and row.resolution_paused_at is None
    assert row.state == r.json()["state"]

    # Paused again; this time the customer's own message resumes the claim, and its clock at
    # once, in the message's transaction (issue 17: it waited for the next sweep).
    r = await env.client.post(
        f"/api/v1/claims/{number}/request-info",
        json={"questions": "And the serial plate, please."},
        headers={**specialist, "If-Match": f'"{r.json()["version"]}"'},
    )
    assert r.status_code == 200, r.text
    r = await env.client.post(
        f"/api/v1/claims/{number}/messages",
        json={"channel": "email", "body": "Here is the plate."},
        headers=env.auth(Role.intake),
    )
    assert r.status_code == 201, r.text
    db_claim, row = await load(env, number)
    assert db_claim.state != "awaiting_customer_info"
    assert row is not None and row.resolution_paused_at is None
    assert row.state == db_claim.state and row.updated_at == db_claim.updated_at
    await sweep(env, datetime.now(UTC))
    _, swept = await load(env, number)
    assert swept is not None and swept.resolution_due_at == row.resolution_due_at


async def test_a_reply_to_a_reminder_threads_back_into_the_claim(env: EventsEnv) -> None:
    """Reminder → gateway (with its Message-ID) → the customer's reply → email intake."""
    waiting = datetime(2019, 9, 2, 10, tzinfo=UTC)
    created = await env.new_claim(received_at=(waiting - DAY).isoformat())
    number, address = created["number"], created["contact"]["email"]
    await move(env, number, ClaimState.awaiting_withdrawal, waiting, acknowledged=waiting)
    await sweep(env, waiting + 8 * DAY)
    with Receiver() as gateway:
        async with env.worker(email_gateway_url=gateway.url("/send")) as worker:
            await worker.drain()
        [sent] = [r.json() for r in gateway.requests if r.json().get("to") == [address]]

    reply = EmailMessage()
    reply["From"] = address
    reply["To"] = "claims@factory.example"
    reply["Subject"] = "Re: reminder"
    reply["Message-ID"] = f"<reply-{number}@customer.example>"
    reply["In-Reply-To"] = sent["message_id"]
    reply["References"] = sent["message_id"]
    reply.set_content("We withdraw the claim, the pump works.")
    raw = reply.as_bytes()

    secret = "events-test-intake-secret-0123456789"
    app = create_app(env.settings.model_copy(update={"email_hmac_secret": SecretStr(secret)}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            ts = int(time.time())
            r = await client.post(
                "/api/v1/intake/email",
                content=raw,
                headers={
                    "Content-Type": "message/rfc822",
                    "X-Claims-Timestamp": str(ts),
                    "X-Claims-Signature": sign_body(secret, ts, raw),
                },
            )
    assert r.status_code == 201, r.text
    assert r.json()["outcome"] == "threaded" and r.json()["claim_number"] == number


async def test_a_key_customers_shorter_acknowledgement_deadline_is_swept(env: EventsEnv) -> None:
    received = datetime(2019, 9, 2, 6, tzinfo=UTC)  # a Monday morning in Riga
    tag = uuid.uuid4().hex[:8]
    person = {"name": "Pēteris Kalns", "organisation": f"SIA Key {tag}", "email": f"{tag}@key.lv"}
    app = create_app(env.settings.model_copy(update={"key_customer_ack_due_working_days": 1}))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):

        async def register(customer: dict[str, Any]) -> dict[str, Any]:
            payload = claim_payload(customer=customer, received_at=received.isoformat())
            r = await client.post("/api/v1/claims", json=payload, headers=env.auth(Role.intake))
            assert r.status_code == 201, r.text
            return r.json()

        first = await register(person)
        async with env.factory() as s:
            await s.execute(
                update(Customer)
                .where(Customer.id == first["customer"]["id"])
                .values(is_key_customer=True)
            )
            await s.commit()
        key = await register(person)
        plain = await register({"name": "Plain Customer", "email": f"plain-{tag}@example.lv"})
    assert key["deadlines"]["ack_due_date"] == "2019-09-03"
    assert plain["deadlines"]["ack_due_date"] == "2019-09-05"

    await sweep(env, datetime(2019, 9, 4, 10, tzinfo=UTC))  # Wednesday
    key_claim, key_row = await load(env, key["number"])
    _, plain_row = await load(env, plain["number"])
    assert key_row is not None and key_row.ack_status == "overdue"
    assert plain_row is not None and plain_row.ack_status != "overdue"
    assert key_claim.id is not None
    [event] = await outbox_for(env, key_claim.id, "claim.overdue")
    assert (event.payload["deadline_kind"], event.payload["deadline"]) == (
        "acknowledgement",
        "2019-09-03",
    )
