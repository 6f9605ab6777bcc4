"""Retry schedule for outbox deliveries: exponential with jitter, bounded attempts."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """``delay(n)`` is the wait after the n-th failed attempt (n starts at 1).

    The nominal delay is ``base * factor**(n-1)`` capped at ``cap``; jitter
    spreads it uniformly over ``[nominal * (1 - jitter), nominal]`` so that
    many rows failing together (a receiver outage) do not retry in lockstep.
    ``jitter=1`` is AWS's "full jitter", ``jitter=0`` is none.
    """

    base_seconds: float = 5.0
    factor: float = 2.0
    cap_seconds: float = 3600.0
    jitter: float = 0.5
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("delays must not be negative")
        if self.factor < 1:
            raise ValueError("factor must be at least 1")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def nominal(self, attempt: int) -> float:
        if attempt < 1:
            raise ValueError("attempt numbers start at 1")
        # Cap the exponent too, so a huge attempt count cannot overflow.
        exponent = min(attempt - 1, 64)
        return min(self.cap_seconds, self.base_seconds * self.factor**exponent)

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        nominal = self.nominal(attempt)
        spread = nominal * self.jitter
        draw = (rng or random).random()
        return nominal - spread + spread * draw

    def exhausted(self, attempts: int) -> bool:
        """True once ``attempts`` failed attempts mean the event is dead."""
        return attempts >= self.max_attempts
