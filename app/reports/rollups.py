"""The summary's monthly rollups on the database: refresh sealed months, read unchanged ones.

A month is sealed once it is over in the company's time zone (settings.timezone) and a few
minutes have passed, so that no transaction still writing a claim of it is open. Any change to
a claim of a month that has a report_months row appends the month to report_month_changes
(the triggers of migration report_rollups); the summary uses a month's rollup only while its
row has the current zone and no such entry (app.reports.rollup_reads). A refresh of a month:

(a) one committed transaction upserts the month's row, and logs an entry itself, so the month
    reads as changed until (b) commits. From its commit on, every change's trigger logs the
    month. On PostgreSQL the refresh then waits for the writers that were already open (their
    trigger may have run before the row existed); one still open after a while leaves the month
    for the next round, still live.
(b) a second transaction deletes the month's entries committed so far, reads the month's
    claims and writes its figures. A change that commits after that read keeps its entry, so
    the month stays live until the next refresh: exact without any lock. (A change committed
    before the read is in the figures, and its entry, if the delete saw it, is gone.)

The Python aggregation runs in a thread, so that the event loop (the API's, in the embedded
mode) only waits for the database meanwhile.
"""

from __future__ import annotations

import asyncio
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import anyio.to_thread
from sqlalchemy import String, delete, exists, func, insert, literal, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.enums import ClaimState
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
from app.reports.sqlfuncs import local_date, seconds_between
from app.reports.tables import claim_ratings, claims
from app.reports.zones import Zone

# A month is rolled up only this long after it ended, when the registrations that took their
# received_at just before midnight have committed: one committing later would only log the
# month and make it live again until the next round.
SEALED_AFTER = timedelta(minutes=10)
# Months refreshed per round of the worker: a fresh database is rolled up over a few rounds,
# each month in short transactions of its own.
MONTHS_PER_ROUND = 24
# How long a refresh waits for writers open when its month's row was committed (PostgreSQL).
WRITERS_WAIT_SECONDS = 10.0

ROLLUP_TABLES = (
    report_month_counts,
    report_month_compliance,
    report_month_waiting,
    report_month_durations,
    report_month_ratings,
)


def month_bounds(month: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local month that starts on ``month`` as UTC instants [start, end)."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(  # type: ignore[return-value]
        datetime.combine(day, time(), tzinfo=zone).astimezone(UTC) for day in (month, following)
    )


