"""The plant's calendar: the local date of a moment, and working days (weekends and a
configurable list of holidays)."""

from collections.abc import Collection, Container
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.config import Settings


def local_date(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def today(settings: Settings) -> date:
    return local_date(datetime.now(UTC), settings)


def is_working_day(day: date, holidays: Container[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, n: int, holidays: Collection[date] = ()) -> date:
    """The date `n` working days after `start` (the day of receipt itself does not count)."""
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    remaining = n
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return day


def working_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            count += 1
    return count
