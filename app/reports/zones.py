"""UTC-offset segments of a time zone, so SQLite can find local dates exactly.

SQLite knows no zone names. For a period, the zone's offset changes only at a
few known instants (DST), so "the offset at timestamp ts" is a short CASE over
those instants; PostgreSQL uses the zone name instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, literal
from sqlalchemy.sql.expression import ColumnElement


def _offset_minutes(zone: ZoneInfo, at: datetime) -> int:
    delta = at.astimezone(zone).utcoffset() or timedelta(0)
    return int(delta.total_seconds() // 60)


def offset_segments(
    zone: ZoneInfo, start: datetime, end: datetime
) -> tuple[tuple[datetime | None, int], ...]:
    """((until, offset_minutes), ...): the offset before each UTC instant ``until``.

    The last segment has ``until=None`` (open-ended). Transitions are located to
    the minute by bisection after a day-by-day scan, which is fast for decades.
    """
    start = start.astimezone(UTC) - timedelta(days=1)
    end = end.astimezone(UTC) + timedelta(days=1)
    segments: list[tuple[datetime | None, int]] = []
    day = start
    current = _offset_minutes(zone, day)
    while day < end:
        nxt = min(day + timedelta(days=1), end)
        if _offset_minutes(zone, nxt) != current:
            lo, hi = day, nxt  # offset(lo) == current != offset(hi)
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= lo:
                    mid = lo + timedelta(minutes=1)
                if _offset_minutes(zone, mid) == current:
                    lo = mid
                else:
                    hi = mid
            segments.append((hi, current))
            current = _offset_minutes(zone, hi)
        day = nxt
    segments.append((None, current))
    return tuple(segments)


@dataclass(frozen=True)
class Zone:
    """The company's time zone for one report: its name and its offsets over the period."""

    name: str = "UTC"
    segments: tuple[tuple[datetime | None, int], ...] = ((None, 0),)

    @classmethod
    def for_period(cls, name: str, start: datetime, end: datetime) -> Zone:
        return cls(name, offset_segments(ZoneInfo(name), start, end))

    def offset_minutes(self, ts: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQL: the zone's UTC offset in minutes at timestamp ``ts``."""
        bounded = [(ts < until, literal(off)) for until, off in self.segments if until]
        last = literal(self.segments[-1][1])
        return case(*bounded, else_=last) if bounded else last
