"""What a signed letter's visible signature box and signature dictionary say, in its language.

Pure: the signing time is passed in. The box repeats what the signature itself carries (the
approver, the signing time), so that a printed copy still shows that the letter was signed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.letters.dates import format_date

# (heading, "signed on" label) per language; a language without its own falls back to English.
_LABELS: dict[str, tuple[str, str]] = {
    "ru": ("Документ подписан электронной подписью", "Дата подписания:"),
    "lv": ("Dokuments parakstīts ar elektronisko parakstu", "Parakstīts:"),
    "bg": ("Документът е подписан с електронен подпис", "Подписан на:"),
    "en": ("Digitally signed document", "Signed on:"),
}

# The signature's reason: a letter to the customer answers the claim; an internal document
# (the design memo, an act) is only about it.
_REASONS: dict[str, tuple[str, str]] = {
    "ru": ("Ответ на рекламацию", "Документ по рекламации"),
    "lv": ("Atbilde uz reklamāciju", "Dokuments par reklamāciju"),
    "bg": ("Отговор на рекламация", "Документ по рекламация"),
    "en": ("Reply to claim", "Document on claim"),
}


@dataclass(frozen=True, slots=True)
class Seal:
    """What issue knows of the signature before it is made: the approver it names, whether the
    document is internal, and the time zone the box tells the signing time in. The time itself
    is taken where the signature is made (pdf.py), so the box and the signature agree."""

    name: str
    title: str
    internal: bool
    timezone: str


@dataclass(frozen=True, slots=True)
class SealText:
    """The signature's reason and the visible box's lines (already in the letter's language)."""

    reason: str
    heading: str
    name: str
    title: str
    signed_on: str


def _offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def signing_time_text(moment: datetime, lang: str) -> str:
    """The signing time as the box prints it: the letter's date format, the time to the
    minute and the UTC offset, so the reader needs no time zone name."""
    return f"{format_date(moment, lang)} {moment:%H:%M} ({_offset(moment)})"


def box_text(*, lang: str, reason: str, name: str, title: str, moment: datetime) -> SealText:
    """The box's lines in `lang` around a signature made for `reason` (a letter's, or another
    signed document's such as the 8D report)."""
    heading, label = _LABELS.get(lang, _LABELS["en"])
    return SealText(
        reason=reason,
        heading=heading,
        name=name,
        title=title,
        signed_on=f"{label} {signing_time_text(moment, lang)}",
    )


def seal_text(
    *, lang: str, claim_number: str, internal: bool, name: str, title: str, moment: datetime
) -> SealText:
    reply, about = _REASONS.get(lang, _REASONS["en"])
    reason = f"{about if internal else reply} {claim_number}"
    return box_text(lang=lang, reason=reason, name=name, title=title, moment=moment)
