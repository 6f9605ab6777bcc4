"""Running the worker: as `claims worker`, or as a task inside the server (embedded default)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from app.config import Settings
from app.db import SessionFactory, create_engine, create_session_factory
from app.events.worker import Worker, WorkerConfig
from app.sla import service as sla_service

log = logging.getLogger("app.events.runner")


def sla_sweeper(
    factory: SessionFactory, settings: Settings
) -> Callable[[datetime], Awaitable[Any]]:
    async def sweep(now: datetime) -> sla_service.SweepResult:
        async with factory() as session:
            return await sla_service.sweep(session, settings=settings, now=now)

    return sweep


def make_worker(factory: SessionFactory, settings: Settings) -> Worker:
    return Worker(
        factory, WorkerConfig.from_settings(settings), sla_sweep=sla_sweeper(factory, settings)
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
            log.info("worker started", extra={"worker": worker.name})
            if once:
                if settings.sla_sweep_seconds > 0:
                    await sla_sweeper(factory, settings)(worker.clock())
                return await worker.drain()
            await worker.run(stop)
            return 0
    finally:
        await engine.dispose()


def start_in_process(factory: SessionFactory, settings: Settings) -> Callable[[], Awaitable[None]]:
    """Start the worker as a task of the server's loop; returns the coroutine that stops it."""
    stop = asyncio.Event()
    worker = make_worker(factory, settings)

    async def main() -> None:
        async with worker:
            await worker.run(stop)

    task = asyncio.create_task(main(), name="outbox-worker")

    async def shutdown() -> None:
        stop.set()
        try:
            await asyncio.wait_for(task, timeout=settings.webhook_timeout_seconds + 5)
        except TimeoutError:
            task.cancel()

    return shutdown
