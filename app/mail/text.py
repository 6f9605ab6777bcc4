"""Plain text out of mail bodies: HTML to text, and quoted reply history removed."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_BLOCK_TAGS = {
    "p", "div", "br", "tr", "li", "ul", "ol", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "section", "article", "header", "footer", "hr", "dd", "dt",
}  # fmt: skip
_SKIP_TAGS = {"script", "style", "head", "title", "template"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif tag == "pre":
            self._pre += 1
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "hr"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
        elif tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag in _BLOCK_TAGS and tag not in ("br", "li"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.parts.append(data if self._pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Readable plain text from an HTML body: blocks become lines, no markup."""
    parser = _TextExtractor()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # HTMLParser is lenient; this guards pathological input only
        return re.sub(r"<[^>]*>", " ", html).strip()
    lines = [line.strip(" \t\xa0") for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Lines that introduce quoted history, in the languages our customers write.
_ATTRIBUTION = re.compile(
    r"""^(?:
        .{0,200}\b(?:wrote|writes|schrieb|пишет|написал|написала|написал\(а\)|написа|
                    rakstīja|rakstija|raksta|a\s+écrit)\s*:\s*$
      | -{2,}\s*(?:original\s+message|forwarded\s+message|исходное\s+сообщение|
                  пересылаемое\s+сообщение|оригинальное\s+сообщение|оригинално\s+съобщение|
                  sākotnējais\s+ziņojums|sakotnejais\s+zinojums|oriģinālā\s+ziņa)\s*-{2,}
      | _{10,}\s*$
      | .{0,120}<[^<>@\s]+@[^<>\s]+>\s*:\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# An Outlook header block: "From:" then, within a few lines, "Sent:"/"Date:" and
# "To:"/"Subject:" (also in Russian, Bulgarian and Latvian Outlook).
_HDR_FROM = re.compile(r"^\*?(?:from|от|no)\s*:\*?\s*\S", re.IGNORECASE)
_HDR_OTHER = re.compile(
    r"^\*?(?:sent|date|to|cc|subject|отправлено|дата|кому|копия|тема|изпратено|до|"
    r"относно|nosūtīts|nosutits|datums|kam|tēma|tema)\s*:",
    re.IGNORECASE,
)


def _is_attribution(line: str) -> bool:
    # Every alternative starts with "-" or "_" or ends with ":" and whitespace (\s is
    # str.isspace): checked first, it spares most lines the backtracking `.{0,200}`.
    if not line.startswith(("-", "_")) and not line.rstrip().endswith(":"):
        return False
    if not _ATTRIBUTION.match(line):
        return False
    if line.startswith("-") or line.startswith("_"):
        return True
    # "On <date>, <name> wrote:" carries a date or an address; a bare
    # "Иван пишет:" is short. A sentence that merely ends in "wrote:" is neither.
    return bool(re.search(r"[\d@]", line)) or len(line.split()) <= 6


def _is_outlook_block(lines: list[str], i: int) -> bool:
    if not _HDR_FROM.match(lines[i].strip()):
        return False
    following = [ln.strip() for ln in lines[i + 1 : i + 6] if ln.strip()]
    return sum(1 for ln in following[:4] if _HDR_OTHER.match(ln)) >= 2


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at the first attribution line or Outlook
    header block and drop "> " quoted lines. Returns the text unchanged when
    nothing new would remain (a bare forward), so no content is ever lost.
    """
    lines = text.splitlines()
    cut = len(lines)
    for i, line in enumerate(lines):
        stripped = line.strip()
        joined = stripped
        if i + 1 < len(lines) and not stripped.endswith(":"):
            # "On Mon, 1 Jan 2026 at 10:00, Name <x@y>\n wrote:" wraps in many clients
            joined = f"{stripped} {lines[i + 1].strip()}"
        if stripped and (
            _is_attribution(stripped)
            or (_is_attribution(joined) and len(lines[i + 1].strip().split()) <= 2)
            or _is_outlook_block(lines, i)
        ):
            cut = i
            break
    kept = [ln for ln in lines[:cut] if not ln.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    return result if result else text.strip()
