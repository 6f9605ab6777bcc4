"""Warranty evaluation: pure, no I/O, no clock (`today` is passed in).

The warranty runs from the commissioning date when there is one, otherwise from the sale
date, for the model's period plus any months granted by contract; it is void when the
customer broke the operating rules (a void reason is recorded on the unit).
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.enums import WarrantyStatus

OUT_OF_WARRANTY = frozenset({WarrantyStatus.expired, WarrantyStatus.void})


@dataclass(frozen=True)
class WarrantyResult:
    status: WarrantyStatus
    start_date: date | None = None
    end_date: date | None = None
    """The last day covered (inclusive)."""
    reasons: tuple[str, ...] = field(default_factory=tuple)
    void_reason: str | None = None

    @property
    def covered(self) -> bool:
        return self.status is WarrantyStatus.in_warranty


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty_end(start: date, months: int) -> date:
    """Last covered day: 12 months from 15 March 2025 cover up to 14 March 2026."""
    return add_months(start, months) - timedelta(days=1)


def evaluate_warranty(
    *,
    today: date,
    unit_known: bool = True,
    serial: str | None = None,
    sale_date: date | None = None,
    commissioning_date: date | None = None,
    period_months: int | None = None,
    extension_months: int = 0,
    void_reason: str | None = None,
) -> WarrantyResult:
    """Evaluate one unit's warranty on `today`; the reasons are written for people."""
    if not unit_known:
        what = f"serial number {serial}" if serial else "no serial number"
        return WarrantyResult(
            WarrantyStatus.unknown_unit,
            reasons=(f"No unit is registered under {what}; the warranty cannot be checked.",),
        )
    if extension_months < 0 or (period_months is not None and period_months < 0):
        raise ValueError("warranty months cannot be negative")

    reasons: list[str] = []
    if commissioning_date is not None:
        start: date | None = commissioning_date
        reasons.append(f"Warranty runs from the commissioning date {commissioning_date}.")
    elif sale_date is not None:
        start = sale_date
        reasons.append(f"Warranty runs from the sale date {sale_date}.")
    else:
        start = None

    void_reason = (void_reason or "").strip() or None
    end: date | None = None
    if start is not None and period_months is not None:
        months = period_months + extension_months
        end = warranty_end(start, months)
        text = f"The model's warranty period is {period_months} months"
        if extension_months:
            text += f", extended by contract by {extension_months} months"
        reasons.append(f"{text}: covered up to and including {end.isoformat()}.")

    if void_reason is not None:
        reasons.append(f"The warranty is void: {void_reason}")
        return WarrantyResult(WarrantyStatus.void, start, end, tuple(reasons), void_reason)
    if start is None:
        return WarrantyResult(
            WarrantyStatus.unknown_unit,
            reasons=("Neither a sale date nor a commissioning date is recorded for the unit.",),
        )
    if period_months is None or end is None:
        return WarrantyResult(
            WarrantyStatus.unknown_unit,
            start,
            reasons=(*reasons, "The unit's model and so its warranty period are unknown."),
        )
    if start > today:
        reasons.append("The warranty start date lies in the future; treated as covered.")
    if today <= end:
        days = (end - today).days
        reasons.append(f"In warranty on {today.isoformat()}: {days} day(s) left.")
        return WarrantyResult(WarrantyStatus.in_warranty, start, end, tuple(reasons))
    reasons.append(f"Expired {(today - end).days} day(s) before {today.isoformat()}.")
    return WarrantyResult(WarrantyStatus.expired, start, end, tuple(reasons))
