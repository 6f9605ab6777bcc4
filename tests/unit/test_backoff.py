"""Retry schedule: exponential, capped, jittered, bounded."""

import random

import pytest

from app.events.backoff import Backoff


def test_nominal_doubles_until_the_cap() -> None:
    b = Backoff(base_seconds=5, factor=2, cap_seconds=60, jitter=0)
    assert [b.nominal(n) for n in range(1, 7)] == [5, 10, 20, 40, 60, 60]
    assert b.nominal(10_000) == 60  # no overflow


def test_no_jitter_is_exact() -> None:
    b = Backoff(base_seconds=1, jitter=0)
    assert b.delay(3) == 4


def test_jitter_stays_within_band_and_varies() -> None:
    b = Backoff(base_seconds=10, factor=2, cap_seconds=1000, jitter=0.5)
    rng = random.Random(7)
    delays = [b.delay(3, rng) for _ in range(200)]
    assert all(20 <= d <= 40 for d in delays)
    assert len({round(d, 6) for d in delays}) > 100


def test_full_jitter_reaches_zero_band() -> None:
    b = Backoff(base_seconds=10, jitter=1)
    rng = random.Random(1)
    assert min(b.delay(1, rng) for _ in range(500)) < 1


def test_exhausted_after_max_attempts() -> None:
    b = Backoff(max_attempts=3)
    assert not b.exhausted(2)
    assert b.exhausted(3)
    assert b.exhausted(4)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"base_seconds": -1},
        {"factor": 0.5},
        {"jitter": 1.5},
        {"max_attempts": 0},
    ],
)
def test_invalid_configuration_is_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Backoff(**kwargs)


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        Backoff().delay(0)
