"""Dates, numbers and plural forms from CLDR through Babel, for the service's languages.

Pure. Letters, the public pages and the reminders all format through here, so "0,5" in
Russian, "1 minute" against "2 minutes" and the month names (Bulgarian's too) come from the
same locale data instead of tables of our own.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_currency as babel_format_currency
from babel.numbers import format_decimal as babel_format_decimal

NBSP = "\u00a0"

# British English: "27 November 2026", "Mr" without a full stop.
_LOCALES = {"en": "en_GB", "ru": "ru", "lv": "lv", "bg": "bg"}
_DEFAULT = "en"


def _primary(lang: str | None) -> str:
    primary = (lang or "").strip().lower().replace("_", "-").split("-", 1)[0]
    return primary if primary in _LOCALES else _DEFAULT


@lru_cache(maxsize=16)
def locale(lang: str | None) -> Locale:
    """The CLDR locale for a language tag; an unknown one is English."""
    return Locale.parse(_LOCALES[_primary(lang)])


def format_date(value: date | datetime | None, lang: str | None) -> str:
    """A date as running text writes it: "27 ноября 2026 г.", "27 November 2026".

    Latvian is numeric ("27.11.2026"): a spelled-out Latvian date changes case after
    prepositions ("no 2026. gada 27. novembra"), which a template cannot know.
    Spaces are ordinary ones; typography (non-breaking spaces) is the renderer's business.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    code = _primary(lang)
    pattern = "dd.MM.yyyy" if code == "lv" else "long"
    text = babel_format_date(value, pattern, locale=locale(code))
    return text.replace("\u202f", " ").replace(NBSP, " ")


def country_name(code: str, lang: str | None) -> str:
    """An ISO 3166 country code as the language names the country ("RU" -> "Россия" in ru,
    "Krievija" in lv); a code CLDR does not know is printed as it is."""
    return str(locale(lang).territories.get(code.strip().upper(), code))


def format_decimal(value: int | float | Decimal, lang: str | None) -> str:
    """A number with the language's separators: "85 000", "0,5" (ru), "85,000", "0.5" (en).

    The group separator is a non-breaking space where the language groups with a space.
    """
    return babel_format_decimal(value, locale=locale(lang)).replace("\u202f", NBSP)


def plural_category(count: int | float | Decimal, lang: str | None) -> str:
    """CLDR's plural category of `count` in `lang`: "one", "few", "many", "zero" or "other"."""
    return str(locale(lang).plural_form(count))


def plural(count: int | float | Decimal, forms: Mapping[str, str], lang: str | None) -> str:
    """The form of a word for `count`: forms keyed by CLDR category, "other" required.

    `plural(5, {"one": "минута", "few": "минуты", "many": "минут", "other": "минуты"}, "ru")`
    """
    return forms.get(plural_category(count, lang)) or forms["other"]


def format_money(amount: Decimal, currency: str, lang: str | None) -> str:
    """An amount with its ISO currency as the language writes it ("1 250,00 €" in lv, "€1,250.00"
    in en), with non-breaking spaces inside it and before the currency."""
    text = babel_format_currency(amount, currency, locale=locale(lang))
    return text.replace("\u202f", NBSP).replace(" ", NBSP)
