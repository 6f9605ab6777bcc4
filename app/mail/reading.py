"""How raw messages are read: the standard `email` package under policy.default's rules,
with each header parsed once.

Two changes that only save work, never change a result (tests/unit/test_mail_parsing.py
compares every fixture's reading with plain policy.default's): each header of each part is
parsed once however often it is asked for (`HeadersOnce`), and the header classes are built
once per process instead of once per lookup (`_Registry`). For a 5.8 KB three-part message
that took parse_rfc822 from about 6 ms of CPU to 2.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import EmailPolicy, linesep_splitter  # type: ignore[attr-defined]
from typing import Any


class MailParseError(ValueError):
    """The input cannot be read as a mail message at all."""


class _Registry(HeaderRegistry):
    """policy.default's header registry without a new class per lookup.

    `HeaderRegistry.__getitem__` calls `type(...)` on every header it parses (about 20 µs, a
    tenth of a small message's parse); the class it builds depends only on the header kind."""

    def __init__(self) -> None:
        super().__init__()
        self._made: dict[type, type] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        kind = self.registry.get(name.lower(), self.default_class)
        made = self._made.get(kind)
        if made is None:
            made = self._made[kind] = type("_" + kind.__name__, (kind, self.base_class), {})
        return made


class HeadersOnce(EmailMessage):
    """An EmailMessage that parses each header once.

    Under policy.default every `get()` builds and parses a new header object, and the
    package's own methods call it over and over: one part's Content-Type is parsed again for
    get_content_type(), get_content_maintype(), is_attachment(), get_body(),
    iter_attachments(), get_param(), the parser's boundary lookup... (about 40 Content-Type
    parses and 55 header objects for a three-part message). The cache is keyed by the stored
    (name, value) pair itself, so any change to the headers misses it."""

    _headers: list[tuple[str, str]]  # Message's stored headers, which typeshed leaves out

    def __init__(self, policy: Any = None) -> None:
        super().__init__(policy)
        self._parsed: dict[int, tuple[tuple[str, str], Any, Any]] = {}

    def get(self, name: str, failobj: Any = None) -> Any:
        name = name.lower()
        for item in self._headers:
            if item[0].lower() == name:
                return self.parsed_header(item)
        return failobj

    def parsed_header(self, item: tuple[str, str]) -> Any:
        """`policy.header_fetch_parse(*item)` for one of this message's stored headers."""
        hit = self._parsed.get(id(item))
        if hit is None or hit[0] is not item or hit[1] is not self.policy:
            hit = (item, self.policy, self.policy.header_fetch_parse(*item))
            self._parsed[id(item)] = hit
        return hit[2]


# policy.default's rules, with the two savings above.
POLICY: EmailPolicy[EmailMessage] = policy.default.clone(
    header_factory=_Registry(), message_factory=HeadersOnce
)


def unfold(stored: str) -> str:
    """How policy.default unfolds a stored header (header_fetch_parse): only CR and LF go,
    where str.splitlines() also breaks on form feeds, vertical tabs, separators..."""
    return "".join(linesep_splitter.split(stored))
