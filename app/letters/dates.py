"""Dates as a formal letter writes them, per language. Pure; kept apart from the templates'
environment (render.py) so that the PDF workers' signature box can use it without loading the
templates and the models. The month names and patterns are CLDR's (app/l10n.py)."""

from __future__ import annotations

from datetime import date, datetime

from app import l10n


def format_date(value: date | datetime | None, lang: str) -> str:
    """A date as a formal letter writes it in `lang`: "27 ноября 2026 г.", "27 November 2026",
    "27 ноември 2026 г.", "27.11.2026"."""
    return l10n.format_date(value, lang)
