"""The plant's calendar: the local date of a moment, and working days.

A working day is what the country's public calendar says (the ``holidays`` library, which knows
moved days off and transferred working Saturdays, e.g. Russia's 1 November 2025), overridden by
the company's own dates: ``CLAIMS_HOLIDAYS`` are days off, ``CLAIMS_WORKING_DATES`` days worked.
Without a country, Monday to Friday are working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from holidays import HolidayBase, country_holidays

from app.config import Settings

DAY = timedelta(days=1)
# next_working_day gives up after this many days: a calendar without working days is a mistake.
_SEARCH_LIMIT = 3660


def local_date(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def today(settings: Settings) -> date:
    return local_date(datetime.now(UTC), settings)


def local_moment(value: datetime, settings: Settings) -> datetime:
    """A naive time is the plant's wall-clock time; an aware one stays what it says."""
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(settings.timezone))


# Dates a caller may ask about (listing and report filters): wide, but every instant of them
# converts to UTC and fits both databases. Stored dates are bound tighter (received_range).
FILTER_EARLIEST, FILTER_LATEST = date(1970, 1, 1), date(2199, 12, 31)


def filter_range(settings: Settings) -> tuple[datetime, datetime]:
    """The local midnights that start FILTER_EARLIEST and end FILTER_LATEST."""
    zone = ZoneInfo(settings.timezone)
    start = datetime.combine(FILTER_EARLIEST, time(), tzinfo=zone)
    return start, datetime.combine(FILTER_LATEST + DAY, time(), tzinfo=zone)


def received_range(settings: Settings, now: datetime) -> tuple[datetime, datetime]:
    """When a claim (or a message, or a letter sent) may say it happened: from the local
    midnight of CLAIMS_EARLIEST_RECEIVED_AT up to a little ahead of the server's clock."""
    zone = ZoneInfo(settings.timezone)
    earliest = datetime.combine(settings.earliest_received_at, time(), tzinfo=zone)
    return earliest, now + timedelta(seconds=settings.received_at_max_ahead_seconds)


def out_of_range(moment: datetime, settings: Settings, now: datetime) -> str | None:
    """Why an aware `moment` is not an acceptable date of receipt, or None. Compared as it
    is: converting a time at the edge of the calendar (year 9999, -14:00) to UTC overflows."""
    earliest, latest = received_range(settings, now)
    if moment < earliest:
        return f"must not be before {settings.earliest_received_at.isoformat()}"
    if moment > latest:
        seconds = settings.received_at_max_ahead_seconds
        return f"must not be more than {seconds} seconds ahead of the service's clock"
    return None


@dataclass(frozen=True, slots=True, eq=False)
class Calendar:
    """Working days: a country's public calendar (or plain weekends) with the company's dates.

    Build it with ``calendar(settings)`` in the application; the constructor and ``of`` are for
    tests and scripts. The country's years are computed by the library on first use.
    """

    country: HolidayBase | None = None
    holidays: frozenset[date] = frozenset()
    working_dates: frozenset[date] = frozenset()

    @classmethod
    def of(
        cls,
        country: str = "",
        subdivision: str | None = None,
        *,
        holidays: Iterable[date] = (),
        working_dates: Iterable[date] = (),
    ) -> Calendar:
        return cls(
            country=country_holidays(country, subdiv=subdivision) if country else None,
            holidays=frozenset(holidays),
            working_dates=frozenset(working_dates),
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.working_dates:
            return True
        if day in self.holidays:
            return False
        if self.country is None:
            return day.weekday() < 5
        return self.country.is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """``day`` itself when it is a working day, else the next one."""
        for _ in range(_SEARCH_LIMIT):
            if self.is_working_day(day):
                return day
            day += DAY
        raise ValueError("no working day within ten years: check the calendar settings")

    def add_working_days(self, start: date, n: int) -> date:
        """The date ``n`` working days after ``start`` (``start`` itself does not count)."""
        if n < 0:
            raise ValueError("n must not be negative")
        day = start
        for _ in range(n):
            day = self.next_working_day(day + DAY)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``: how many working days ``end`` is after ``start``.

        Negative when ``end`` is before ``start``, so that
        ``working_days_between(d, add_working_days(d, n)) == n`` and the sign says which
        side of a deadline a day is on.
        """
        if end < start:
            return -self.working_days_between(end, start)
        count = 0
        day = start + DAY
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += DAY
        return count


def calendar(settings: Settings) -> Calendar:
    """The calendar of these settings, built once and shared (registration is a hot path)."""
    return _calendar(
        settings.calendar_country,
        settings.calendar_subdivision,
        tuple(settings.holidays),
        tuple(settings.working_dates),
    )


# Keyed by the settings' values rather than the Settings object: tests copy and change
# settings, and a copy with the same calendar should share it.
@lru_cache(maxsize=8)
def _calendar(
    country: str,
    subdivision: str | None,
    holidays: tuple[date, ...],
    working_dates: tuple[date, ...],
) -> Calendar:
    return Calendar.of(country, subdivision, holidays=holidays, working_dates=working_dates)
