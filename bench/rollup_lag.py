"""How long a rollup refresh keeps the event loop from other work (issue 20, session 7).

    PYTHONPATH=$PWD python bench/rollup_lag.py --db claims_1m_rollup --month 2025-06-01

Refreshes one month of a migrated, rolled-up database (bench/scale.py --keep leaves one) the
way the worker does (app.reports.rollups.refresh_month), while a ticker that means to wake
every millisecond records how late each tick was (a tick missed while the loop was blocked
counts with the time it waited, and the heap built before is frozen, as tests/support/looplag.py
does). Alternating rounds in one
process: `thread` is the code as it is (the month's aggregation in a thread); `inline` runs the
same aggregation on the loop, as before this change (anyio's run_sync replaced for the block).
Prints wall time, this process's CPU and the loop's p99 and worst lag, with the load average.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import anyio.to_thread
from sqlalchemy import text

from app.config import Settings
from app.db import create_engine, create_session_factory
from app.reports import rollups
from app.reports.zones import Zone

TICK = 0.001


@contextlib.asynccontextmanager
async def ticker() -> AsyncIterator[list[float]]:
    samples: list[float] = []
    loop = asyncio.get_running_loop()

    async def tick() -> None:
        due = loop.time() + TICK
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            now = loop.time()
            while due <= now:  # every tick missed counts with its own delay
                samples.append(now - due)
                due += TICK

    # As tests/support/looplag.py: the heap built before is collected and frozen, so that a
    # full collection of it (80-100 ms in this process) is not counted against the refresh.
    gc.collect()
    gc.freeze()
    task = asyncio.create_task(tick())
    try:
        yield samples
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        gc.unfreeze()


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[int(0.99 * (len(ordered) - 1))] if ordered else 0.0


async def inline_run_sync(func: Callable[..., Any], *args: Any, **_: Any) -> Any:
    return func(*args)


async def run(args: argparse.Namespace) -> None:
    url = f"{args.pg.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{args.db}"
    settings = Settings(environment="test", database_url=url, log_level="WARNING")
    engine = create_engine(settings)
    factory = create_session_factory(engine)
    month = date.fromisoformat(args.month)
    zone = Zone(settings.timezone)
    print(f"{'mode':7} {'wall s':>7} {'cpu s':>6} {'lag p99 ms':>10} {'worst ms':>9} load 1/5")
    try:
        for _ in range(args.rounds):
            for mode in ("thread", "inline"):
                patch = (
                    mock.patch.object(anyio.to_thread, "run_sync", inline_run_sync)
                    if mode == "inline"
                    else contextlib.nullcontext()
                )
                async with factory() as s:
                    conn = await s.connection()
                    await conn.execute(
                        text("INSERT INTO report_month_changes (month) VALUES (:m)"), {"m": month}
                    )
                    await s.commit()
                t0, c0 = time.perf_counter(), time.process_time()
                with patch:
                    async with ticker() as samples, factory() as s:
                        n = await rollups.refresh_month(
                            s, month=month, settings=settings, zone=zone, now=datetime.now(UTC)
                        )
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                one, five, _ = os.getloadavg()
                print(
                    f"{mode:7} {wall:7.2f} {cpu:6.2f} {p99(samples) * 1000:10.1f} "
                    f"{max(samples, default=0) * 1000:9.1f} {one:.1f}/{five:.1f}"
                    f"  ({n} claims)",
                    flush=True,
                )
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server DSN")
    parser.add_argument("--db", default="claims_1m_rollup")
    parser.add_argument("--month", default="2025-06-01", help="first day of a sealed month")
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
