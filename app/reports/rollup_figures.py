"""The summary's monthly rollups, pure: aggregate one month's claims, and read exact
percentiles across several sorted arrays of durations without joining them.

No I/O; app.reports.rollups loads and stores.
"""

from __future__ import annotations

import struct
from array import array
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from math import ceil, floor
from typing import Any

DIMENSIONS = ("state", "channel", "product_model", "defect_cause", "resolution")
METRICS = ("acknowledge", "close")
ALL = ""


def channel_scope(channel: str) -> str:
    return f"channel:{channel}"


def model_scope(model_id: int | None) -> str:
    return f"model:{'' if model_id is None else model_id}"


@dataclass
class Compliance:
    claims: int = 0
    acknowledged: int = 0
    within_3_met: int = 0
    within_3_missed: int = 0
    within_5_met: int = 0
    within_5_missed: int = 0


@dataclass
class MonthFigures:
    """One month's figures per scope."""

    counts: dict[str, Counter[tuple[str, str | None]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    compliance: dict[str, Compliance] = field(default_factory=lambda: defaultdict(Compliance))
    durations: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    # scope -> (within_3 | within_5, due date) -> claims not yet acknowledged
    waiting: dict[str, Counter[tuple[str, date | None]]] = field(
        default_factory=lambda: defaultdict(Counter)
    )


def _met(ack_day: date, due: date | None) -> bool | None:
    return None if due is None else ack_day <= due


def aggregate(rows: Iterable[Any]) -> MonthFigures:
    """Figures from rows (state, channel, product_model_id, defect_cause, resolution,
    ack_seconds, close_seconds, ack_day, ack_due_date, ack_deadline_date), the durations and
    the local acknowledgement day computed by the database exactly as the live report does."""
    out = MonthFigures()
    for r in rows:
        model = r.product_model_id
        scopes = (ALL, channel_scope(r.channel), model_scope(model))
        keys = (
            ("state", r.state),
            ("channel", r.channel),
            ("product_model", None if model is None else str(model)),
            ("defect_cause", r.defect_cause),
            ("resolution", r.resolution),
        )
        for scope in scopes:
            out.counts[scope].update(keys)
            c = out.compliance[scope]
            c.claims += 1
            if r.ack_day is not None:
                # As queries.ack_compliance: an acknowledged claim without a due date is
                # neither met nor missed (nor pending).
                c.acknowledged += 1
                for prefix, due in (
                    ("within_3", r.ack_due_date),
                    ("within_5", r.ack_deadline_date),
                ):
                    met = _met(r.ack_day, due)
                    if met is True:
                        setattr(c, f"{prefix}_met", getattr(c, f"{prefix}_met") + 1)
                    elif met is False:
                        setattr(c, f"{prefix}_missed", getattr(c, f"{prefix}_missed") + 1)
            else:
                # Missed or pending depends on the report's date: judged when it is read.
                out.waiting[scope].update(
                    (("within_3", r.ack_due_date), ("within_5", r.ack_deadline_date))
                )
            if r.ack_seconds is not None:
                out.durations[(scope, "acknowledge")].append(float(r.ack_seconds))
            if r.close_seconds is not None:
                out.durations[(scope, "close")].append(float(r.close_seconds))
    return out


def aggregate_ratings(rows: Iterable[Any]) -> dict[str, Counter[tuple[date, int | None, str]]]:
    """scope -> (closed_month, product_model_id, figure) -> value, from rows (channel,
    product_model_id, day, rating) of the month's closed claims, ``day`` the local day of
    closure computed by the database as the live section does."""
    out: dict[str, Counter[tuple[date, int | None, str]]] = defaultdict(Counter)
    for r in rows:
        model = r.product_model_id
        month = r.day.replace(day=1)
        for scope in (ALL, channel_scope(r.channel), model_scope(model)):
            figures = out[scope]
            figures[(month, model, "closed")] += 1
            if r.rating is not None:
                figures[(month, model, "rated")] += 1
                figures[(month, model, "rating_sum")] += int(r.rating)
    return out


@dataclass(frozen=True)
class MonthRows:
    """One month's rows for each rollup table, as insert parameters."""

    counts: list[dict[str, Any]]
    compliance: list[dict[str, Any]]
    waiting: list[dict[str, Any]]
    durations: list[dict[str, Any]]
    ratings: list[dict[str, Any]]


def month_rows(month: date, claim_rows: Iterable[Any], rating_rows: Iterable[Any]) -> MonthRows:
    """The rollup tables' rows of ``month`` from its claims (as ``aggregate`` takes them) and
    its closed claims' ratings (as ``aggregate_ratings`` takes them): the CPU-heavy part of a
    refresh, so that it can run in a thread."""
    figures = aggregate(claim_rows)
    ratings = aggregate_ratings(rating_rows)
    keys = {(scope, m, model) for scope, c in ratings.items() for m, model, _ in c}
    return MonthRows(
        counts=[
            {"month": month, "scope": scope, "dimension": d, "key": k, "claims": n}
            for scope, counter in figures.counts.items()
            for (d, k), n in counter.items()
        ],
        compliance=[
            {"month": month, "scope": scope, **vars(c)} for scope, c in figures.compliance.items()
        ],
        waiting=[
            {"month": month, "scope": scope, "within": within, "due": due, "claims": n}
            for scope, counter in figures.waiting.items()
            for (within, due), n in counter.items()
        ],
        durations=[
            {"month": month, "scope": scope, "metric": metric, "n": len(v), "seconds": pack(v)}
            for (scope, metric), v in figures.durations.items()
        ],
        ratings=[
            {
                "month": month,
                "scope": scope,
                "closed_month": m,
                "product_model_id": model,
                **{f: ratings[scope][(m, model, f)] for f in ("closed", "rated", "rating_sum")},
            }
            for scope, m, model in sorted(keys, key=str)
        ],
    )


def pack(values: list[float]) -> bytes:
    return array("d", sorted(values)).tobytes()


def unpack(data: bytes) -> array[float]:
    out = array("d")
    out.frombytes(data)
    return out


# ----------------------------------------------------------------- percentiles across arrays


def _order(x: float) -> int:
    """An integer in the order of the floats (IEEE 754 bits, negatives flipped)."""
    (bits,) = struct.unpack("<q", struct.pack("<d", x))
    return bits if bits >= 0 else -(bits & 0x7FFFFFFFFFFFFFFF)


def _float(key: int) -> float:
    bits = key if key >= 0 else (-key) | -0x8000000000000000
    (x,) = struct.unpack("<d", struct.pack("<q", bits))
    return float(x)


def _count_le(arrays: Sequence[Sequence[float]], x: float) -> int:
    return sum(bisect_right(a, x) for a in arrays)


def kth(arrays: Sequence[Sequence[float]], k: int) -> float:
    """The k-th smallest value (0-based) of the union of ascending arrays.

    A bisection over the floats' order (at most 64 steps), each counting with one bisect per
    array: no merged copy of the arrays is made.
    """
    filled = [a for a in arrays if len(a)]
    lo = _order(min(a[0] for a in filled))
    hi = _order(max(a[-1] for a in filled))
    while lo < hi:  # the smallest value with more than k values at or below it
        mid = (lo + hi) // 2
        if _count_le(filled, _float(mid)) > k:
            hi = mid
        else:
            lo = mid + 1
    return _float(lo)


def _next_after(arrays: Sequence[Sequence[float]], x: float) -> float:
    found = [a[i] for a in arrays if (i := bisect_right(a, x)) < len(a)]
    return min(found)


def _two(arrays: Sequence[Sequence[float]], k: int, k2: int) -> tuple[float, float]:
    """The values at ranks k and k2 (k2 is k or k + 1)."""
    first = kth(arrays, k)
    if k2 == k or _count_le(arrays, first) > k2:
        return first, first
    return first, _next_after(arrays, first)


def percentile_cont(
    arrays: Sequence[Sequence[float]], n: int, num: int, den: int, *, postgres: bool
) -> float | None:
    """The continuous percentile num/den of n values held in ascending arrays, computed as
    the live report's statement computes it, so that both agree to the last bit:
    PostgreSQL's percentile_cont (pos = p*(n-1) in floating point, linear interpolation
    between floor and ceil) or the portable statement (integer position and remainder)."""
    if n == 0:
        return None
    if postgres:
        p = num / den
        pos = p * (n - 1)
        first, second = floor(pos), ceil(pos)
        lo_val, hi_val = _two(arrays, first, second)
        if second == first:
            return lo_val
        return lo_val + (pos - first) * (hi_val - lo_val)
    lo, rem = divmod((n - 1) * num, den)
    lo_val, hi_val = _two(arrays, lo, lo + (1 if rem > 0 else 0))
    return lo_val + (rem / den) * (hi_val - lo_val)
