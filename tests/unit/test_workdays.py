from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.workdays import Calendar, calendar, local_date, local_moment, out_of_range

MON = date(2026, 11, 23)
WEEKENDS = Calendar()
LV = Calendar.of("LV")
RU = Calendar.of("RU")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (MON, 3, date(2026, 11, 26)),  # Mon + 3 = Thu
        (date(2026, 11, 26), 3, date(2026, 12, 1)),  # Thu + 3 crosses the weekend: Tue
        (date(2026, 11, 28), 1, date(2026, 11, 30)),  # received on Saturday: Monday
        (date(2026, 11, 27), 5, date(2026, 12, 4)),  # Fri + 5 = next Fri
        (MON, 0, MON),
    ],
)
def test_add_working_days_skips_weekends(start: date, n: int, expected: date) -> None:
    assert WEEKENDS.add_working_days(start, n) == expected


def test_company_holidays_are_skipped() -> None:
    cal = Calendar(holidays=frozenset({date(2026, 11, 24), date(2026, 11, 25)}))
    assert cal.add_working_days(MON, 3) == date(2026, 11, 30)
    assert not cal.is_working_day(date(2026, 11, 24))


def test_latvian_new_year_holidays_across_year_end() -> None:
    # 24-26 and 31 December and 1 January are Latvian public holidays.
    # Wed 23 Dec + 3: Mon 28, Tue 29, Wed 30.
    assert LV.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)
    # + 5: Mon 28 … Thu 31 is a holiday, Fri 1 a holiday → Mon 4, Tue 5.
    assert LV.add_working_days(date(2026, 12, 23), 5) == date(2027, 1, 5)


def test_latvian_proclamation_day_is_not_a_working_day() -> None:
    assert not LV.is_working_day(date(2026, 11, 18))  # Wednesday
    assert LV.is_working_day(date(2026, 11, 17))
    assert LV.add_working_days(date(2026, 11, 16), 3) == date(2026, 11, 20)
    assert WEEKENDS.add_working_days(date(2026, 11, 16), 3) == date(2026, 11, 19)


def test_russian_transferred_working_saturday() -> None:
    # 2025: Saturday 1 November was worked, the day off moved to Monday 3 November,
    # and 4 November is National Unity Day. A list of days off cannot say this.
    assert RU.is_working_day(date(2025, 11, 1))
    assert not RU.is_working_day(date(2025, 11, 3))
    assert not RU.is_working_day(date(2025, 11, 4))
    assert RU.add_working_days(date(2025, 10, 31), 2) == date(2025, 11, 5)
    assert not WEEKENDS.is_working_day(date(2025, 11, 1))


def test_company_dates_override_the_country() -> None:
    cal = Calendar.of(
        "LV",
        holidays=[date(2026, 11, 20)],  # a plant shutdown Friday
        working_dates=[date(2026, 11, 18), date(2026, 11, 21)],  # worked holiday and Saturday
    )
    assert not cal.is_working_day(date(2026, 11, 20))
    assert cal.is_working_day(date(2026, 11, 18))
    assert cal.is_working_day(date(2026, 11, 21))
    assert not cal.is_working_day(date(2026, 11, 22))  # Sunday, not listed
    # Mon 16 + 5: Tue 17, Wed 18, Thu 19, (Fri 20 off) Sat 21, Mon 23.
    assert cal.add_working_days(date(2026, 11, 16), 5) == date(2026, 11, 23)


def test_working_days_between() -> None:
    assert WEEKENDS.working_days_between(MON, date(2026, 11, 30)) == 5
    assert WEEKENDS.working_days_between(MON, MON) == 0
    assert WEEKENDS.working_days_between(date(2026, 11, 28), date(2026, 11, 29)) == 0


def test_working_days_between_is_negative_when_end_is_before_start() -> None:
    assert WEEKENDS.working_days_between(date(2026, 11, 30), MON) == -5
    assert WEEKENDS.working_days_between(date(2026, 12, 2), date(2026, 11, 27)) == -3
    assert LV.working_days_between(date(2026, 11, 20), date(2026, 11, 16)) == -3


@pytest.mark.parametrize("cal", [WEEKENDS, LV, RU], ids=["weekends", "LV", "RU"])
def test_working_days_between_inverts_add_working_days(cal: Calendar) -> None:
    start = date(2025, 10, 20)
    for offset in range(0, 120, 3):
        d = start + timedelta(days=offset)
        for n in range(0, 12):
            later = cal.add_working_days(d, n)
            assert cal.working_days_between(d, later) == n, (d, n)
            assert cal.working_days_between(later, d) == -n, (d, n)


def test_next_working_day() -> None:
    assert WEEKENDS.next_working_day(date(2026, 11, 28)) == date(2026, 11, 30)
    assert WEEKENDS.next_working_day(MON) == MON
    assert LV.next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)


def test_a_calendar_without_working_days_is_refused() -> None:
    everything = frozenset(date(2026, 1, 1) + timedelta(days=i) for i in range(4000))
    with pytest.raises(ValueError):
        Calendar(holidays=everything).next_working_day(date(2026, 1, 1))


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError):
        WEEKENDS.add_working_days(MON, -1)


# --- from the settings ----------------------------------------------------------------


