"""The summary's monthly rollups, read: which unchanged months serve a report, and their figures.

app.reports.rollups writes them; app.reports.summary_rolled adds them to the live remainder.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models.rollups import (
    report_month_changes,
    report_month_compliance,
    report_month_counts,
    report_month_durations,
    report_month_ratings,
    report_month_waiting,
    report_months,
)
from app.reports import rollup_figures as fig
from app.reports.tables import product_models

Range = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class Rolled:
    """The usable rolled-up months of a report's range for one scope, and what is left to compute live."""

    scope: str
    months: tuple[date, ...]
    remainder: tuple[Range, ...]


def remainder(start: datetime | None, end: datetime | None, spans: Sequence[Range]) -> list[Range]:
    """[start, end) minus the ascending, disjoint ``spans``, as ascending ranges."""
    out: list[Range] = []
    cursor = start
    for s, e in spans:
        if cursor is None or (s is not None and s > cursor):
            out.append((cursor, s))
        cursor = e
    if spans and (end is None or (cursor is not None and cursor < end)):
        out.append((cursor, end))
    return out if spans else [(start, end)]


async def scope_of(
    session: AsyncSession, *, channel: str | None, product_model: str | None
) -> str | None:
    """The rollup scope of a report's filter; None when no rollup serves it."""
    if channel and product_model:
        return None
    if channel:
        return fig.channel_scope(channel)
    if product_model:
        found = await session.execute(
            select(product_models.c.id).where(product_models.c.code == product_model)
        )
        model_id = found.scalar()
        return None if model_id is None else fig.model_scope(model_id)
    return fig.ALL


async def plan(
    session: AsyncSession,
    *,
    settings: Settings,
    start: datetime | None,
    end: datetime | None,
    channel: str | None,
    product_model: str | None,
) -> Rolled | None:
    """The months of the current zone inside [start, end) without change entries; None when
    there are none."""
    scope = await scope_of(session, channel=channel, product_model=product_model)
    if scope is None:
        return None
    m = report_months.c
    changed = exists().where(report_month_changes.c.month == m.month)
    stmt = select(m.month, m.starts_at, m.ends_at).where(m.zone == settings.timezone, ~changed)
    if start is not None:
        stmt = stmt.where(m.starts_at >= start)
    if end is not None:
        stmt = stmt.where(m.ends_at <= end)
    rows = (await session.execute(stmt.order_by(m.starts_at))).all()
    if not rows:
        return None
    spans = [(r.starts_at, r.ends_at) for r in rows]
    return Rolled(scope, tuple(r.month for r in rows), tuple(remainder(start, end, spans)))


async def counts(session: AsyncSession, rolled: Rolled) -> list[tuple[str, str | None, int]]:
    """(dimension, key, claims) over the rolled months, the models' codes joined now."""
    c = report_month_counts.c
    rows = (
        await session.execute(
            select(c.dimension, c.key, func.sum(c.claims).label("claims"))
            .where(c.scope == rolled.scope, c.month.in_(rolled.months))
            .group_by(c.dimension, c.key)
        )
    ).all()
    ids = {int(r.key) for r in rows if r.dimension == "product_model" and r.key is not None}
    codes = {str(k): v for k, v in (await _codes(session, set(ids))).items()}
    return [
        (
            r.dimension,
            codes.get(r.key) if r.dimension == "product_model" and r.key is not None else r.key,
            int(r.claims),
        )
        for r in rows
    ]


async def compliance(session: AsyncSession, rolled: Rolled) -> fig.Compliance:
    c = report_month_compliance.c
    names = [
        "claims",
        "acknowledged",
        "within_3_met",
        "within_3_missed",
        "within_5_met",
        "within_5_missed",
    ]
    row = (
        await session.execute(
            select(*(func.coalesce(func.sum(c[n]), 0).label(n) for n in names)).where(
                c.scope == rolled.scope, c.month.in_(rolled.months)
            )
        )
    ).one()
    return fig.Compliance(**{n: int(getattr(row, n)) for n in names})


async def durations(
    session: AsyncSession, rolled: Rolled
) -> dict[str, tuple[int, list[array[float]]]]:
    """metric -> (n, the months' ascending arrays)."""
    d = report_month_durations.c
    rows = (
        await session.execute(
            select(d.metric, d.n, d.seconds).where(
                d.scope == rolled.scope, d.month.in_(rolled.months)
            )
        )
    ).all()
    out: dict[str, tuple[int, list[array[float]]]] = {}
    for r in rows:
        n, arrays = out.get(r.metric, (0, []))
        arrays.append(fig.unpack(r.seconds))
        out[r.metric] = (n + int(r.n), arrays)
    return out


async def ratings(session: AsyncSession, rolled: Rolled) -> list[Any]:
    """Rows shaped like satisfaction.ratings_by_day_and_model's (``day`` is the month's first
    day: its fold reads only the month), the models' codes joined now."""
    r = report_month_ratings.c
    summed = (
        select(
            r.closed_month,
            r.product_model_id,
            func.sum(r.closed).label("closed"),
            func.sum(r.rated).label("rated"),
            func.sum(r.rating_sum).label("rating_sum"),
        )
        .where(r.scope == rolled.scope, r.month.in_(rolled.months))
        .group_by(r.closed_month, r.product_model_id)
        .subquery("summed")
    )
    stmt = select(
        summed.c.closed_month.label("day"),
        product_models.c.code.label("model"),
        summed.c.closed,
        summed.c.rated,
        summed.c.rating_sum,
    ).select_from(
        summed.outerjoin(product_models, product_models.c.id == summed.c.product_model_id)
    )
    return list((await session.execute(stmt)).all())


async def _codes(session: AsyncSession, ids: set[Any]) -> dict[Any, str]:
    ids.discard(None)
    if not ids:
        return {}
    found = await session.execute(
        select(product_models.c.id, product_models.c.code).where(product_models.c.id.in_(ids))
    )
    return {r.id: r.code for r in found.all()}


async def waiting(session: AsyncSession, rolled: Rolled, *, as_of: date) -> dict[str, list[int]]:
    """within_3 / within_5 -> [missed, pending] of the rolled months' claims not yet
    acknowledged, judged against ``as_of`` as queries.ack_compliance does."""
    w = report_month_waiting.c
    missed = case((and_(w.due.is_not(None), w.due < as_of), w.claims), else_=0)
    pending = case((or_(w.due.is_(None), w.due >= as_of), w.claims), else_=0)
    rows = (
        await session.execute(
            select(w.within, func.sum(missed).label("missed"), func.sum(pending).label("pending"))
            .where(w.scope == rolled.scope, w.month.in_(rolled.months))
            .group_by(w.within)
        )
    ).all()
    out = {"within_3": [0, 0], "within_5": [0, 0]}
    for r in rows:
        out[r.within] = [int(r.missed), int(r.pending)]
    return out
