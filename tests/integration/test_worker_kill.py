"""A real `claims worker` process is killed mid-delivery and restarted: nothing is lost."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.models.system import OutboxEvent
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    await events_env.unsubscribe_all()


@pytest.fixture
def rx() -> Iterator[Receiver]:
    with Receiver(stall_seconds=30.0) as receiver:
        yield receiver


def start_worker(database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CLAIMS_DATABASE_URL": database_url,
        "CLAIMS_ENVIRONMENT": "test",
        "CLAIMS_OUTBOUND_ALLOW": "127.0.0.1",  # the receiver
        "CLAIMS_HOLIDAYS": "",
        "CLAIMS_WORKER_LEASE_SECONDS": "2",
        "CLAIMS_WORKER_POLL_SECONDS": "0.2",
        "CLAIMS_WEBHOOK_TIMEOUT_SECONDS": "60",
        "CLAIMS_OUTBOX_BACKOFF_BASE_SECONDS": "0.1",
        "CLAIMS_SLA_SWEEP_SECONDS": "0",
        "CLAIMS_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


async def wait_until(predicate, within: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


async def statuses(env: EventsEnv, event_ids: list[str]) -> dict[str, tuple[str, int]]:
    async with env.factory() as s:
        rows = (
            (
                await s.execute(select(OutboxEvent).where(OutboxEvent.event_id.in_(event_ids)))  # type: ignore[attr-defined]
            )
            .scalars()
            .all()
        )
    return {r.event_id: (r.status, r.attempts) for r in rows}


async def test_killed_worker_loses_nothing(env: EventsEnv, rx: Receiver) -> None:
    await env.subscribe(rx.url("/erp"), ["claim.registered"])
    numbers = [(await env.new_claim())["number"] for _ in range(3)]
    async with env.factory() as s:
        rows = (
            (await s.execute(select(OutboxEvent).where(OutboxEvent.type == "claim.registered")))
            .scalars()
            .all()
        )
    event_ids = [r.event_id for r in rows if r.payload["number"] in numbers]
    assert len(event_ids) == 3
    rx.script("stall")  # the first request to arrive hangs: the worker is mid-delivery

    first = start_worker(env.url)
    try:
        await wait_until(lambda: _true(any(r.extra.get("stalled") for r in rx.requests)))
        stalled_id = next(r for r in rx.requests if r.extra.get("stalled")).header(
            "X-Claims-Event-Id"
        )
        assert stalled_id in event_ids
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL

    # The stalled event was never marked delivered: its lease simply runs out.
    assert (await statuses(env, [stalled_id]))[stalled_id][0] == "pending"

    second = start_worker(env.url)
    try:

        async def all_delivered() -> bool:
            return all(st == "delivered" for st, _ in (await statuses(env, event_ids)).values())

        await wait_until(all_delivered, within=30)
        second.send_signal(signal.SIGTERM)  # a graceful stop
        assert second.wait(timeout=20) == 0, second.stderr.read() if second.stderr else ""
    finally:
        if second.poll() is None:
            second.kill()

    answered = {r.header("X-Claims-Event-Id") for r in rx.answered(200)}
    assert set(event_ids) <= answered  # every event reached the receiver with a 200
    final = await statuses(env, event_ids)
    assert final[stalled_id][1] >= 2  # the killed attempt counted, the retry delivered


async def _true(value: bool) -> bool:
    return value
