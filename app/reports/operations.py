"""The gauges of a scrape that need the database, read when Prometheus asks.

A handful of aggregate statements (never one per row), under a time limit: a scrape must not
queue behind a slow database, and a failed read is itself reported
(`claims_metrics_database_up 0`) rather than turning the scrape into an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import SessionFactory
from app.enums import ClaimState
from app.models.claims import Claim
from app.models.email_intake import STALE_AFTER, InboundEmail, InboundStatus
from app.models.events import ClaimSla
from app.models.system import OutboxEvent
from app.models.types import utcnow

log = logging.getLogger("app.metrics")


@dataclass
class Snapshot:
    database_up: bool = True
    # (event type, status, count, oldest created_at) of the pending and the dead rows
    outbox: list[tuple[str, str, int, datetime | None]] = field(default_factory=list)
    failed_emails: int = 0
    overdue: dict[str, int] = field(default_factory=dict)
    pool_in_use: int | None = None
    pool_size: int | None = None
    now: datetime = field(default_factory=utcnow)


async def _read(session: AsyncSession, today: date, now: datetime) -> Snapshot:
    snap = Snapshot(now=now)
    outbox = await session.execute(
        select(
            col(OutboxEvent.type),
            col(OutboxEvent.status),
            func.count(),
            func.min(col(OutboxEvent.created_at)),
        )
        .where(col(OutboxEvent.status).in_(("pending", "dead")))
        .group_by(col(OutboxEvent.type), col(OutboxEvent.status))
    )
    snap.outbox = [(t, s, n, oldest) for t, s, n, oldest in outbox.all()]
    stale = now - STALE_AFTER
    open_claim = col(Claim.state) != ClaimState.closed.value
    unacknowledged = and_(open_claim, col(Claim.acknowledged_at).is_(None))
    counts = (
        await session.execute(
            select(
                select(func.count())
                .select_from(InboundEmail)
                .where(
                    (col(InboundEmail.status) == InboundStatus.failed)
                    | (
                        (col(InboundEmail.status) == InboundStatus.received)
                        & (col(InboundEmail.received_at) < stale)
                    )
                )
                .scalar_subquery(),
                select(func.count())
                .select_from(Claim)
                .where(unacknowledged, col(Claim.ack_due_date) < today)
                .scalar_subquery(),
                select(func.count())
                .select_from(Claim)
                .where(unacknowledged, col(Claim.ack_deadline_date) < today)
                .scalar_subquery(),
                select(func.sum(case((col(ClaimSla.resolution_status) == "overdue", 1), else_=0)))
                .select_from(ClaimSla)
                .join(Claim, col(Claim.id) == col(ClaimSla.claim_id))
                .where(open_claim)
                .scalar_subquery(),
            )
        )
    ).one()
    snap.failed_emails = int(counts[0] or 0)
    snap.overdue = {
        "acknowledgement_due": int(counts[1] or 0),
        "acknowledgement_deadline": int(counts[2] or 0),
        "resolution": int(counts[3] or 0),
    }
    return snap


def _pool_usage(engine: AsyncEngine) -> tuple[int | None, int | None]:
    pool = engine.sync_engine.pool
    checked_out = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    if not callable(checked_out):  # NullPool, StaticPool: nothing pooled to count
        return None, None
    return int(checked_out()), int(size()) if callable(size) else None


async def snapshot(
    factory: SessionFactory, engine: AsyncEngine, *, today: date, limit_seconds: float
) -> Snapshot:
    in_use, size = _pool_usage(engine)

    try:
        async with asyncio.timeout(limit_seconds), factory() as session:
            snap = await _read(session, today, utcnow())
    except Exception as exc:  # a scrape reports the database as down rather than failing
        log.warning("metrics: database gauges not read", extra={"error": repr(exc)[:300]})
        snap = Snapshot(database_up=False)
    snap.pool_in_use, snap.pool_size = in_use, size
    return snap


class SnapshotCollector(Collector):
    """The snapshot as Prometheus metric families (collected once, for one scrape)."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.snap
        up = GaugeMetricFamily(
            "claims_metrics_database_up",
            "1 when the database gauges of this scrape were read in time, else 0",
        )
        up.add_metric([], 1 if snap.database_up else 0)
        yield up
        if snap.pool_in_use is not None:
            pool = GaugeMetricFamily(
                "claims_db_pool_connections_in_use",
                "Database connections checked out of this process's pool",
            )
            pool.add_metric([], snap.pool_in_use)
            yield pool
        if snap.pool_size is not None:
            size = GaugeMetricFamily(
                "claims_db_pool_size", "Connections this process's pool keeps (overflow aside)"
            )
            size.add_metric([], snap.pool_size)
            yield size
        if not snap.database_up:
            return
        yield from _outbox(snap.outbox, snap.now)
        failed = GaugeMetricFamily(
            "claims_failed_emails",
            "Inbound emails in the failed queue (failed, or abandoned mid-processing)",
        )
        failed.add_metric([], snap.failed_emails)
        yield failed
        overdue = GaugeMetricFamily(
            "claims_overdue",
            "Open claims past a deadline: acknowledgement_due (3 working days), "
            "acknowledgement_deadline (5), resolution (the SLA clock)",
            labels=["deadline"],
        )
        for deadline, count in snap.overdue.items():
            overdue.add_metric([deadline], count)
        yield overdue


def _outbox(
    rows: Sequence[tuple[str, str, int, datetime | None]], now: datetime
) -> Iterator[GaugeMetricFamily]:
    depth = GaugeMetricFamily(
        "claims_outbox_events",
        "Outbox events not delivered, by event type and status (pending, dead)",
        labels=["kind", "status"],
    )
    age = GaugeMetricFamily(
        "claims_outbox_oldest_age_seconds",
        "Age of the oldest outbox event not delivered, by event type and status",
        labels=["kind", "status"],
    )
    for kind, status, count, oldest in rows:
        depth.add_metric([kind, status], count)
        if oldest is not None:
            age.add_metric([kind, status], max(0.0, (now - oldest).total_seconds()))
    yield depth
    yield age
