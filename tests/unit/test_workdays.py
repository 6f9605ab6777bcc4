from datetime import date

import pytest

from app.workdays import add_working_days, is_working_day, working_days_between

MON = date(2026, 11, 23)


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
    assert add_working_days(start, n) == expected


def test_holidays_are_skipped() -> None:
    holidays = {date(2026, 11, 24), date(2026, 11, 25)}
    assert add_working_days(MON, 3, holidays) == date(2026, 11, 30)
    assert not is_working_day(date(2026, 11, 24), holidays)


def test_latvian_new_year_holidays_across_year_end() -> None:
    holidays = {date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31), date(2027, 1, 1)}
    # Wed 23 Dec + 3: Mon 28, Tue 29, Wed 30.
    assert add_working_days(date(2026, 12, 23), 3, holidays) == date(2026, 12, 30)
    # + 5: Mon 28 … Thu 31 is a holiday, Fri 1 a holiday → Mon 4, Tue 5.
    assert add_working_days(date(2026, 12, 23), 5, holidays) == date(2027, 1, 5)


def test_working_days_between() -> None:
    assert working_days_between(MON, date(2026, 11, 30)) == 5
    assert working_days_between(MON, MON) == 0
    assert working_days_between(date(2026, 11, 30), MON) == 0


def test_negative_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_days(MON, -1)
