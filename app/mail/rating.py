"""A rating (1 to 5) in a customer's reply to the closure letter, and the comment around it.

The closure letter asks the customer to reply with a rating from 1 to 5 and a comment. People
answer "5", "5 - всё отлично", "Оценка: 4", "vērtējums 4", "оценявам с 5", "rating: 4/5",
"5 из 5", "4 no 5". The parser reads only the start of the fresh text (the quoted history is
already removed, app/mail/text.py) and refuses any number that is part of something else: a
date (4.12.2026, 4/5/2026), a decimal (4.5), a quantity ("2 рабочих дня", "3 из 5 насосов"),
a serial or a phone number. A reply it cannot read is still filed as a message: a person
reads it anyway (a reply on a closed claim waits for review).

Pure: text in, (rating, comment) out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Only the first lines count: a rating further down is more likely a number about something else.
HEAD_LINES = 3

_DIGIT = r"(?P<rating>[1-5])"
# "/5", "из 5", "от 5" (bg), "no 5" (lv), "out of 5", "of 5".
_OUT_OF = r"\s*(?:/|из|от|no|out\s+of|of)\s*5"
# The digit is not part of a longer number, a date, a decimal, a range or a phone number.
_NOT_BEFORE = r"(?<![\w.,/+\-])"
_NOT_AFTER = r"(?![\w]|[.,/:\-]\d)"

_KEYWORDS = (
    # ru
    r"оценк[аиуео]й?|оцениваю|ставлю|"
    # bg
    r"оценката|оценявам|"
    # lv (with and without diacritics)
    r"(?:no)?v[eē]rt[eē]jum[su]?|(?:no)?v[eē]rt[eē]ju|atz[iī]m[eiī]|"
    # en
    r"rating|rated|score|grade"
)
_KEYWORD = re.compile(
    rf"(?<!\w)(?:{_KEYWORDS})(?!\w)"
    r"(?:\s*[:=\-–—]\s*|\s+)"
    r"(?:(?:на|с|със|е|ar|ir|it|is|as|a|with)\s+)?"
    rf"{_NOT_BEFORE}{_DIGIT}(?:{_OUT_OF})?{_NOT_AFTER}",
    re.IGNORECASE,
)
# "4/5", "5 из 5" on its own: only when nothing but punctuation follows, so "3 из 5 насосов"
# (three pumps of five) is not read as a rating.
_FRACTION = re.compile(
    rf"{_NOT_BEFORE}{_DIGIT}{_OUT_OF}{_NOT_AFTER}(?=[ \t]*(?:$|[.,!;:)(\-–—]))",
    re.IGNORECASE | re.MULTILINE,
)
# A line that starts with the digit: alone ("5", "5!") or followed by a dash, colon or comma
# and the comment ("5 - всё отлично"). "2 рабочих дня" and "4. Насос" (a numbered list) are not.
_ALONE = re.compile(
    rf"^[ \t]*{_DIGIT}(?:[ \t]*[.!)]*[ \t]*$|[ \t]*[\-–—:,][ \t]+(?=\S))",
    re.MULTILINE,
)
_LEADING_SEPARATORS = " \t.,;:!)-–—"


@dataclass(frozen=True, slots=True)
class RatingReply:
    rating: int
    comment: str | None


def _head(text: str) -> str:
    """The text up to the end of its HEAD_LINES-th non-empty line."""
    for seen, match in enumerate(re.finditer(r"[^\n]*\S[^\n]*(?:\n|$)", text), start=1):
        if seen == HEAD_LINES:
            return text[: match.end()]
    return text


def _comment(text: str, start: int, end: int) -> str | None:
    """The text without the rating: cut where it opens a line, kept where a sentence holds it
    ("Спасибо, оценка 5." reads as a whole)."""
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].strip():
        comment = text
    else:
        rest = text[end:]
        line_end = rest.find("\n")
        line_rest = rest if line_end < 0 else rest[:line_end]
        stripped = line_rest.lstrip(_LEADING_SEPARATORS)
        comment = text[:line_start] + stripped + ("" if line_end < 0 else rest[line_end:])
    comment = re.sub(r"\n{3,}", "\n\n", comment).strip()
    return comment or None


def parse_rating(text: str) -> RatingReply | None:
    """The rating near the start of `text` (the fresh part of a reply), or None."""
    head = _head(text or "")
    found = [m for pattern in (_KEYWORD, _FRACTION, _ALONE) if (m := pattern.search(head))]
    if not found:
        return None
    match = min(found, key=lambda m: m.start())
    return RatingReply(
        rating=int(match.group("rating")),
        comment=_comment(text, match.start(), match.end()),
    )
