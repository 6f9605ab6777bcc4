"""Reports: run the queries of app.reports.queries and shape the answers.

Every figure is computed by the database; Python only reshapes the few
aggregated rows (and, on SQLite, groups a bounded set of uncoded claims by
text similarity; see docs/reports.md).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from sqlalchemy import func, select, text
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import InvalidInput
from app.models.reports import (
    Batch,
    Compliance,
    CostKind,
    CostReport,
    CostRow,
    CountRow,
    DurationStats,
    NetCostRow,
    RecoveredRow,
    RecurringGroup,
    RecurringReport,
    SimilarDescriptions,
    SimilarGroup,
    SummaryReport,
)
from app.reports import queries as q
from app.reports import rollup_reads, summary_rolled
from app.reports import satisfaction as ratings
from app.reports.similarity import Groups, common_terms, connected_groups, token_pairs
from app.reports.tables import claims
from app.reports.zones import Zone
from app.workdays import FILTER_EARLIEST, FILTER_LATEST

DIMENSION_FIELDS = {
    "state": "by_state",
    "channel": "by_channel",
    "product_model": "by_product_model",
    "defect_cause": "by_defect_cause",
    "resolution": "by_resolution",
}


async def _dialect(session: AsyncSession) -> str:
    return (await session.connection()).dialect.name


def _today(settings: Settings, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone)).date()


# The days a report may cover: the listing's filters take the same range.
EARLIEST, LATEST = FILTER_EARLIEST, FILTER_LATEST


def _bad_date(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"{field} {message}.",
        errors=[{"field": f"query.{field}", "message": message, "type": "value_error"}],
    )


def _check_dates(received_from: date | None, received_to: date | None) -> None:
    for field, day in (("received_from", received_from), ("received_to", received_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise _bad_date(field, f"must be between {EARLIEST} and {LATEST}")
    if received_from and received_to and received_from > received_to:
        raise _bad_date("received_from", "must not be after received_to")


def window(
    settings: Settings,
    received_from: date | None,
    received_to: date | None,
    *,
    now: datetime | None = None,
) -> tuple[date, date]:
    """The days a report covers: the given ones, by default the last
    CLAIMS_REPORTS_RECURRING_WINDOW_DAYS up to today."""
    _check_dates(received_from, received_to)
    received_to = received_to or _today(settings, now)
    received_from = received_from or max(
        EARLIEST, received_to - timedelta(days=settings.reports_recurring_window_days - 1)
    )
    _check_dates(received_from, received_to)
    return received_from, received_to


def _period(
    settings: Settings, received_from: date | None, received_to: date | None
) -> tuple[datetime | None, datetime | None]:
    """Local calendar days [from, to] as UTC instants [start, end)."""
    _check_dates(received_from, received_to)
    zone = ZoneInfo(settings.timezone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)

    start = midnight(received_from) if received_from else None
    end = midnight(received_to + timedelta(days=1)) if received_to else None
    return start, end


async def _zone(
    session: AsyncSession, settings: Settings, flt: q.ClaimFilter, *, postgres: bool
) -> Zone:
    """The zone's offsets over the span the report can touch (only SQLite needs them)."""
    if postgres:
        return Zone(settings.timezone)
    start = flt.received_from
    if start is None:
        start = (await session.execute(select(func.min(claims.c.received_at)))).scalar()
    start = start or datetime.now(UTC)
    return Zone.for_period(settings.timezone, start, datetime.now(UTC) + timedelta(days=1))


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def _compliance(row: Any, prefix: str) -> Compliance:
    met, missed = int(getattr(row, f"{prefix}_met")), int(getattr(row, f"{prefix}_missed"))
    decided = met + missed
    return Compliance(
        met=met,
        missed=missed,
        pending=int(getattr(row, f"{prefix}_pending")),
        share=round(met / decided, 4) if decided else None,
    )


