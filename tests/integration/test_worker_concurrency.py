"""Two workers on PostgreSQL never deliver the same outbox row at the same time."""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select, text

from app.db import create_engine, create_session_factory
from app.models.system import OutboxEvent
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

pytestmark = pytest.mark.postgres_only


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    if not events_env.is_postgres:
        pytest.skip("FOR UPDATE SKIP LOCKED is a PostgreSQL feature; SQLite runs one worker")
    yield events_env
    await events_env.unsubscribe_all()


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver(delay_seconds=0.1) as receiver:
        yield receiver


async def test_two_workers_share_the_outbox_without_overlap(env: EventsEnv, rx: Receiver) -> None:
    await env.subscribe(rx.url("/hook"), ["claim.registered"])
    numbers = {(await env.new_claim())["number"] for _ in range(30)}
    async with env.factory() as s:
        rows = (
            (await s.execute(select(OutboxEvent).where(OutboxEvent.type == "claim.registered")))
            .scalars()
            .all()
        )
    ours = {r.event_id for r in rows if r.payload["number"] in numbers}
    assert len(ours) == 30

    other_engine = create_engine(env.settings)
    try:
        a = env.worker(batch_size=2)
        b = env.worker(batch_size=2)
        b.factory = create_session_factory(other_engine)  # its own connections, as another process
        for w in (a, b):  # connect first, so that neither gets a head start on a busy machine
            async with w.factory() as s:
                await s.execute(text("SELECT 1"))
        async with a, b:
            handled_a, handled_b = await asyncio.gather(a.drain(), b.drain())
    finally:
        await other_engine.dispose()

    assert handled_a > 0 and handled_b > 0, (handled_a, handled_b)  # both really worked
    calls = Counter(r.header("X-Claims-Event-Id") for r in rx.requests)
    assert {event_id: calls[event_id] for event_id in ours} == {event_id: 1 for event_id in ours}
    async with env.factory() as s:
        stored = (
            (
                await s.execute(select(OutboxEvent).where(OutboxEvent.event_id.in_(ours)))  # type: ignore[attr-defined]
            )
            .scalars()
            .all()
        )
    assert {(r.status, r.attempts) for r in stored} == {("delivered", 1)}


async def test_a_row_locked_by_one_worker_is_skipped_by_another(env: EventsEnv) -> None:
    claim = await env.new_claim()
    async with env.factory() as holder:
        # Worker A is between its SELECT ... FOR UPDATE and its commit.
        locked = (
            (
                await holder.execute(
                    select(OutboxEvent)
                    .where(OutboxEvent.status == "pending")
                    .with_for_update(skip_locked=True)
                )
            )
            .scalars()
            .all()
        )
        ours = [r for r in locked if r.payload.get("number") == claim["number"]]
        assert len(ours) == 1

        other_engine = create_engine(env.settings)
        try:
            b = env.worker()
            b.factory = create_session_factory(other_engine)
            claimed = await asyncio.wait_for(b.claim_batch(), timeout=5)  # does not wait: skips
        finally:
            await other_engine.dispose()
        assert ours[0].event_id not in {c.event_id for c in claimed}
        await holder.rollback()
    async with env.worker() as worker:
        await worker.drain()
