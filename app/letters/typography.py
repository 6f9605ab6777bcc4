"""Non-breaking spaces where a formal letter must not break a line. Pure.

After "№" (and "No.", "Nr."), between initials and the surname ("И. С. Петрову"), inside
numbers ("85 000"), phone numbers and dates ("27 ноября 2026 г."), and between a number and
the word it counts ("5 дней"). render.py applies it to the text of every rendered letter, so kind
templates and the values they print need nothing of their own.
"""

from __future__ import annotations

import re

NBSP = "\u00a0"

_SIGN = re.compile(r"(№|\bNo\.|\bNr\.) (?=\S)")
# One capital letter and a full stop, not part of a word ("7М." is not an initial).
_INITIAL = re.compile(r"(?<![\w\-])([^\W\d_]\.) (?=[^\W\d_])")
_GROUPS = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")
_NUMBER_WORD = re.compile(r"(?<=\d) (?=[^\W\d_])")
_WORD_YEAR = re.compile(r"(?<=[^\W\d_]) (?=\d{4}(?!\d))")
# An international phone number as printed ("+371 2611 2233") is one unit.
_PHONE = re.compile(r"\+\d{1,3}(?: \d{1,4})+(?:-\d{2,4})*")
_TAG = re.compile(r"(<[^>]*>)")
_RAW = re.compile(r"<(style|script)\b", re.IGNORECASE)


def _initial(match: re.Match[str]) -> str:
    following = match.string[match.end()]
    if match.group(1)[0].isupper() and following.isupper():
        return match.group(1) + NBSP
    return match.group(0)


def nbsp(text: str) -> str:
    """`text` with the spaces that must not break made non-breaking."""
    text = _PHONE.sub(lambda m: m.group(0).replace(" ", NBSP), text)
    text = _SIGN.sub(lambda m: m.group(1) + NBSP, text)
    text = _INITIAL.sub(_initial, text)
    text = _GROUPS.sub(NBSP, text)
    text = _NUMBER_WORD.sub(NBSP, text)
    return _WORD_YEAR.sub(NBSP, text)


def nbsp_html(html: str) -> str:
    """`nbsp` on the text of an HTML document, leaving tags, styles and scripts alone."""
    out: list[str] = []
    raw: str | None = None
    for part in _TAG.split(html):
        if part.startswith("<"):
            if raw is not None:
                if part.lower().startswith(f"</{raw}"):
                    raw = None
            else:
                opened = _RAW.match(part)
                raw = opened.group(1).lower() if opened else None
            out.append(part)
        else:
            out.append(part if raw is not None else nbsp(part))
    return "".join(out)
