"""SLA arithmetic: working time, the pausable resolution clock, classification.

Pure: no database, no settings, no clock. Every function takes ``now``
explicitly so tests can walk a claim across weekends and holidays.

Working time is counted on the wall clock of a time zone (UTC unless one is
given): each working day of the calendar (``app.workdays.Calendar``: the
country's public calendar with the company's own dates) contributes its 24
hours, weekends and holidays contribute nothing. A target of "3 working
days" started on Friday 10:00 therefore ends on Wednesday 10:00.

The resolution clock is a stopwatch over that working time. Running, it has a
due instant. Paused (the claim waits for the customer), it remembers how much
working time was left; resuming sets a new due instant that much working time
after the resume, and the wall-clock time spent paused is added up so reports
can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

DAY = timedelta(days=1)
ZERO = timedelta(0)


class WorkingDays(Protocol):
    """What the clock needs of a calendar; ``app.workdays.Calendar`` is the one in use."""

    def is_working_day(self, day: date, /) -> bool: ...

    def working_days_between(self, start: date, end: date, /) -> int: ...


class SlaStatus(StrEnum):
    on_track = "on_track"
    due_soon = "due_soon"
    overdue = "overdue"
    paused = "paused"
    met = "met"


def _wall(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("SLA arithmetic needs aware datetimes")
    return moment.astimezone(tz).replace(tzinfo=None)


def _aware(wall: datetime, tz: tzinfo) -> datetime:
    return wall.replace(tzinfo=tz).astimezone(UTC)


def add_working_time(
    start: datetime,
    amount: timedelta,
    calendar: WorkingDays,
    *,
    tz: tzinfo = UTC,
) -> datetime:
    """The instant at which ``amount`` of working time has passed since ``start`` (UTC)."""
    if amount < ZERO:
        raise ValueError("amount must not be negative")
    current = _wall(start, tz)
    remaining = amount
    for _ in range(100_000):
        day = current.date()
        if not calendar.is_working_day(day):
            current = datetime.combine(day + DAY, time())
            continue
        end_of_day = datetime.combine(day + DAY, time())
        available = end_of_day - current
        if remaining <= available:
            return _aware(current + remaining, tz)
        remaining -= available
        current = end_of_day
    raise ValueError("working-time target too far in the future")


def working_time_between(
    start: datetime,
    end: datetime,
    calendar: WorkingDays,
    *,
    tz: tzinfo = UTC,
) -> timedelta:
    """Working time in ``[start, end)``; negative when ``end`` is before ``start``."""
    if end < start:
        return -working_time_between(end, start, calendar, tz=tz)
    current, stop = _wall(start, tz), _wall(end, tz)
    total = ZERO
    while current < stop:
        end_of_day = datetime.combine(current.date() + DAY, time())
        chunk_end = min(end_of_day, stop)
        if calendar.is_working_day(current.date()):
            total += chunk_end - current
        current = chunk_end
    return total


@dataclass(frozen=True)
class ResolutionClock:
    """The per-claim resolution stopwatch (stored as plain columns).

    ``due_at`` is the current due instant; while paused it keeps the instant
    that applied at the pause (used when the clock was already overdue).
    ``remaining`` is the working time left at the moment of the pause.
    ``paused_total`` is the wall-clock time spent paused over all pauses.
    """

    started_at: datetime
    due_at: datetime
    paused_at: datetime | None = None
    remaining: timedelta | None = None
    paused_total: timedelta = ZERO

    @classmethod
    def start(
        cls,
        now: datetime,
        target: timedelta,
        calendar: WorkingDays,
        *,
        tz: tzinfo = UTC,
    ) -> ResolutionClock:
        return cls(started_at=now, due_at=add_working_time(now, target, calendar, tz=tz))

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    def pause(self, now: datetime, calendar: WorkingDays, *, tz: tzinfo = UTC) -> ResolutionClock:
        """Stop the clock; pausing a paused clock changes nothing."""
        if self.is_paused:
            return self
        left = working_time_between(now, self.due_at, calendar, tz=tz)
        return replace(self, paused_at=now, remaining=left)

    def resume(self, now: datetime, calendar: WorkingDays, *, tz: tzinfo = UTC) -> ResolutionClock:
        """Restart the clock; the working time left at the pause is granted again."""
        if self.paused_at is None:
            return self
        paused_for = max(ZERO, now - self.paused_at)
        remaining = self.remaining if self.remaining is not None else ZERO
        due_at = (
            add_working_time(now, remaining, calendar, tz=tz) if remaining > ZERO else self.due_at
        )
        return replace(
            self,
            due_at=due_at,
            paused_at=None,
            remaining=None,
            paused_total=self.paused_total + paused_for,
        )

    def paused_so_far(self, now: datetime) -> timedelta:
        """Paused wall-clock time including a pause still in progress."""
        current = max(ZERO, now - self.paused_at) if self.paused_at is not None else ZERO
        return self.paused_total + current

    def status(
        self,
        now: datetime,
        due_soon_within: timedelta,
        calendar: WorkingDays,
        *,
        tz: tzinfo = UTC,
    ) -> SlaStatus:
        if self.is_paused:
            return SlaStatus.paused
        return classify_instant(now, self.due_at, due_soon_within, calendar, tz=tz)


def classify_instant(
    now: datetime,
    due_at: datetime,
    due_soon_within: timedelta,
    calendar: WorkingDays,
    *,
    tz: tzinfo = UTC,
) -> SlaStatus:
    """Overdue from ``due_at`` on; due soon with ``due_soon_within`` working time left or less."""
    if now >= due_at:
        return SlaStatus.overdue
    if working_time_between(now, due_at, calendar, tz=tz) <= due_soon_within:
        return SlaStatus.due_soon
    return SlaStatus.on_track


def acknowledgement_status(
    *,
    today: date,
    due_date: date,
    acknowledged: bool,
    calendar: WorkingDays,
    due_soon_days: int = 1,
) -> SlaStatus:
    """The acknowledgement SLA, judged against the 3-working-day due date.

    Met once acknowledged; overdue from the day after the due date (as the
    claims listing counts it; the 5-day limit is a second, harder breach that
    the sweep records separately); due soon when the due date is at most
    ``due_soon_days`` working days away.
    """
    if acknowledged:
        return SlaStatus.met
    if today > due_date:
        return SlaStatus.overdue
    if calendar.working_days_between(today, due_date) <= due_soon_days:
        return SlaStatus.due_soon
    return SlaStatus.on_track


def reminder_due(
    *,
    now: datetime,
    waiting_since: datetime,
    last_reminder_at: datetime | None,
    reminders_sent: int,
    after: timedelta,
    max_reminders: int,
) -> bool:
    """Whether a claim waiting for the customer should get another reminder now.

    The first reminder goes ``after`` the wait began, each next one ``after``
    the previous reminder, and never more than ``max_reminders`` in all.
    """
    if reminders_sent >= max_reminders:
        return False
    since = last_reminder_at if last_reminder_at is not None else waiting_since
    # A reminder sent before the current wait began (an earlier wait) does not count.
    since = max(since, waiting_since)
    return now - since >= after