def _month_of(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date().replace(day=1)


def _months(first: date, last: date) -> list[date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def last_sealed(now: datetime, zone: ZoneInfo) -> date:
    current = _month_of(now, zone)
    previous = _month_of(datetime.combine(current, time(), tzinfo=zone) - timedelta(days=1), zone)
    if month_bounds(previous, zone)[1] + SEALED_AFTER > now:
        previous = _month_of(
            datetime.combine(previous, time(), tzinfo=zone) - timedelta(days=1), zone
        )
    return previous


async def stale_months(session: AsyncSession, *, settings: Settings, now: datetime) -> list[date]:
    """Sealed months to (re)compute: no row, a row of another zone, or change entries."""
    zone = ZoneInfo(settings.timezone)
    first_at = (await session.execute(select(func.min(claims.c.received_at)))).scalar()
    rm = report_months.c
    changed = exists().where(report_month_changes.c.month == rm.month)
    rows = (await session.execute(select(rm.month, rm.zone, changed.label("changed")))).all()
    known = {r.month for r in rows}
    last = last_sealed(now, zone)
    wanted = {
        r.month for r in rows if (r.changed or r.zone != settings.timezone) and r.month <= last
    }
    if first_at is not None:
        wanted |= {m for m in _months(_month_of(first_at, zone), last) if m not in known}
    return sorted(wanted)


def _upsert(dialect: str) -> Any:
    return (postgresql if dialect == "postgresql" else sqlite).insert


async def _writers_done(session: AsyncSession, *, wait_seconds: float) -> bool:
    """PostgreSQL: wait until every transaction that had written something when this one
    started has ended; a writer without a transaction id yet runs its triggers later, and
    they see the committed row (READ COMMITTED, as everywhere in the app)."""
    found = await session.execute(text("SELECT CAST(pg_current_snapshot() AS text)"))
    snapshot = found.scalar_one()
    await session.commit()
    # Transaction ids are the cluster's: the writers of other databases are not waited for.
    busy = text(
        "SELECT count(*) FROM pg_snapshot_xip(CAST(CAST(:snapshot AS text) AS pg_snapshot)) AS x "
        "WHERE pg_xact_status(x) = 'in progress' AND NOT EXISTS (SELECT FROM pg_stat_activity "
        "AS a WHERE a.backend_xid = CAST(x AS xid) AND a.datname <> current_database())"
    )
    deadline = clock.monotonic() + wait_seconds
    while True:
        open_writers = (await session.execute(busy, {"snapshot": snapshot})).scalar_one()
        await session.commit()
        if not open_writers:
            return True
        if clock.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.05)


async def refresh_month(
    session: AsyncSession,
    *,
    month: date,
    settings: Settings,
    zone: Zone,
    now: datetime,
    wait_seconds: float = WRITERS_WAIT_SECONDS,
) -> int | None:
    """Recompute one month in two transactions (committed here, see the module's docstring);
    returns its claims, or None when the month was left for a later round (still live)."""
    postgres = (await session.connection()).dialect.name == "postgresql"
    starts_at, ends_at = month_bounds(month, ZoneInfo(settings.timezone))
    values = {
        "zone": settings.timezone,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "computed_at": now,
    }
    # (a)
    upsert = _upsert("postgresql" if postgres else "sqlite")(report_months).values(
        month=month, **values
    )
    await session.execute(upsert.on_conflict_do_update(index_elements=["month"], set_=values))
    await session.execute(insert(report_month_changes).values(month=month))
    await session.commit()
    if postgres and not await _writers_done(session, wait_seconds=wait_seconds):
        return None

    # (b)
    if postgres:
        # Another worker refreshing the same month holds its row: leave the month to it.
        mine = await session.execute(
            select(report_months.c.month)
            .where(report_months.c.month == month)
            .with_for_update(skip_locked=True)
        )
        if mine.first() is None:
            await session.commit()
            return None
    await session.execute(delete(report_month_changes).where(report_month_changes.c.month == month))
    acked = claims.c.acknowledged_at
    stmt = select(
        claims.c.state,
        claims.c.channel,
        claims.c.product_model_id,
        claims.c.defect_cause,
        claims.c.resolution,
        # The database computes these exactly as the live report does (app.reports.queries).
        seconds_between(claims.c.received_at, acked).label("ack_seconds"),
        seconds_between(claims.c.received_at, claims.c.closed_at).label("close_seconds"),
        local_date(acked, literal(zone.name, String()), zone.offset_minutes(acked)).label(
            "ack_day"
        ),
        claims.c.ack_due_date,
        claims.c.ack_deadline_date,
    ).where(claims.c.received_at >= starts_at, claims.c.received_at < ends_at)
    rows = (await session.execute(stmt)).all()

    closed_at = claims.c.closed_at
    rated = select(
        claims.c.channel,
        claims.c.product_model_id,
        local_date(closed_at, literal(zone.name, String()), zone.offset_minutes(closed_at)).label(
            "day"
        ),
        claim_ratings.c.rating,
    ).select_from(claims.outerjoin(claim_ratings, claim_ratings.c.claim_id == claims.c.id))
    rated = rated.where(
        claims.c.received_at >= starts_at,
        claims.c.received_at < ends_at,
        claims.c.state == ClaimState.closed.value,
        closed_at.is_not(None),
    )
    rating_rows = (await session.execute(rated)).all()
    # Pure Python, ~0.3 s of CPU for a month at a million claims: off the event loop.
    built = await anyio.to_thread.run_sync(fig.month_rows, month, rows, rating_rows)

    for table in ROLLUP_TABLES:
        await session.execute(delete(table).where(table.c.month == month))
    for table, params in (
        (report_month_counts, built.counts),
        (report_month_compliance, built.compliance),
        (report_month_waiting, built.waiting),
        (report_month_durations, built.durations),
        (report_month_ratings, built.ratings),
    ):
        if params:
            await session.execute(insert(table), params)
    await session.commit()
    return len(rows)


@dataclass(frozen=True)
class Refreshed:
    months: int  # refreshed
    claims: int
    left: int  # stale months not done in this round


async def refresh(
    session: AsyncSession,
    *,
    settings: Settings,
    now: datetime | None = None,
    max_months: int | None = None,
) -> Refreshed:
    """Bring the stale sealed months up to date, at most ``max_months`` of them."""
    now = now or datetime.now(UTC)
    months = await stale_months(session, settings=settings, now=now)
    await session.commit()  # the look-up's transaction ends (SQLite: the write lock)
    todo = months if max_months is None else months[:max_months]
    done = await refresh_months(session, settings=settings, months=todo, now=now)
    return Refreshed(done.months, done.claims, len(months) - done.months)


async def refresh_months(
    session: AsyncSession, *, settings: Settings, months: Sequence[date], now: datetime
) -> Refreshed:
    """Recompute the given months (first days of local months), each on its own, until one
    is left for a later round; ``left`` counts those not done."""
    if not months:
        return Refreshed(0, 0, 0)
    postgres = (await session.connection()).dialect.name == "postgresql"
    zone_start = month_bounds(min(months), ZoneInfo(settings.timezone))[0]
    # SQLite's local dates need the zone's offsets up to the latest acknowledgement; the live
    # report's statements (service._zone) use the same segments.
    zone = (
        Zone(settings.timezone)
        if postgres
        else Zone.for_period(settings.timezone, zone_start, datetime.now(UTC) + timedelta(days=1))
    )
    done = total = 0
    for month in months:
        found = await refresh_month(session, month=month, settings=settings, zone=zone, now=now)
        if found is None:
            # A writer still open would hold up every month alike, and another worker that
            # holds this one is going through the same list: the rest waits for a later round.
            break
        done += 1
        total += found
    return Refreshed(done, total, len(months) - done)
