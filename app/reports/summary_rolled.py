"""The summary over rolled-up months: the rollups' figures plus the live remainder.

Each function answers what the live statement over the whole filter answers, to the last bit:
counts and satisfaction figures add up; compliance adds the rolled outcome of acknowledged
claims to the rolled claims not yet acknowledged, counted by due date and judged against
as_of when read; the percentiles are selected across the months' sorted arrays and the
remainder's sorted durations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.reports import queries as q
from app.reports import rollup_figures as fig
from app.reports import rollup_reads as stored
from app.reports import satisfaction
from app.reports.zones import Zone


def _rest(flt: q.ClaimFilter, rolled: stored.Rolled) -> q.ClaimFilter:
    return replace(flt, ranges=rolled.remainder)


async def counts(
    session: AsyncSession, flt: q.ClaimFilter, rolled: stored.Rolled, *, postgres: bool
) -> list[tuple[str, str | None, int]]:
    total: Counter[tuple[str, str | None]] = Counter()
    for dimension, key, n in await stored.counts(session, rolled):
        total[(dimension, key)] += n
    if rolled.remainder:
        stmt = q.counts_by_dimension(_rest(flt, rolled), grouping_sets=postgres)
        for row in (await session.execute(stmt)).all():
            total[(row.dimension, row.key)] += int(row.claims)
    return [(d, k, n) for (d, k), n in total.items() if n]


async def durations(
    session: AsyncSession, flt: q.ClaimFilter, rolled: stored.Rolled, *, postgres: bool
) -> dict[str, tuple[int, float | None, float | None]]:
    """metric -> (claims, median, p90) in seconds, for the metrics with data."""
    months = await stored.durations(session, rolled)
    out: dict[str, tuple[int, float | None, float | None]] = {}
    for metric in fig.METRICS:
        n, stored_arrays = months.get(metric, (0, []))
        arrays: list[Sequence[float]] = list(stored_arrays)
        if rolled.remainder:
            rows = await session.execute(q.durations_sorted(_rest(flt, rolled), metric))
            live = [float(v) for v in rows.scalars().all()]
            arrays.append(live)
            n += len(live)
        if n == 0:
            continue
        median, p90 = (
            fig.percentile_cont(arrays, n, num, den, postgres=postgres)
            for num, den in q.PERCENTILES.values()
        )
        out[metric] = (n, median, p90)
    return out


async def compliance(
    session: AsyncSession,
    flt: q.ClaimFilter,
    rolled: stored.Rolled,
    *,
    zone: Zone,
    as_of: date,
) -> Any:
    """A row shaped like queries.ack_compliance's."""
    roll = await stored.compliance(session, rolled)
    waiting = await stored.waiting(session, rolled, as_of=as_of)
    rest: Any = SimpleNamespace(
        claims=0,
        **{
            f"{prefix}_{what}": 0
            for prefix in ("within_3", "within_5")
            for what in ("met", "missed", "pending")
        },
    )
    if rolled.remainder:
        stmt = q.ack_compliance(_rest(flt, rolled), zone=zone, as_of=as_of)
        rest = (await session.execute(stmt)).one()
    row: dict[str, int] = {"claims": roll.claims + int(rest.claims)}
    for prefix in ("within_3", "within_5"):
        missed, pending = waiting[prefix]
        row[f"{prefix}_met"] = getattr(roll, f"{prefix}_met") + int(getattr(rest, f"{prefix}_met"))
        row[f"{prefix}_missed"] = (
            getattr(roll, f"{prefix}_missed") + missed + int(getattr(rest, f"{prefix}_missed"))
        )
        row[f"{prefix}_pending"] = pending + int(getattr(rest, f"{prefix}_pending"))
    return SimpleNamespace(**row)


async def ratings(
    session: AsyncSession, flt: q.ClaimFilter, rolled: stored.Rolled, *, zone: Zone
) -> list[Any]:
    """Rows for satisfaction.fold: the rolled months' and the remainder's."""
    rows = await stored.ratings(session, rolled)
    if rolled.remainder:
        stmt = satisfaction.ratings_by_day_and_model(_rest(flt, rolled), zone=zone)
        rows += (await session.execute(stmt)).all()
    return rows
