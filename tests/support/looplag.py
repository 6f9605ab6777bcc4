"""How long the event loop was unavailable while a test did something heavy.

`async with loop_lag() as lag: await heavy()` runs a task that means to wake every
millisecond; each tick it was late for is recorded with its delay. A tick missed while the loop
was blocked counts with the time it waited, however many ticks were missed: a 500 ms block adds
500 samples from 500 ms down to 0, not a single one (no "coordinated omission", which would let
one long stall hide among a thousand quick ticks). `lag.p99` is then the delay a request
arriving at a random moment would have met, and `assert lag.p99 < 0.1` catches blocking work
without timing the work itself.

`probe_latency(client, "/healthz")` does the same for real requests: it starts one every
`interval` seconds on a fixed schedule and measures each from when it was due.

Both start with the heap as a long-running server has it after `gc.freeze()`: what the test
process built before (thousands of tests' objects) is collected and frozen for the duration,
so that a full garbage collection of that heap, a pause of a tenth of a second or more that any
allocation may trigger, is not counted against the code under test. Its own garbage still is.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any

TICK = 0.001


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return 0.0
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Lag:
    samples: list[float] = field(default_factory=list)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)

    @property
    def worst(self) -> float:
        return max(self.samples, default=0.0)

    def __str__(self) -> str:
        return (
            f"{len(self.samples)} ticks, p50 {percentile(self.samples, 0.5) * 1000:.1f} ms, "
            f"p99 {self.p99 * 1000:.1f} ms, worst {self.worst * 1000:.1f} ms"
        )


async def _tick(lag: Lag, stop: asyncio.Event) -> None:
    due = time.perf_counter() + TICK
    while not stop.is_set():
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        now = time.perf_counter()
        while due <= now:  # every tick that fell due meanwhile, each as late as it was
            lag.samples.append(now - due)
            due += TICK


@contextmanager
def _frozen_heap() -> Iterator[None]:
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@asynccontextmanager
async def loop_lag() -> AsyncIterator[Lag]:
    """Measure the event loop's lag for the duration of the block."""
    lag, stop = Lag(), asyncio.Event()
    with _frozen_heap():
        task = asyncio.create_task(_tick(lag, stop))
        await asyncio.sleep(0)  # let it start
        try:
            yield lag
        finally:
            stop.set()
            await task


@asynccontextmanager
async def probe_latency(client: Any, path: str, interval: float = 0.005) -> AsyncIterator[Lag]:
    """GET `path` every `interval` seconds on a fixed schedule while the block runs; each
    sample is the time from when its request was due to its answer."""
    lag, stop = Lag(), asyncio.Event()
    pending: set[asyncio.Task[None]] = set()

    async def one(due: float) -> None:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        lag.samples.append(time.perf_counter() - due)

    async def schedule() -> None:
        due = time.perf_counter()
        while not stop.is_set():
            now = time.perf_counter()
            while due <= now:  # the requests a blocked loop could not start, from when due
                task = asyncio.create_task(one(due))
                pending.add(task)
                task.add_done_callback(pending.discard)
                due += interval
            await asyncio.sleep(max(0.0, due - time.perf_counter()))

    with _frozen_heap():
        runner = asyncio.create_task(schedule())
        await asyncio.sleep(0)
        try:
            yield lag
        finally:
            stop.set()
            await runner
            await asyncio.gather(*pending)