def test_settings_build_one_shared_calendar() -> None:
    settings = Settings(
        calendar_country="lv",
        holidays="2026-11-20",  # type: ignore[arg-type]  # as the environment gives it
        working_dates="2026-11-21, 2026-11-28",  # type: ignore[arg-type]
    )
    assert settings.calendar_country == "LV"
    assert settings.working_dates == [date(2026, 11, 21), date(2026, 11, 28)]
    cal = calendar(settings)
    assert calendar(settings.model_copy()) is cal
    assert not cal.is_working_day(date(2026, 11, 18))
    assert not cal.is_working_day(date(2026, 11, 20))
    assert cal.is_working_day(date(2026, 11, 21))
    assert calendar(settings.model_copy(update={"calendar_country": ""})).is_working_day(
        date(2026, 11, 18)
    )


def test_the_default_calendar_is_latvian(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLAIMS_CALENDAR_COUNTRY", raising=False)
    assert Settings(_env_file=None).calendar_country == "LV"  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"calendar_country": "XX"}, "CLAIMS_CALENDAR_COUNTRY='XX' is not a country"),
        (
            {"calendar_country": "LV", "calendar_subdivision": "ZZ"},
            "CLAIMS_CALENDAR_SUBDIVISION='ZZ' is not a subdivision of LV",
        ),
        ({"calendar_country": "", "calendar_subdivision": "CA"}, "needs CLAIMS_CALENDAR_COUNTRY"),
        (
            {"holidays": [date(2026, 11, 21)], "working_dates": [date(2026, 11, 21)]},
            "CLAIMS_HOLIDAYS and CLAIMS_WORKING_DATES both list 2026-11-21",
        ),
    ],
)
def test_bad_calendar_settings_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**fields)  # type: ignore[arg-type]


def test_unknown_country_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_CALENDAR_COUNTRY", "Latvia")
    with pytest.raises(ValidationError, match="CLAIMS_CALENDAR_COUNTRY='LATVIA'"):
        Settings()


# ---- dates in range (issue 17) -----------------------------------------------------------

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def _zone(hours: int) -> timezone:
    return timezone(timedelta(hours=hours))


@pytest.mark.parametrize(
    ("moment", "problem"),
    [
        (datetime(9999, 12, 31, 23, tzinfo=_zone(-14)), "ahead"),  # its UTC overflows
        (datetime(1, 1, 1, 0, 30, tzinfo=_zone(14)), "before 2000-01-01"),
        (datetime(1999, 12, 31, 23, 59, 59, tzinfo=ZoneInfo("Europe/Riga")), "before"),
        (datetime(2000, 1, 1, tzinfo=ZoneInfo("Europe/Riga")), None),
        (NOW + timedelta(seconds=300), None),
        (NOW + timedelta(seconds=301), "300 seconds ahead"),
    ],
)
def test_out_of_range(moment: datetime, problem: str | None) -> None:
    found = out_of_range(moment, Settings(), NOW)
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_the_range_is_configurable() -> None:
    settings = Settings(earliest_received_at="2020-01-01", received_at_max_ahead_seconds=0)
    assert out_of_range(datetime(2019, 12, 31, 23, tzinfo=UTC), settings, NOW) is None  # Riga
    assert out_of_range(datetime(2019, 12, 31, 21, tzinfo=UTC), settings, NOW)
    assert out_of_range(NOW + timedelta(seconds=1), settings, NOW)
    with pytest.raises(ValidationError):
        Settings(earliest_received_at="1899-12-31")


@pytest.mark.parametrize(
    ("naive", "utc"),
    [
        (datetime(2026, 1, 1, 0, 30), datetime(2025, 12, 31, 22, 30, tzinfo=UTC)),
        # Summer time begins: 03:30 does not exist in Riga; PEP 495 reads it before the jump.
        (datetime(2026, 3, 29, 3, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        (datetime(2026, 3, 29, 4, 30), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # It ends: 03:30 happens twice; the first (summer) one is meant.
        (datetime(2026, 10, 25, 3, 30), datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
        (datetime(2026, 10, 25, 4, 30), datetime(2026, 10, 25, 2, 30, tzinfo=UTC)),
    ],
)
def test_a_naive_time_is_local(naive: datetime, utc: datetime) -> None:
    assert local_moment(naive, Settings()).astimezone(UTC) == utc
    aware = naive.replace(tzinfo=UTC)
    assert local_moment(aware, Settings()) is aware


@pytest.mark.parametrize(
    ("moment", "zone", "day"),
    [
        (datetime(2025, 12, 31, 22, 30, tzinfo=UTC), "Europe/Riga", date(2026, 1, 1)),
        (datetime(2026, 1, 1, 3, 30, tzinfo=UTC), "America/New_York", date(2025, 12, 31)),
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), "Europe/Riga", date(2026, 3, 29)),
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), "Europe/Riga", date(2026, 3, 30)),
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), "Europe/Riga", date(2026, 10, 25)),
        (datetime(2026, 10, 25, 21, 30, tzinfo=UTC), "Europe/Riga", date(2026, 10, 25)),
        (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "America/New_York", date(2026, 3, 8)),
        (datetime(2026, 11, 1, 4, 30, tzinfo=UTC), "America/New_York", date(2026, 11, 1)),
    ],
)
def test_local_date_east_and_west_and_across_dst(moment: datetime, zone: str, day: date) -> None:
    assert local_date(moment, Settings(timezone=zone)) == day
