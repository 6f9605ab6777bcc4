from datetime import date

import pytest

from app.catalog.warranty import add_months, evaluate_warranty, warranty_end
from app.enums import WarrantyStatus

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 3, 15), 12, date(2026, 3, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 1), 0, date(2025, 12, 1)),
        (date(2025, 12, 15), 25, date(2028, 1, 15)),
    ],
)
def test_add_months_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


def test_end_date_is_the_last_covered_day() -> None:
    assert warranty_end(date(2025, 3, 15), 12) == date(2026, 3, 14)


def test_in_warranty_from_sale_date_inclusive_of_last_day() -> None:
    result = evaluate_warranty(
        today=date(2026, 3, 14), sale_date=date(2025, 3, 15), period_months=12
    )
    assert result.status is WarrantyStatus.in_warranty and result.covered
    assert result.start_date == date(2025, 3, 15) and result.end_date == date(2026, 3, 14)
    assert any("sale date 2025-03-15" in r for r in result.reasons)
    assert any("0 day(s) left" in r for r in result.reasons)


def test_expired_the_day_after() -> None:
    result = evaluate_warranty(
        today=date(2026, 3, 15), sale_date=date(2025, 3, 15), period_months=12
    )
    assert result.status is WarrantyStatus.expired and not result.covered
    assert any("Expired 1 day(s)" in r for r in result.reasons)


def test_commissioning_date_takes_precedence_over_sale() -> None:
    result = evaluate_warranty(
        today=TODAY,
        sale_date=date(2024, 1, 10),
        commissioning_date=date(2025, 1, 10),
        period_months=24,
    )
    assert result.status is WarrantyStatus.in_warranty
    assert result.start_date == date(2025, 1, 10) and result.end_date == date(2027, 1, 9)
    assert any("commissioning" in r for r in result.reasons)


def test_contract_extension_adds_months() -> None:
    base = evaluate_warranty(today=TODAY, sale_date=date(2024, 6, 1), period_months=24)
    extended = evaluate_warranty(
        today=TODAY, sale_date=date(2024, 6, 1), period_months=24, extension_months=12
    )
    assert base.status is WarrantyStatus.expired and base.end_date == date(2026, 5, 31)
    assert extended.end_date == date(2027, 5, 31)
    assert extended.status is WarrantyStatus.in_warranty
    assert any("extended by contract by 12 months" in r for r in extended.reasons)


def test_void_wins_over_an_open_period() -> None:
    result = evaluate_warranty(
        today=TODAY,
        sale_date=date(2026, 1, 1),
        period_months=24,
        void_reason="Stored outdoors in the rain for a year",
    )
    assert result.status is WarrantyStatus.void
    assert result.void_reason == "Stored outdoors in the rain for a year"
    assert result.end_date == date(2027, 12, 31)
    assert result.reasons[-1] == "The warranty is void: Stored outdoors in the rain for a year"


def test_blank_void_reason_does_not_void() -> None:
    result = evaluate_warranty(
        today=TODAY, sale_date=date(2026, 1, 1), period_months=24, void_reason="   "
    )
    assert result.status is WarrantyStatus.in_warranty and result.void_reason is None


def test_unknown_unit() -> None:
    result = evaluate_warranty(today=TODAY, unit_known=False, serial="X-1")
    assert result.status is WarrantyStatus.unknown_unit
    assert result.end_date is None and "X-1" in result.reasons[0]
    assert "no serial number" in evaluate_warranty(today=TODAY, unit_known=False).reasons[0]


def test_known_unit_without_dates_or_model_cannot_be_evaluated() -> None:
    no_dates = evaluate_warranty(today=TODAY, period_months=12)
    assert no_dates.status is WarrantyStatus.unknown_unit
    assert "Neither a sale date nor a commissioning date" in no_dates.reasons[0]
    no_model = evaluate_warranty(today=TODAY, sale_date=date(2026, 1, 1))
    assert no_model.status is WarrantyStatus.unknown_unit
    assert "model" in no_model.reasons[-1]


def test_future_start_is_covered_with_a_note() -> None:
    result = evaluate_warranty(today=TODAY, sale_date=date(2027, 1, 1), period_months=12)
    assert result.status is WarrantyStatus.in_warranty
    assert any("future" in r for r in result.reasons)


def test_negative_months_are_refused() -> None:
    with pytest.raises(ValueError):
        evaluate_warranty(
            today=TODAY, sale_date=date(2026, 1, 1), period_months=12, extension_months=-1
        )
