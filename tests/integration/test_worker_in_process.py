"""The embedded default: the worker may run inside the server process."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.db import create_engine, create_session_factory
from app.enums import Role
from app.events.worker import Worker, WorkerConfig
from app.main import create_app
from tests.conftest import claim_payload
from tests.support.events_env import EventsEnv, events_database_url, events_env  # noqa: F401
from tests.support.receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def env(events_env: EventsEnv) -> AsyncIterator[EventsEnv]:  # noqa: F811
    yield events_env
    await events_env.unsubscribe_all()


@pytest.mark.parametrize(
    ("url", "environment", "explicit", "expected"),
    [
        ("sqlite+aiosqlite:///./claims.db", "development", None, True),
        ("sqlite+aiosqlite:///./claims.db", "test", None, False),
        ("postgresql+asyncpg://u@h/db", "development", None, False),
        ("postgresql+asyncpg://u@h/db", "development", True, True),
        ("sqlite+aiosqlite:///./claims.db", "development", False, False),
        ("sqlite+aiosqlite:///:memory:", "development", None, False),
    ],
)
def test_in_process_default(
    url: str, environment: str, explicit: bool | None, expected: bool
) -> None:
    s = Settings(database_url=url, environment=environment, run_worker_in_process=explicit)
    assert s.worker_in_process is expected


async def test_server_delivers_with_its_own_worker(env: EventsEnv) -> None:
    settings = env.settings.model_copy(
        update={
            "run_worker_in_process": True,
            "worker_poll_seconds": 0.1,
            "sla_sweep_seconds": 0,
        }
    )
    with Receiver() as rx:
        await env.subscribe(rx.url("/in-process"), ["claim.registered"])
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                r = await client.post(
                    "/api/v1/claims", json=claim_payload(), headers=env.auth(Role.intake)
                )
                assert r.status_code == 201
                number = r.json()["number"]
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    if any(q.json()["data"]["number"] == number for q in rx.requests):
                        break
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError("the in-process worker did not deliver")
        # The lifespan stopped the worker cleanly (no task left behind).
        assert not [t for t in asyncio.all_tasks() if t.get_name() == "outbox-worker"]


async def test_cli_worker_once_delivers_and_exits(env: EventsEnv) -> None:
    with Receiver() as rx:
        await env.subscribe(rx.url("/once"), ["claim.registered"])
        number = (await env.new_claim())["number"]
        environ = {
            **os.environ,
            "CLAIMS_DATABASE_URL": env.url,
            "CLAIMS_ENVIRONMENT": "test",
            "CLAIMS_OUTBOUND_ALLOW": "127.0.0.1",  # the receiver
            "CLAIMS_HOLIDAYS": "",
            "CLAIMS_SLA_SWEEP_SECONDS": "0",
            "CLAIMS_LOG_LEVEL": "WARNING",
        }
        done = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "app.cli", "worker", "--once"],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert any(q.json()["data"]["number"] == number for q in rx.requests)


async def test_worker_loop_survives_a_database_without_tables(tmp_path: Path) -> None:
    engine = create_engine(Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"))
    try:
        stop = asyncio.Event()
        async with Worker(create_session_factory(engine), WorkerConfig(poll_seconds=0.02)) as w:
            task = asyncio.create_task(w.run(stop))
            await asyncio.sleep(0.3)  # several failing rounds, backing off
            assert not task.done()
            stop.set()
            await asyncio.wait_for(task, timeout=5)
    finally:
        await engine.dispose()


async def _delivered(rx: Receiver, number: str) -> None:
    for _ in range(200):
        if any(q.json()["data"]["number"] == number for q in rx.requests):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{number} was not delivered")


async def test_a_slow_chore_does_not_hold_up_delivery(env: EventsEnv) -> None:
    """A chore (such as the report rollups' refresh) runs beside the delivery loop: an outbox
    row is delivered while the chore is still running, no second run of it starts meanwhile,
    and stopping the worker ends the chore too."""
    started, release = asyncio.Event(), asyncio.Event()
    runs = 0

    async def slow(now: object) -> None:
        nonlocal runs
        runs += 1
        started.set()
        await release.wait()

    with Receiver() as rx:
        await env.subscribe(rx.url("/beside-a-chore"), ["claim.registered"])
        stop = asyncio.Event()
        async with env.worker(chores=[(0.01, slow)]) as worker:
            task = asyncio.create_task(worker.run(stop))
            await asyncio.wait_for(started.wait(), timeout=10)
            number = (await env.new_claim())["number"]
            await _delivered(rx, number)
            assert not release.is_set() and runs == 1  # still in its first run
            stop.set()
            await asyncio.wait_for(task, timeout=10)
        assert not [t for t in asyncio.all_tasks() if t.get_name().startswith(worker.name)]


async def test_a_failing_chore_is_logged_and_runs_again(
    env: EventsEnv, caplog: pytest.LogCaptureFixture
) -> None:
    again = asyncio.Event()
    runs = 0

    async def flaky(now: object) -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise RuntimeError("the database went away")
        again.set()

    stop = asyncio.Event()
    async with env.worker(chores=[(0.01, flaky)]) as worker:
        task = asyncio.create_task(worker.run(stop))
        await asyncio.wait_for(again.wait(), timeout=10)
        stop.set()
        await asyncio.wait_for(task, timeout=10)
    assert any(
        "chore" in r.getMessage() and r.exc_info and "went away" in str(r.exc_info[1])
        for r in caplog.records
    )
