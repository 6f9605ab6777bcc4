"""Dates, numbers and plural forms from CLDR (app/l10n.py) and the letters' format_date."""

from datetime import UTC, date, datetime

import pytest

from app import l10n
from app.letters.dates import format_date

DAY = date(2026, 11, 27)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("ru", "27 ноября 2026 г."),
        ("bg", "27 ноември 2026 г."),  # Bulgarian month names come with CLDR
        ("en", "27 November 2026"),
        ("lv", "27.11.2026"),
        ("lv-LV", "27.11.2026"),
        ("de", "27 November 2026"),  # unknown: English
    ],
)
def test_dates_per_language(lang: str, expected: str) -> None:
    assert format_date(DAY, lang) == expected
    assert l10n.format_date(datetime(2026, 11, 27, 12, tzinfo=UTC), lang) == expected


def test_no_date_is_empty() -> None:
    assert format_date(None, "ru") == ""


def test_numbers_per_language() -> None:
    assert l10n.format_decimal(0.5, "ru") == "0,5"
    assert l10n.format_decimal(0.5, "en") == "0.5"
    assert l10n.format_decimal(85000, "ru") == "85\u00a0000"
    assert l10n.format_decimal(85000, "lv") == "85\u00a0000"
    assert l10n.format_decimal(85000, "en") == "85,000"


@pytest.mark.parametrize(
    ("lang", "count", "category"),
    [
        ("ru", 1, "one"),
        ("ru", 3, "few"),
        ("ru", 5, "many"),
        ("ru", 11, "many"),
        ("ru", 21, "one"),
        ("lv", 1, "one"),
        ("lv", 10, "zero"),
        ("lv", 2, "other"),
        ("en", 1, "one"),
        ("en", 2, "other"),
        ("bg", 1, "one"),
    ],
)
def test_plural_categories(lang: str, count: int, category: str) -> None:
    assert l10n.plural_category(count, lang) == category


def test_plural_falls_back_to_other() -> None:
    assert l10n.plural(5, {"one": "файла", "other": "файлов"}, "ru") == "файлов"
    assert l10n.plural(1, {"one": "файла", "other": "файлов"}, "ru") == "файла"


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("RU", "ru", "Россия"),
        ("RU", "lv", "Krievija"),
        ("lv", "bg", "Латвия"),
        ("LV", "en", "Latvia"),
    ],
)
def test_a_country_is_named_in_the_letters_language(code: str, lang: str, name: str) -> None:
    assert l10n.country_name(code, lang) == name


def test_an_unknown_country_code_is_printed_as_it_is() -> None:
    assert l10n.country_name("ZZ9", "ru") == "ZZ9"


def test_the_addressee_block_names_the_country_not_its_code() -> None:
    from app.letters.building import address_lines
    from app.models.customers import Customer

    row = Customer(
        name="АО «Северная верфь»",
        street="ул. Корабельная, 6",
        postcode="198096",
        city="Санкт-Петербург",
        country="RU",
    )
    assert address_lines(row, "ru") == ("ул. Корабельная, 6", "198096 Санкт-Петербург", "Россия")
    assert address_lines(row, "lv")[-1] == "Krievija"
