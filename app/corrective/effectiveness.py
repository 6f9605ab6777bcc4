"""Did the fix work? The claim rate (claims per unit sold) before and after it took effect.

Pure: `windows` and `figures`. On the database: `check_effectiveness`, which the action
endpoint and the SLA sweep call. The definition in full is in docs/corrective-actions.md:

- two windows of equal length around `fix_effective_on` (F): before [F - n, F), after
  [F, F + n), n = CLAIMS_CORRECTIVE_EFFECTIVENESS_DAYS; checked early (a head), n is the days
  from F to today, so that both windows stay equal and the after window holds no future;
- claims: every claim of the record's model (or of its batch, when it has one) received in the
  window, whatever its cause: causes are coded late, and counting only coded ones would flatter
  the after window;
- units: the model's (batch's) units in the registry whose sale_date falls in the window;
- with fix_first_serial (or fix_first_batch), the after window counts only claims and units
  with a serial at or after it, of the whole model (the fixed units are in later batches);
- rate = claims / units; effective when rate_after <= (1 - CLAIMS_CORRECTIVE_EFFECTIVE_REDUCTION)
  * rate_before; no units sold in a window: `insufficient_data`, the record stays verifying.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.batches import in_batch
from app.config import Settings
from app.corrective import records
from app.enums import CorrectiveState
from app.errors import Conflict
from app.models.claims import Claim
from app.models.corrective import CorrectiveAction
from app.models.reference import Unit

EFFECTIVE, NOT_EFFECTIVE, INSUFFICIENT = "effective", "not_effective", "insufficient_data"


@dataclass(frozen=True, slots=True)
class Windows:
    before_from: date
    fix_on: date  # the end of the before window (exclusive), the start of the after window
    after_to: date  # exclusive
    days: int


def windows(fix_on: date, *, period_days: int, today: date) -> Windows:
    """Equal windows around the fix; shorter when checked before the period has passed."""
    days = period_days
    if fix_on + timedelta(days=period_days) > today:
        days = max(1, (today - fix_on).days)
    span = timedelta(days=days)
    return Windows(fix_on - span, fix_on, fix_on + span, days)


def _rate(claims: int, units: int) -> float | None:
    return round(claims / units, 6) if units else None


def figures(
    *,
    claims_before: int,
    units_before: int,
    claims_after: int,
    units_after: int,
    window: Windows,
    reduction: float,
) -> dict[str, Any]:
    """The stored figures: counts, rates (null without units) and the result."""
    before, after = _rate(claims_before, units_before), _rate(claims_after, units_after)
    if before is None or after is None:
        result = INSUFFICIENT
    else:
        # A small tolerance: 0.5 of 0.3 is 0.15000000000000002 in floating point.
        result = EFFECTIVE if after <= (1 - reduction) * before + 1e-12 else NOT_EFFECTIVE
    return {
        "window_days": window.days,
        "before_from": window.before_from.isoformat(),
        "before_to": (window.fix_on - timedelta(days=1)).isoformat(),
        "after_from": window.fix_on.isoformat(),
        "after_to": (window.after_to - timedelta(days=1)).isoformat(),
        "claims_before": claims_before,
        "claims_after": claims_after,
        "units_before": units_before,
        "units_after": units_after,
        "rate_before": before,
        "rate_after": after,
        "required_reduction": reduction,
        "result": result,
    }


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def measure(
    session: AsyncSession, ca: CorrectiveAction, *, today: date, settings: Settings
) -> dict[str, Any]:
    """The figures for `ca` as of `today` (two queries)."""
    if ca.fix_effective_on is None or ca.product_model_id is None:
        missing = "fix_effective_on" if ca.fix_effective_on is None else "a product model"
        raise Conflict(f"The effectiveness of {ca.number} cannot be measured without {missing}.")
    w = windows(
        ca.fix_effective_on, period_days=settings.corrective_effectiveness_days, today=today
    )
    zone = ZoneInfo(settings.timezone)
    start, fix_at, end = (_midnight(d, zone) for d in (w.before_from, w.fix_on, w.after_to))
    drop = settings.reports_batch_serial_suffix
    first = ca.fix_first_serial or ca.fix_first_batch

    received = col(Claim.received_at)
    serial = col(Claim.reported_serial)
    in_scope_before: ColumnElement[bool] = received < fix_at
    in_scope_after: ColumnElement[bool] = received >= fix_at
    if ca.batch:
        in_scope_before = in_scope_before & in_batch(serial, ca.batch, drop)
        if not first:
            in_scope_after = in_scope_after & in_batch(serial, ca.batch, drop)
    if first:
        in_scope_after = in_scope_after & (serial >= first)
    claims_row = (
        await session.execute(
            select(_count_if(in_scope_before), _count_if(in_scope_after)).where(
                col(Claim.product_model_id) == ca.product_model_id,
                received >= start,
                received < end,
            )
        )
    ).one()

    sold = col(Unit.sale_date)
    unit_serial = col(Unit.serial_number)
    units_before: ColumnElement[bool] = sold < w.fix_on
    units_after: ColumnElement[bool] = sold >= w.fix_on
    if ca.batch:
        units_before = units_before & in_batch(unit_serial, ca.batch, drop)
        if not first:
            units_after = units_after & in_batch(unit_serial, ca.batch, drop)
    if first:
        units_after = units_after & (unit_serial >= first)
    units_row = (
        await session.execute(
            select(_count_if(units_before), _count_if(units_after)).where(
                col(Unit.product_model_id) == ca.product_model_id,
                sold >= w.before_from,
                sold < w.after_to,
            )
        )
    ).one()
    return figures(
        claims_before=int(claims_row[0]),
        claims_after=int(claims_row[1]),
        units_before=int(units_row[0]),
        units_after=int(units_row[1]),
        window=w,
        reduction=settings.corrective_effective_reduction,
    )


async def check_effectiveness(
    session: AsyncSession,
    ca: CorrectiveAction,
    *,
    today: date,
    actor: str,
    settings: Settings,
) -> dict[str, Any]:
    """Measure, store the figures on `ca` and, when they decide, move it to `effective` or
    `not_effective`, with its audit event and outbox rows. Does not commit: the caller does
    (the SLA sweep may check several records in one transaction). `ca` must be verifying and
    should be loaded with a lock (`records.load(..., lock=True)`)."""
    if ca.state != CorrectiveState.verifying:
        raise Conflict(f"{ca.number} is {ca.state}, not verifying.")
    result = await measure(session, ca, today=today, settings=settings)
    ca.effectiveness = result
    ca.effectiveness_checked_at = datetime.now(UTC)
    if result["result"] == INSUFFICIENT:
        records.touch(ca)
        records.audit(session, ca, actor=actor, action="effectiveness_measured", payload=result)
        records.updated(session, ca, fields=["effectiveness"])
        return result
    target = CorrectiveState(result["result"])
    records.move(session, ca, target, actor=actor, action="check_effectiveness", payload=result)
    return result