async def summary(
    session: AsyncSession,
    *,
    settings: Settings,
    received_from: date | None = None,
    received_to: date | None = None,
    channel: str | None = None,
    product_model: str | None = None,
    now: datetime | None = None,
    use_rollups: bool = True,
) -> SummaryReport:
    """The summary; over unchanged rolled-up months from the rollups (app.reports.rollup_reads)
    plus the live rest, equal to the live computation (``use_rollups=False``, as tests compare)."""
    start, end = _period(settings, received_from, received_to)
    channel = str(channel) if channel else None  # a Channel enum from the router
    flt = q.ClaimFilter(start, end, channel, product_model)
    as_of = _today(settings, now)

    postgres = await _dialect(session) == "postgresql"
    rolled = (
        await rollup_reads.plan(
            session,
            settings=settings,
            start=start,
            end=end,
            channel=channel,
            product_model=product_model,
        )
        if use_rollups
        else None
    )
    counts: dict[str, list[CountRow]] = {field: [] for field in DIMENSION_FIELDS.values()}
    if rolled is None:
        stmt = q.counts_by_dimension(flt, grouping_sets=postgres)
        rows = [(r.dimension, r.key, r.claims) for r in (await session.execute(stmt)).all()]
    else:
        rows = await summary_rolled.counts(session, flt, rolled, postgres=postgres)
    for dimension, key, n in rows:
        counts[DIMENSION_FIELDS[dimension]].append(CountRow(key=key, claims=n))
    for found in counts.values():
        found.sort(key=lambda r: (-r.claims, r.key is None, r.key or ""))

    if rolled is None:
        portable = not postgres
        percentiles = q.duration_percentiles(flt, portable=portable)
        figures = {
            r.metric: (r.claims, r.median, r.p90)
            for r in (await session.execute(percentiles)).all()
        }
    else:
        figures = await summary_rolled.durations(session, flt, rolled, postgres=postgres)
    durations = {
        metric: DurationStats(claims=int(n), median_hours=_hours(median), p90_hours=_hours(p90))
        for metric, (n, median, p90) in figures.items()
    }
    empty = DurationStats(claims=0, median_hours=None, p90_hours=None)

    zone = await _zone(session, settings, flt, postgres=postgres)
    if rolled is None:
        sla = (await session.execute(q.ack_compliance(flt, zone=zone, as_of=as_of))).one()
    else:
        sla = await summary_rolled.compliance(session, flt, rolled, zone=zone, as_of=as_of)
    if rolled is None:
        rated = (await session.execute(ratings.ratings_by_day_and_model(flt, zone=zone))).all()
    else:
        rated = await summary_rolled.ratings(session, flt, rolled, zone=zone)
    return SummaryReport(
        received_from=received_from,
        received_to=received_to,
        channel=channel,
        product_model=product_model,
        as_of=as_of,
        total_claims=int(sla.claims),
        **counts,
        time_to_acknowledge=durations.get("acknowledge", empty),
        time_to_close=durations.get("close", empty),
        acknowledged_within_3_working_days=_compliance(sla, "within_3"),
        acknowledged_within_5_working_days=_compliance(sla, "within_5"),
        satisfaction=ratings.fold(rated),
    )


# ------------------------------------------------------------------------ recurring defects


async def _has_pg_trgm(session: AsyncSession) -> bool:
    found = await session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"))
    return found.first() is not None


_PAIRS_PER_READ = 1000


def _token_groups(
    items: list[tuple[Any, Any, str]], *, min_similarity: float, min_size: int
) -> list[list[Any]]:
    return connected_groups(token_pairs(items, min_similarity=min_similarity), min_size=min_size)


async def _similar_groups(
    session: AsyncSession,
    *,
    flt: q.ClaimFilter,
    settings: Settings,
    threshold: int,
    min_claims: int,
    min_similarity: float | None,
) -> SimilarDescriptions:
    limit = settings.reports_similarity_candidates
    uncoded = tuple(settings.reports_uncoded_causes)
    use_trgm = await _dialect(session) == "postgresql" and await _has_pg_trgm(session)
    if use_trgm:
        method = "pg_trgm"
        min_sim = settings.reports_trigram_similarity if min_similarity is None else min_similarity
        stmt = q.trigram_pairs(flt, limit=limit, min_similarity=min_sim, uncoded=uncoded)
        # Up to half a million pairs for a thousand alike candidates: read and grouped in
        # pieces, never held, so that the event loop gets a turn between pieces (reading them
        # all at once stalled it for a second, and collecting their garbage for a tenth).
        grouping = Groups()
        async for piece in (await session.stream(stmt)).partitions(_PAIRS_PER_READ):
            for a, b, _ in piece:
                grouping.join(a, b)
        groups = grouping.groups(min_size=min_claims)
        candidates = (
            await session.execute(
                select(func.count()).select_from(
                    q.uncoded_candidates(flt, limit=limit, uncoded=uncoded)
                )
            )
        ).scalar_one()
    else:
        method = "token_jaccard"
        min_sim = settings.reports_token_similarity if min_similarity is None else min_similarity
        rows = (
            await session.execute(q.uncoded_candidate_rows(flt, limit=limit, uncoded=uncoded))
        ).all()
        candidates = len(rows)
        items = [(r.id, r.model_key, r.description) for r in rows]
        # Pure CPU work, quadratic in the candidates: in a thread, off the event loop.
        groups = await anyio.to_thread.run_sync(
            functools.partial(_token_groups, items, min_similarity=min_sim, min_size=min_claims)
        )
    out: list[SimilarGroup] = []
    if groups:
        ids = [i for g in groups for i in g]
        found = {r.id: r for r in (await session.execute(q.claims_by_ids(ids))).all()}
        for group in groups:
            members = sorted((found[i] for i in group), key=lambda r: (r.received_at, r.id))
            out.append(
                SimilarGroup(
                    product_model=members[0].product_model,
                    claims=len(members),
                    systematic=len(members) >= threshold,
                    common_terms=common_terms(m.defect_description for m in members),
                    sample_description=members[0].defect_description[:500],
                    claim_numbers=[m.number for m in members],
                )
            )
    return SimilarDescriptions(
        method=method,
        min_similarity=min_sim,
        candidates=candidates,
        candidate_limit=limit,
        groups=out,
    )


