"""Dates as a formal letter writes them, per language. Pure; kept apart from the templates'
environment (render.py) so that the PDF workers' signature box can use it without loading the
templates and the models."""

from __future__ import annotations

from datetime import date, datetime

from babel.dates import format_date as babel_format_date

_MONTHS_GENITIVE_RU = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_date(value: date | datetime | None, lang: str) -> str:
    """A date as a formal letter writes it in `lang`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if lang == "ru":
        return f"{value.day} {_MONTHS_GENITIVE_RU[value.month - 1]} {value.year} г."
    if lang == "bg":
        # CLDR's long Bulgarian date is the formal one: "27 ноември 2026 г.".
        return babel_format_date(value, "long", locale="bg")
    if lang == "lv":
        # Numeric: a spelled-out Latvian date changes case after prepositions ("no ... novembra").
        return f"{value.day:02d}.{value.month:02d}.{value.year}"
    return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"
