"""What one inbound message may hold, checked while it is parsed.

The standard `email` package spends about 0.1 ms on each MIME part and grows worse than
linearly with a header's length: a message of 300,000 empty parts (3 MB) takes half a minute,
a 100 KB `From` line seconds. The limits (settings CLAIMS_EMAIL_MAX_*) stop the parser itself
as soon as a message passes one, so that the work done on any message is bounded; the intake
stores such a message raw as failed, with the reason.

The counting happens inside the parser that reads the message (`LimitedParser`), not in a scan
beside it, so it can never disagree with the parse about where a part begins. It overrides two
methods of `email.feedparser.FeedParser` that have not changed since Python 3.2:
`_new_message` (one call per message or MIME part, with its ancestors on `_msgstack`) and
`_parse_headers` (one call per header section); tests/unit/test_mail_limits.py would notice a
change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email.feedparser import BytesFeedParser
from email.message import EmailMessage
from email.policy import EmailPolicy
from typing import Any

from app.mail.reading import MailParseError


class MailLimitExceeded(MailParseError):
    """The message passes one of the limits; it is kept raw as failed, with this reason."""


@dataclass(frozen=True, slots=True)
class MailLimits:
    parts: int = 1000
    depth: int = 20
    headers: int = 500
    line_bytes: int = 64 * 1024

    def check_parts(self, count: int) -> None:
        if count > self.parts:
            raise MailLimitExceeded(f"more than {self.parts} MIME parts (CLAIMS_EMAIL_MAX_PARTS)")

    def check_headers(self, count: int) -> None:
        if count > self.headers:
            raise MailLimitExceeded(
                f"more than {self.headers} header fields in one section (CLAIMS_EMAIL_MAX_HEADERS)"
            )

    def check_line(self, length: int, what: str = "a line") -> None:
        if length > self.line_bytes:
            raise MailLimitExceeded(
                f"{what} of {length} bytes, over {self.line_bytes} (CLAIMS_EMAIL_MAX_LINE_BYTES)"
            )


DEFAULT_LIMITS = MailLimits()  # the settings' defaults, for callers that pass none


class LimitedParser(BytesFeedParser):
    """policy's parser, stopping with MailLimitExceeded at the first limit passed."""

    def __init__(self, policy: EmailPolicy[EmailMessage], limits: MailLimits) -> None:
        super().__init__(policy=policy)
        self._limits = limits
        self._parts = 0

    def _new_message(self) -> None:
        self._parts += 1
        self._limits.check_parts(self._parts)
        stack: list[Any] = self._msgstack  # type: ignore[attr-defined]
        if len(stack) > self._limits.depth:
            raise MailLimitExceeded(
                f"nested more than {self._limits.depth} levels deep (CLAIMS_EMAIL_MAX_DEPTH)"
            )
        super()._new_message()  # type: ignore[misc]

    def _parse_headers(self, lines: Sequence[str]) -> None:
        fields = 0
        length = 0
        for line in lines:
            if line[:1] in (" ", "\t") and fields:
                length += len(line)  # a continuation: the field counts unfolded
            else:
                fields += 1
                length = len(line)
            self._limits.check_line(length, "a header")
        self._limits.check_headers(fields)
        super()._parse_headers(lines)  # type: ignore[misc]


def check_lines(raw: bytes, limits: MailLimits) -> None:
    """The longest line of a raw message (headers are checked unfolded by the parser)."""
    longest = max(map(len, raw.splitlines()), default=0)
    limits.check_line(longest)


def parse_limited(
    raw: bytes, policy: EmailPolicy[EmailMessage], limits: MailLimits, *, headers_only: bool
) -> EmailMessage:
    """`raw` read by `policy`'s rules within `limits` (only its header section if asked)."""
    parser = LimitedParser(policy, limits)
    if headers_only:
        parser._set_headersonly()  # type: ignore[attr-defined]
    else:
        check_lines(raw, limits)
    parser.feed(raw)
    message = parser.close()
    assert isinstance(message, EmailMessage)
    return message