async def recurring_defects(
    session: AsyncSession,
    *,
    settings: Settings,
    received_from: date | None = None,
    received_to: date | None = None,
    product_model: str | None = None,
    threshold: int | None = None,
    min_claims: int = 2,
    min_similarity: float | None = None,
    now: datetime | None = None,
) -> RecurringReport:
    threshold = threshold or settings.reports_recurring_threshold
    received_from, received_to = window(settings, received_from, received_to, now=now)
    start, end = _period(settings, received_from, received_to)
    flt = q.ClaimFilter(start, end, None, product_model)
    uncoded = tuple(settings.reports_uncoded_causes)

    batches: dict[tuple[str, str], list[Batch]] = defaultdict(list)
    batch_stmt = q.recurring_batches(
        flt, drop_chars=settings.reports_batch_serial_suffix, min_claims=2, uncoded=uncoded
    )
    for r in (await session.execute(batch_stmt)).all():
        batches[(r.product_model, r.defect_cause)].append(
            Batch(
                batch=r.batch,
                claims=r.claims,
                serial_min=r.serial_min,
                serial_max=r.serial_max,
                systematic=r.claims >= threshold,
            )
        )

    groups = []
    stmt = q.recurring_by_cause(flt, min_claims=min_claims, uncoded=uncoded)
    for r in (await session.execute(stmt)).all():
        groups.append(
            RecurringGroup(
                product_model=r.product_model,
                product_model_name=r.product_model_name,
                defect_cause=r.defect_cause,
                claims=r.claims,
                model_claims=r.model_claims,
                share_of_model=round(r.claims / r.model_claims, 4),
                systematic=r.claims >= threshold,
                first_received_at=r.first_received_at,
                last_received_at=r.last_received_at,
                serial_min=r.serial_min,
                serial_max=r.serial_max,
                batches=batches.get((r.product_model, r.defect_cause), []),
                claim_numbers=sorted(r.numbers.split(" ")),
            )
        )

    similar = await _similar_groups(
        session,
        flt=flt,
        settings=settings,
        threshold=threshold,
        min_claims=min_claims,
        min_similarity=min_similarity,
    )
    return RecurringReport(
        received_from=received_from,
        received_to=received_to,
        product_model=product_model,
        threshold=threshold,
        min_claims=min_claims,
        by_cause=groups,
        similar_descriptions=similar,
    )


# ------------------------------------------------------------------------------------ costs

CENT = Decimal("0.01")


def _cost_rows(rows: list[Any], key: str | None) -> list[CostRow]:
    table: dict[tuple[str | None, str], dict[str, Any]] = {}
    for r in rows:
        k = (getattr(r, key) if key else None, r.currency)
        entry = table.setdefault(
            k, {"entries": 0, **{kind.value: Decimal("0.00") for kind in CostKind}}
        )
        entry["entries"] += int(r.entries)
        entry[r.kind] += (Decimal(int(r.cents)) * CENT).quantize(CENT)
    out = [
        CostRow(
            key=k,
            currency=cur,
            total=sum((v[kind.value] for kind in CostKind), Decimal("0.00")),
            **v,
        )
        for (k, cur), v in table.items()
    ]
    out.sort(key=lambda c: (c.currency, -c.total, c.key or ""))
    return out


async def costs(session: AsyncSession, *, year: int) -> CostReport:
    rows = (await session.execute(q.costs_by_year(year))).all()
    by = defaultdict(list)
    for r in rows:
        by[r.grouping].append(r)
    totals = _cost_rows(by["total"], None)
    by_supplier = [
        RecoveredRow(
            supplier_id=r.supplier_id,
            supplier=r.supplier,
            currency=r.currency,
            supplier_claims=int(r.supplier_claims),
            amount=(Decimal(int(r.cents)) * CENT).quantize(CENT),
        )
        for r in (await session.execute(q.recovered_by_year(year))).all()
    ]
    by_supplier.sort(key=lambda r: (r.currency, -r.amount, r.supplier or ""))
    recovered: dict[str, RecoveredRow] = {}
    for one in by_supplier:
        row = recovered.setdefault(
            one.currency,
            RecoveredRow(
                supplier_id=None,
                supplier=None,
                currency=one.currency,
                supplier_claims=0,
                amount=Decimal("0.00"),
            ),
        )
        row.supplier_claims += one.supplier_claims
        row.amount += one.amount
    costs_by_currency = {t.currency: t.total for t in totals}
    zero = Decimal("0.00")
    net = [
        NetCostRow(
            currency=cur,
            costs=costs_by_currency.get(cur, zero),
            recovered=recovered[cur].amount if cur in recovered else zero,
            net=costs_by_currency.get(cur, zero)
            - (recovered[cur].amount if cur in recovered else zero),
        )
        for cur in sorted(costs_by_currency.keys() | recovered.keys())
    ]
    return CostReport(
        year=year,
        by_cost_bearer=_cost_rows(by["bearer"], "cost_bearer"),
        by_product_model=_cost_rows(by["model"], "product_model"),
        totals=totals,
        recovered_by_supplier=by_supplier,
        recovered=[recovered[c] for c in sorted(recovered)],
        net_costs=net,
    )
