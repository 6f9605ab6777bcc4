"""Running the worker: as `claims worker`, or as a task inside the server (embedded default)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from app.config import Settings
from app.db import SessionFactory, create_engine, create_session_factory
from app.events.worker import Worker, WorkerConfig
from app.letters.delivery import record_email_outcome
from app.preflight import database_location
from app.reports import rollups
from app.sla import service as sla_service
from app.suppliers import letters as supplier_letters

log = logging.getLogger("app.events.runner")


def sla_sweeper(
    factory: SessionFactory, settings: Settings
) -> Callable[[datetime], Awaitable[Any]]:
    async def sweep(now: datetime) -> sla_service.SweepResult:
        async with factory() as session:
            return await sla_service.sweep(session, settings=settings, now=now)

    return sweep


def rollup_refresher(
    factory: SessionFactory,
    settings: Settings,
    *,
    max_months: int | None = rollups.MONTHS_PER_ROUND,
) -> Callable[[datetime], Awaitable[rollups.Refreshed]]:
    async def refresh(now: datetime) -> rollups.Refreshed:
        async with factory() as session:
            done = await rollups.refresh(session, settings=settings, now=now, max_months=max_months)
        if done.months:
            log.info(
                "report rollups: %d months (%d claims) refreshed, %d left",
                done.months,
                done.claims,
                done.left,
            )
        return done

    return refresh


def make_worker(factory: SessionFactory, settings: Settings) -> Worker:
    # The gateway's answer on a supplier claim's letter sends the supplier claim: the worker
    # runs without create_app, so it wires the reaction itself.
    supplier_letters.follow()
    return Worker(
        factory,
        WorkerConfig.from_settings(settings),
        sla_sweep=sla_sweeper(factory, settings),
        chores=[(settings.report_rollup_seconds, rollup_refresher(factory, settings))],
        # A letter is `sent` only once the gateway took its email (letters/delivery.py).
        on_email_outcome=record_email_outcome,
    )


async def run_worker(settings: Settings, *, once: bool = False) -> int:
    """`claims worker`: deliver until SIGTERM/SIGINT (or, with `once`, until nothing is due)."""
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with make_worker(factory, settings) as worker:
            described = describe(settings)
            log.info(
                "%s started: %s",
                worker.name,
                ", ".join(f"{k} {v}" for k, v in described.items()),
                extra={"worker": worker.name, **described},
            )
            try:
                if once:
                    if settings.sla_sweep_seconds > 0:
                        await sla_sweeper(factory, settings)(worker.clock())
                    if settings.report_rollup_seconds > 0:
                        await rollup_refresher(factory, settings)(worker.clock())
                    return await worker.drain()
                await worker.run(stop)
                return 0
            finally:
                log.info("%s stopped", worker.name, extra={"worker": worker.name})
    finally:
        await engine.dispose()


def describe(settings: Settings) -> dict[str, Any]:
    """What the worker runs with, for its first log line (no secrets)."""
    gateway = settings.email_gateway_url
    if gateway:
        gateway = str(httpx.URL(gateway).copy_with(username=None, password=None, query=None))
    return {
        "database": database_location(settings.database_url),
        "email_gateway": gateway or "not configured (letters cannot be emailed)",
        "poll_seconds": settings.worker_poll_seconds,
        "batch_size": settings.worker_batch_size,
        "max_attempts": settings.outbox_max_attempts,
        "sla_sweep_seconds": settings.sla_sweep_seconds or "off",
        "report_rollup_seconds": settings.report_rollup_seconds or "off",
        "storage": str(settings.storage_dir),
    }


def start_in_process(factory: SessionFactory, settings: Settings) -> Callable[[], Awaitable[None]]:
    """Start the worker as a task of the server's loop; returns the coroutine that stops it."""
    stop = asyncio.Event()
    worker = make_worker(factory, settings)

    async def main() -> None:
        async with worker:
            log.info(
                "%s started in the server process",
                worker.name,
                extra={"worker": worker.name, **describe(settings)},
            )
            await worker.run(stop)

    task = asyncio.create_task(main(), name="outbox-worker")

    async def shutdown() -> None:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=settings.webhook_timeout_seconds + 5)
        except TimeoutError:
            task.cancel()

    return shutdown
