"""Message identifiers (Message-ID, In-Reply-To, References) as RFC 5322 `msg-id`s.

One stored form and one emitted form: the database holds `left@right` without angle brackets,
and everything that leaves the service (the email gateway's payload, webhooks) carries
`<left@right>`. Anything that is not a msg-id is refused by the API and dropped from inbound
mail: an identifier is copied into outbound headers (`In-Reply-To`, `References`), so one
that could hold CR, LF, spaces or brackets would let a sender write headers of their own.

The grammar is RFC 5322's `id-left "@" id-right` with `dot-atom-text` on both sides (or a
`no-fold-literal` on the right), in ASCII; the obsolete forms (quoted strings, comments
inside) are not accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# RFC 5322 3.2.3 atext, and dtext (3.4.1) for a domain literal.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_DOT_ATOM = rf"{_ATEXT}+(?:\.{_ATEXT}+)*"
_LITERAL = r"\[[\x21-\x5a\x5e-\x7e]*\]"
_MSG_ID = re.compile(rf"{_DOT_ATOM}@(?:{_DOT_ATOM}|{_LITERAL})")
# A candidate between angle brackets inside a longer header value (comments, folding).
_BRACKETED = re.compile(r"<([^<>]*)>")

# The stored form fits the 500-character columns with its brackets added.
MAX_LENGTH = 498


def parse(value: str) -> str:
    """The stored form of one msg-id given as `<left@right>` or `left@right` (surrounding
    spaces allowed); ValueError for anything else."""
    text = value.strip(" \t")
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if len(text) > MAX_LENGTH:
        raise ValueError(f"a message id is at most {MAX_LENGTH} characters")
    if not _MSG_ID.fullmatch(text):
        raise ValueError("must be an RFC 5322 message id such as <abc123@mail.example.com>")
    return text


def stored(value: str | None) -> str | None:
    """`parse`, or None for an empty or invalid value."""
    if not value:
        return None
    try:
        return parse(value)
    except ValueError:
        return None


def emitted(value: str | None) -> str | None:
    """The form that goes into a header or payload: `<left@right>`, or None when `value` is
    not a msg-id (so an old or hostile stored value never leaves the service)."""
    ident = stored(value)
    return f"<{ident}>" if ident else None


def from_header(value: str | None) -> tuple[str | None, bool]:
    """The first msg-id of an inbound header value (which may carry comments and folding),
    stored form, and whether a non-empty value was dropped as invalid."""
    if not value or not value.strip():
        return None, False
    match = _BRACKETED.search(value)
    ident = stored(match.group(1) if match else value)
    return ident, ident is None


def all_from_header(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """Every msg-id of a References-style header (ids separated by spaces or folding), in
    order without repeats, and the candidates dropped as invalid."""
    kept: list[str] = []
    dropped: list[str] = []
    for value in values:
        candidates = _BRACKETED.findall(value) if "<" in value else value.split()
        for candidate in candidates:
            ident = stored(candidate)
            if ident is None:
                dropped.append(candidate)
            elif ident not in kept:
                kept.append(ident)
    return kept, dropped
