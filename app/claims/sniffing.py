"""What a file's first bytes say it is, against what the uploader declared.

Pure: no I/O. Binary formats are recognised by puremagic's signature database rather than
signatures of our own; text types (which have no signature) must look like text, and never like
markup a browser would run (HTML, SVG, XML). A declared type that neither check covers is
refused by the caller: nothing is stored unchecked.
"""

from collections.abc import Iterable

import puremagic

# How much of a file is read to recognise it: the signatures sit in the first few hundred
# bytes (MP4's brand at 4, WebP's at 8), a text check wants a little more.
HEAD_BYTES = 8192

# The file name extensions puremagic reports for each declared type: a ZIP container's Office
# formats are not told apart from its first bytes, nor are the OLE ones.
_EXTENSIONS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({".jpg", ".jpeg", ".jfif", ".jpe"}),
    "image/png": frozenset({".png"}),
    "image/gif": frozenset({".gif"}),
    "image/webp": frozenset({".webp"}),
    "image/heic": frozenset({".heic", ".heif"}),
    "application/pdf": frozenset({".pdf"}),
    "application/zip": frozenset({".zip"}),
    "video/mp4": frozenset({".mp4", ".m4v"}),
    "application/msword": frozenset({".doc"}),
    "application/vnd.ms-excel": frozenset({".xls"}),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": frozenset({".docx"}),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": frozenset({".xlsx"}),
}
TEXT_TYPES = frozenset({"text/plain", "text/csv", "message/rfc822"})
# What a browser would render and run if it ever took the file for a page.
_MARKUP_MIMES = frozenset(
    {"text/html", "image/svg+xml", "application/xml", "text/xml", "application/xhtml+xml"}
)
_MARKUP_EXTENSIONS = frozenset({".html", ".htm", ".svg", ".svgz", ".xml", ".xhtml"})
# Control characters no text file holds (tab, line feed, form feed, carriage return and
# escape are allowed).
_CONTROL = frozenset(range(32)) - {9, 10, 12, 13, 27}


def checkable(content_type: str) -> bool:
    """Whether `content_type` has a content check here."""
    return content_type in _EXTENSIONS or content_type in TEXT_TYPES


def _matches(head: bytes) -> list[puremagic.PureMagicWithConfidence]:
    if not head:
        return []
    try:
        return list(puremagic.magic_string(head))
    except (puremagic.PureError, ValueError):
        return []


def content_matches(content_type: str, head: bytes) -> bool:
    """Whether the first bytes of a file (`HEAD_BYTES` of them) are what `content_type` says."""
    found = _matches(head)
    if any(m.mime_type in _MARKUP_MIMES or m.extension in _MARKUP_EXTENSIONS for m in found):
        return False
    if content_type in TEXT_TYPES:
        return _is_text(head) and (content_type != "message/rfc822" or _is_message(head))
    extensions = _EXTENSIONS.get(content_type)
    if extensions is None or not found:
        return False
    # Only the most specific signatures count: "RIFF" alone would make a WAVE file a WebP.
    best = max(m.confidence for m in found)
    return any(m.extension in extensions for m in found if m.confidence == best)


def sniff(head: bytes, candidates: Iterable[str]) -> str | None:
    """The first of `candidates` that the bytes show, or None."""
    for content_type in candidates:
        if content_matches(content_type, head):
            return content_type
    return None


def _is_text(head: bytes) -> bool:
    # Any 8-bit encoding (UTF-8, Windows-1257, KOI8-R) passes; NUL and other controls do not.
    return bool(head) and not any(byte in _CONTROL for byte in head)


def _is_message(head: bytes) -> bool:
    """An RFC 5322 message begins with a header field: a name of printable ASCII, a colon."""
    first = head.split(b"\n", 1)[0]
    name, colon, _ = first.partition(b":")
    return bool(colon and name) and all(33 <= byte <= 126 for byte in name)
