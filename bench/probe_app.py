"""The service's app with an event-loop lag probe, for the bench (scenarios 1–3).

A task in the server's own loop means to wake every millisecond (tests/support/looplag.py's
rule: every tick missed while the loop was busy counts, each with the delay it met, so one long
stall cannot hide among many quick ticks). `GET /bench/looplag` answers the percentiles of the
ticks since the previous call and starts a new window; the bench calls it before and after each
measured run. The ticking costs the server ~1-2 % of a core, alike in every run.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from typing import Any

from app.main import app as service

TICK = 0.001
PATH = "/bench/looplag"


class LagProbe:
    def __init__(self) -> None:
        self.samples: list[float] = []
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.task is None:
            self.task = asyncio.get_running_loop().create_task(self._tick())

    async def _tick(self) -> None:
        due = time.perf_counter() + TICK
        while True:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            now = time.perf_counter()
            while due <= now:
                self.samples.append(now - due)
                due += TICK

    def window(self) -> dict[str, float | int]:
        samples, self.samples = sorted(self.samples), []

        def pct(q: float) -> float:
            if not samples:
                return 0.0
            return samples[min(len(samples) - 1, math.ceil(q * len(samples)) - 1)] * 1000

        return {
            "ticks": len(samples),
            "p50_ms": round(pct(0.5), 2),
            "p99_ms": round(pct(0.99), 2),
            "max_ms": round(samples[-1] * 1000, 2) if samples else 0.0,
        }


probe = LagProbe()


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] in ("http", "lifespan"):
        probe.start()
    if scope["type"] == "http" and scope["path"] == PATH:
        body = json.dumps(probe.window()).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await service(scope, receive, send)
