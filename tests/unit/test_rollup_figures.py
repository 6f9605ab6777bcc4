"""The rollups' pure part: percentiles across sorted arrays equal those over the joined values,
in PostgreSQL's and in the portable statement's arithmetic."""

import random
from array import array
from math import ceil, floor
from types import SimpleNamespace

import pytest

from app.reports import rollup_figures as fig


def joined_pg(values: list[float], p: float) -> float:
    v = sorted(values)
    pos = p * (len(v) - 1)
    lo, hi = floor(pos), ceil(pos)
    return v[lo] if lo == hi else v[lo] + (pos - lo) * (v[hi] - v[lo])


def joined_portable(values: list[float], num: int, den: int) -> float:
    v = sorted(values)
    lo, rem = divmod((len(v) - 1) * num, den)
    hi = lo + (1 if rem else 0)
    return v[lo] + (rem / den) * (v[hi] - v[lo])


@pytest.mark.parametrize("seed", range(30))
def test_percentiles_across_arrays_equal_the_joined_values(seed: int) -> None:
    rnd = random.Random(seed)
    arrays = []
    for _ in range(rnd.randrange(1, 12)):
        size = rnd.randrange(0, 40)
        # ties, negatives (an acknowledgement recorded before the receipt) and fractions
        values = [
            rnd.choice([rnd.uniform(-500, 9e5), float(rnd.randrange(5)), 3600.0])
            for _ in range(size)
        ]
        arrays.append(array("d", sorted(values)))
    values = [x for a in arrays for x in a]
    if not values:
        arrays.append(array("d", [42.0]))
        values = [42.0]
    n = len(values)
    for num, den in ((1, 2), (9, 10), (0, 1), (1, 1)):
        assert fig.percentile_cont(arrays, n, num, den, postgres=True) == joined_pg(
            values, num / den
        )
        assert fig.percentile_cont(arrays, n, num, den, postgres=False) == joined_portable(
            values, num, den
        )
    for k in range(n):
        assert fig.kth(arrays, k) == sorted(values)[k]


def test_no_values_no_percentile() -> None:
    assert fig.percentile_cont([], 0, 1, 2, postgres=True) is None


def test_packed_durations_read_back_sorted() -> None:
    assert list(fig.unpack(fig.pack([3.5, -1.0, 2.0]))) == [-1.0, 2.0, 3.5]


def test_aggregate_counts_every_claim_in_three_scopes() -> None:
    from datetime import date

    row = SimpleNamespace(
        state="closed",
        channel="web",
        product_model_id=None,
        defect_cause=None,
        resolution="repaired",
        ack_seconds=10.0,
        close_seconds=None,
        ack_day=date(2020, 1, 3),
        ack_due_date=date(2020, 1, 2),
        ack_deadline_date=None,
    )
    out = fig.aggregate([row])
    assert set(out.compliance) == {"", "channel:web", "model:"}
    c = out.compliance[""]
    # late for 3 days; no 5-day date: neither met nor missed, as the live statement counts it
    assert (c.claims, c.acknowledged, c.within_3_missed, c.within_5_met, c.within_5_missed) == (
        1,
        1,
        1,
        0,
        0,
    )
    assert out.counts["model:"][("product_model", None)] == 1
    assert out.durations[("", "acknowledge")] == [10.0]
