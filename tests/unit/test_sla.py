"""SLA arithmetic across weekends and holidays, with a controllable clock.

Calendars used: 2026-11-23 is a Monday; WEEKENDS has no holidays, HOLIDAYS has 2026-12-24/25
(Thu/Fri), 2026-12-31 and 2027-01-01 as the company's own days off.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.sla import clock as sla
from app.sla.clock import ResolutionClock, SlaStatus
from app.workdays import Calendar
from tests.support.clock import FakeClock

DAY = timedelta(days=1)
WEEKENDS = Calendar()
HOLIDAYS = Calendar(
    holidays=frozenset(
        {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 1)}
    )
)


def at(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=UTC)


# --- the calendar behind the clock ----------------------------------------------------


def test_a_country_calendar_drives_working_time() -> None:
    lv = Calendar.of("LV")
    # 18 November (Wednesday) is Latvia's Proclamation Day.
    assert sla.add_working_time(at(2026, 11, 17, 10), DAY, lv) == at(2026, 11, 19, 10)
    assert sla.working_time_between(at(2026, 11, 16), at(2026, 11, 20), lv) == 3 * DAY


def test_a_transferred_working_saturday_counts() -> None:
    ru = Calendar.of("RU")
    # Friday 31 October 2025 + 1 working day: Saturday 1 November was worked in Russia.
    assert sla.add_working_time(at(2025, 10, 31, 10), DAY, ru) == at(2025, 11, 1, 10)
    assert sla.add_working_time(at(2025, 10, 31, 10), DAY, WEEKENDS) == at(2025, 11, 3, 10)


def test_a_calendar_without_working_days_is_refused() -> None:
    class Never:
        def is_working_day(self, day: date, /) -> bool:
            return False

        def working_days_between(self, start: date, end: date, /) -> int:
            return 0

    with pytest.raises(ValueError):
        sla.add_working_time(at(2026, 1, 1), DAY, Never())


# --- working time ----------------------------------------------------------------


def test_add_working_time_over_a_weekend() -> None:
    assert sla.add_working_time(at(2026, 11, 27, 10), 3 * DAY, WEEKENDS) == at(2026, 12, 2, 10)
    assert sla.add_working_time(at(2026, 11, 23, 9), 10 * DAY, WEEKENDS) == at(2026, 12, 7, 9)


def test_add_working_time_over_holidays() -> None:
    assert sla.add_working_time(at(2026, 12, 23, 10), 3 * DAY, HOLIDAYS) == at(2026, 12, 30, 10)
    # Without the holiday list the same target ends two days earlier.
    assert sla.add_working_time(at(2026, 12, 23, 10), 3 * DAY, WEEKENDS) == at(2026, 12, 28, 10)


def test_start_on_a_weekend_begins_on_monday() -> None:
    assert sla.add_working_time(at(2026, 11, 28, 15), DAY, WEEKENDS) == at(2026, 12, 1)
    assert sla.add_working_time(at(2026, 11, 28, 15), timedelta(0), WEEKENDS) == at(2026, 11, 30)


def test_working_time_between_is_the_inverse() -> None:
    start = at(2026, 12, 22, 16, 30)
    for days in (1, 2, 3, 5, 8):
        end = sla.add_working_time(start, days * DAY, HOLIDAYS)
        assert sla.working_time_between(start, end, HOLIDAYS) == days * DAY
    assert sla.working_time_between(at(2026, 11, 28), at(2026, 11, 30), WEEKENDS) == timedelta(0)
    assert sla.working_time_between(at(2026, 11, 30), at(2026, 11, 28), WEEKENDS) == timedelta(0)
    assert sla.working_time_between(at(2026, 12, 1), at(2026, 11, 30, 12), WEEKENDS) == -timedelta(
        hours=12
    )


def test_time_zone_moves_the_day_boundaries() -> None:
    riga = ZoneInfo("Europe/Riga")  # UTC+2 in winter
    # Friday 23:30 UTC is already Saturday 01:30 in Riga.
    friday_late = at(2026, 11, 27, 23, 30)
    assert sla.add_working_time(friday_late, DAY, WEEKENDS) == at(2026, 11, 30, 23, 30)
    assert sla.add_working_time(friday_late, DAY, WEEKENDS, tz=riga) == at(2026, 11, 30, 22)


def test_naive_datetimes_and_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        sla.add_working_time(datetime(2026, 1, 5), DAY, WEEKENDS)
    with pytest.raises(ValueError):
        sla.add_working_time(at(2026, 1, 5), -DAY, WEEKENDS)


# --- resolution clock -----------------------------------------------------------------


def test_resolution_clock_pauses_and_resumes_with_paused_time_recorded() -> None:
    clock = FakeClock(at(2026, 11, 23, 9))
    rc = ResolutionClock.start(clock.now, 10 * DAY, WEEKENDS)
    assert rc.due_at == at(2026, 12, 7, 9)
    assert rc.status(clock.now, DAY, WEEKENDS) is SlaStatus.on_track

    clock.set(at(2026, 11, 25, 9))  # two working days used; the claim waits for the customer
    rc = rc.pause(clock.now, WEEKENDS)
    assert rc.is_paused and rc.remaining == 8 * DAY
    assert rc.pause(clock.advance(hours=1), WEEKENDS) is rc  # pausing twice changes nothing

    clock.set(at(2026, 11, 30, 9))  # customer answered after five calendar days
    assert rc.status(clock.now, DAY, WEEKENDS) is SlaStatus.paused
    assert rc.paused_so_far(clock.now) == 5 * DAY
    rc = rc.resume(clock.now, WEEKENDS)
    assert not rc.is_paused
    assert rc.paused_total == 5 * DAY
    assert rc.due_at == at(2026, 12, 10, 9)  # 8 working days after Monday 30th
    assert rc.resume(clock.now, WEEKENDS) is rc

    assert rc.status(at(2026, 12, 9, 8), DAY, WEEKENDS) is SlaStatus.on_track
    assert rc.status(at(2026, 12, 9, 10), DAY, WEEKENDS) is SlaStatus.due_soon
    assert rc.status(at(2026, 12, 10, 9), DAY, WEEKENDS) is SlaStatus.overdue


def test_pause_over_holidays_does_not_cost_working_time() -> None:
    rc = ResolutionClock.start(at(2026, 12, 21, 12), 5 * DAY, HOLIDAYS)
    # Mon 21 12:00 + 5 wd: Tue 22, Wed 23, (24/25 and the weekend), Mon 28, Tue 29, Wed 30
    assert rc.due_at == at(2026, 12, 30, 12)
    rc = rc.pause(at(2026, 12, 23, 12), HOLIDAYS)
    assert rc.remaining == 3 * DAY
    rc = rc.resume(at(2026, 12, 28, 12), HOLIDAYS)
    # Mon 28 12:00 + 3 wd skipping 31 Dec and 1 Jan → Mon 4 Jan 12:00
    assert rc.due_at == at(2027, 1, 4, 12)
    assert rc.paused_total == 5 * DAY


def test_paused_while_overdue_stays_overdue_after_resume() -> None:
    rc = ResolutionClock.start(at(2026, 11, 23, 9), DAY, WEEKENDS)
    rc = rc.pause(at(2026, 11, 26, 9), WEEKENDS)
    assert rc.remaining is not None and rc.remaining < timedelta(0)
    rc = rc.resume(at(2026, 11, 27, 9), WEEKENDS)
    assert rc.due_at == at(2026, 11, 24, 9)
    assert rc.status(at(2026, 11, 27, 9), DAY, WEEKENDS) is SlaStatus.overdue
    assert rc.paused_total == DAY


def test_classify_instant_due_soon_counts_working_time_only() -> None:
    due = at(2026, 11, 30, 9)  # Monday
    # Friday 12:00: 12 + 9 = 21 working hours left, within one working day.
    assert sla.classify_instant(at(2026, 11, 27, 12), due, DAY, WEEKENDS) is SlaStatus.due_soon
    assert sla.classify_instant(at(2026, 11, 26, 12), due, DAY, WEEKENDS) is SlaStatus.on_track
    assert sla.classify_instant(due, due, DAY, WEEKENDS) is SlaStatus.overdue


# --- acknowledgement ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "acknowledged", "expected"),
    [
        (date(2026, 11, 23), False, SlaStatus.on_track),  # received Monday, due Thursday
        (date(2026, 11, 25), False, SlaStatus.due_soon),  # one working day left
        (date(2026, 11, 26), False, SlaStatus.due_soon),  # the due date itself
        (date(2026, 11, 27), False, SlaStatus.overdue),
        (date(2026, 12, 1), True, SlaStatus.met),
    ],
)
def test_acknowledgement_status(today: date, acknowledged: bool, expected: SlaStatus) -> None:
    received = date(2026, 11, 23)
    due = WEEKENDS.add_working_days(received, 3)
    assert due == date(2026, 11, 26)
    status = sla.acknowledgement_status(
        today=today, due_date=due, acknowledged=acknowledged, calendar=WEEKENDS
    )
    assert status is expected


def test_acknowledgement_due_soon_skips_a_holiday() -> None:
    # Due Monday 28 Dec; on Wednesday 23rd the 24th/25th holidays and the weekend intervene.
    status = sla.acknowledgement_status(
        today=date(2026, 12, 23),
        due_date=date(2026, 12, 28),
        acknowledged=False,
        calendar=HOLIDAYS,
    )
    assert status is SlaStatus.due_soon
    far = sla.acknowledgement_status(
        today=date(2026, 12, 23),
        due_date=date(2026, 12, 28),
        acknowledged=False,
        calendar=WEEKENDS,
    )
    assert far is SlaStatus.on_track


@pytest.mark.parametrize(
    ("calendar", "start"),
    [
        (HOLIDAYS, date(2026, 12, 18)),
        (Calendar.of("LV"), date(2026, 11, 13)),
        (Calendar.of("RU"), date(2025, 10, 29)),
    ],
    ids=["company", "LV", "RU"],
)
def test_sla_agrees_with_the_calendar_working_days(calendar: Calendar, start: date) -> None:
    for n in range(1, 15):
        end = calendar.add_working_days(start, n)
        assert calendar.working_days_between(start, end) == n
        moment = datetime.combine(start, datetime.min.time(), tzinfo=UTC).replace(hour=12)
        later = sla.add_working_time(moment, n * DAY, calendar)
        assert later.date() == end


# --- reminders ------------------------------------------------------------------------------


def test_reminders_are_spaced_and_bounded() -> None:
    clock = FakeClock(at(2026, 11, 23, 9))
    waiting_since = clock.now
    sent, last = 0, None
    moments = []
    for _ in range(40):
        clock.advance(days=1)
        if sla.reminder_due(
            now=clock.now,
            waiting_since=waiting_since,
            last_reminder_at=last,
            reminders_sent=sent,
            after=7 * DAY,
            max_reminders=3,
        ):
            sent, last = sent + 1, clock.now
            moments.append(clock.now)
    assert moments == [at(2026, 11, 30, 9), at(2026, 12, 7, 9), at(2026, 12, 14, 9)]


def test_a_reminder_from_an_earlier_wait_does_not_count() -> None:
    assert not sla.reminder_due(
        now=at(2026, 12, 3),
        waiting_since=at(2026, 12, 1),
        last_reminder_at=at(2026, 11, 20),
        reminders_sent=0,
        after=7 * DAY,
        max_reminders=2,
    )
