"""Inbound mail into one shape, whatever the gateway sent.

Three inputs: a raw RFC 5322 message, the email gateway's JSON form, and
Mailgun's routes form fields. All three become a `ParsedEmail`. Parsing is
pure and never raises for odd content (unknown charsets, broken MIME,
malformed addresses); `MailParseError` is for input that is not mail at all.

Raw messages are read by the standard `email` package under `policy.default`'s
rules, parsing each header once (app/mail/reading.py).
"""

from __future__ import annotations

import binascii
import json
import mimetypes
import re
from base64 import b64decode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import cast

from app import msgids
from app.mail import charsets
from app.mail.limits import DEFAULT_LIMITS, MailLimitExceeded, MailLimits, parse_limited
from app.mail.reading import POLICY, HeadersOnce, MailParseError, unfold
from app.mail.text import html_to_text, strip_quoted


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str | None = None


@dataclass
class ParsedEmail:
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    subject: str = ""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""  # the new part of the message, quoted history removed
    full_text: str = ""  # the whole text body as received
    html: str | None = None
    attachments: list[MailAttachment] = field(default_factory=list)
    auto_reply: str | None = None  # why the message is automatic, None for a person's mail
    defects: list[str] = field(default_factory=list)
    # Message ids that are not RFC 5322 msg-ids, as `header: value`: dropped, and logged by
    # the intake (this module is pure and may run in a worker process).
    dropped_ids: list[str] = field(default_factory=list)

    @property
    def recipients(self) -> list[str]:
        return [*self.to, *(a for a in self.cc if a not in self.to)]

    @property
    def thread_ids(self) -> list[str]:
        """Message-IDs this message answers, nearest first."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        return ids + [r for r in reversed(self.references) if r not in ids]

    @property
    def claim_number(self) -> str | None:
        return find_claim_number(self.subject, self.recipients)


# ---------------------------------------------------------------- small helpers

_CLAIM_NUMBER = re.compile(r"(?<![A-Za-z0-9])CLM-(\d{4})-(\d{6,})(?!\d)", re.IGNORECASE)
_PLUS_ADDRESS = re.compile(r"\+(CLM-\d{4}-\d{6,})@", re.IGNORECASE)
_MSGID = re.compile(r"<([^<>\s]+)>")


def find_claim_number(subject: str | None, recipients: Sequence[str] = ()) -> str | None:
    """A claim number from a plus-addressed recipient, else from the subject,
    in whatever brackets it comes: [CLM-…], (CLM-…), «CLM-…», #CLM-…"""
    for address in recipients:
        m = _PLUS_ADDRESS.search(address)
        if m:
            return m.group(1).upper()
    m = _CLAIM_NUMBER.search(subject or "")
    return f"CLM-{m.group(1)}-{m.group(2)}" if m else None


def normalize_message_id(value: str | None) -> str | None:
    """The stored form of an inbound header's msg-id (`<abc@host>` and `abc@host` alike
    become `abc@host`); None when there is none or it is not a msg-id (app/msgids.py)."""
    return msgids.from_header(value)[0]


def split_message_ids(value: str | Sequence[str] | None) -> list[str]:
    """The msg-ids of a References-style value, stored form; invalid ones left out."""
    if not value:
        return []
    return msgids.all_from_header([value] if isinstance(value, str) else list(value))[0]


def _thread_ids(
    parsed: ParsedEmail,
    message_id: str | None,
    in_reply_to: str | None,
    references: str | Sequence[str] | None,
) -> None:
    """Set the message's own id and the ids it answers, noting the ones dropped as invalid."""
    for name, value in (("message-id", message_id), ("in-reply-to", in_reply_to)):
        ident, dropped = msgids.from_header(value)
        if dropped:
            parsed.dropped_ids.append(f"{name}: {value!r}"[:300])
        if name == "message-id":
            parsed.message_id = ident
        else:
            parsed.in_reply_to = ident
    values = [references] if isinstance(references, str) else list(references or [])
    parsed.references, dropped_refs = msgids.all_from_header(values)
    parsed.dropped_ids.extend(f"references: {d!r}"[:300] for d in dropped_refs[:20])


def _content_id(value: str) -> str | None:
    # A Content-ID names a part for the HTML beside it; it never goes into a header we send.
    m = _MSGID.search(value)
    ident = (m.group(1) if m else value).strip().strip("<>").replace("\x00", "")
    return ident or None


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _addresses(values: Sequence[str]) -> list[tuple[str, str]]:
    """(name, address) pairs, address lower-cased; invalid entries skipped."""
    out: list[tuple[str, str]] = []
    for name, addr in getaddresses([v.replace("\x00", "") for v in values if v]):
        addr = addr.strip().lower()
        if "@" in addr and addr not in (a for _, a in out):
            out.append((name.strip(), addr))
    return out


def _safe_filename(name: str | None, content_type: str, index: int) -> str:
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().strip(".")
    if not name:
        ext = mimetypes.guess_extension(content_type) or ".bin"
        name = f"attachment-{index}{ext}"
    return name[:200]


# ------------------------------------------------------------------ auto-replies

_AUTO_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?\s*reply|auto:|autoreply|out of (?:the )?office|"
    r"автоматический ответ|автоответ|automātiskā atbilde|автоматичен отговор)",
    re.IGNORECASE,
)
_DAEMON = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon)@", re.IGNORECASE)


def detect_auto_reply(
    headers: Mapping[str, str], from_address: str, subject: str = ""
) -> str | None:
    """Why a message was sent by a machine (and must never open a claim), or None.

    `headers` maps lower-case header names to values.
    """
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"auto-submitted: {auto}"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-autorespond-from", "x-auto-reply"):
        if headers.get(name, "").strip():
            return name
    ctype = headers.get("content-type", "").lower()
    if ctype.startswith("multipart/report"):
        return "multipart/report"
    if _DAEMON.match(from_address or ""):
        return "mailer-daemon"
    if headers.get("return-path", "").strip() == "<>":
        return "null return-path"
    if _AUTO_SUBJECT.match(subject.strip()):
        return "auto-reply subject"
    return None


def _finish(parsed: ParsedEmail, headers: Mapping[str, str]) -> ParsedEmail:
    # NUL is never text, and PostgreSQL refuses it in text columns.
    parsed.subject = parsed.subject.replace("\x00", "")
    parsed.from_name = parsed.from_name.replace("\x00", "")
    parsed.html = parsed.html.replace("\x00", "") if parsed.html else parsed.html
    parsed.full_text = parsed.full_text.replace("\x00", "")
    parsed.full_text = parsed.full_text.replace("\r\n", "\n").replace("\r", "\n").strip()
    parsed.text = strip_quoted(parsed.full_text) if parsed.full_text else ""
    if parsed.auto_reply is None:
        parsed.auto_reply = detect_auto_reply(headers, parsed.from_address, parsed.subject)
    return parsed


# -------------------------------------------------------------------- RFC 5322


_SURROGATE = re.compile(r"[\udc80-\udcff]")
_LOOSE_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# The headers parse_rfc822 reads (addresses, threading, date, and auto-reply detection).
_USED_HEADERS = frozenset({
    "from", "sender", "to", "cc", "subject", "message-id", "in-reply-to", "references", "date",
    "auto-submitted", "precedence", "x-autoreply", "x-autorespond", "x-autorespond-from",
    "x-auto-reply", "content-type", "return-path",
})  # fmt: skip


def _header_values(msg: Message) -> dict[str, list[str]]:
    """Decoded values of the headers we use, by lower-case name. Raw 8-bit headers (no
    encoded words, charset unlabelled) are decoded as UTF-8 or the likely Cyrillic."""
    out: dict[str, list[str]] = {}
    for item in msg.raw_items():
        name, stored = item
        key = name.lower()
        if key not in _USED_HEADERS:
            continue  # Received, DKIM-Signature, …: costly to parse, never read
        raw = "".join(str(stored).splitlines())  # unfold, as policy.default does
        guessed = bool(_SURROGATE.search(raw))
        if guessed:
            raw = charsets.guess(raw.encode("ascii", "surrogateescape"))
        try:
            if not guessed and isinstance(msg, HeadersOnce) and raw == unfold(stored):
                # The very object get() returns (e.g. Content-Type): parse it once.
                value = str(msg.parsed_header(item))
            else:
                value = str(POLICY.header_factory(name, raw))
        except Exception:  # a header the registry cannot model: keep it raw
            value = raw
        out.setdefault(key, []).append(value.strip())
    return out


def _part_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> str:
    return charsets.decode(_part_bytes(part), part.get_content_charset())


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return disposition == "attachment" or bool(part.get_filename())


def read_rfc822(
    raw: bytes, limits: MailLimits = DEFAULT_LIMITS, *, headers_only: bool = False
) -> EmailMessage:
    """The message as the email package reads it, for callers that need more than
    `parse_rfc822` returns (e.g. a header exactly as policy.default gives it); never more of
    it than `limits` allow (MailLimitExceeded)."""
    if not raw or not raw.strip():
        raise MailParseError("empty message")
    return parse_limited(raw, POLICY, limits, headers_only=headers_only)


def parse_rfc822(raw: bytes | EmailMessage, limits: MailLimits = DEFAULT_LIMITS) -> ParsedEmail:
    """Parse a raw RFC 5322 message (bytes as received, any charset, or `read_rfc822`'s
    result for them)."""
    msg = raw if isinstance(raw, EmailMessage) else read_rfc822(raw, limits)
    if not len(msg):
        raise MailParseError("no headers: not an RFC 5322 message")
    hdrs = _header_values(msg)
    first = {name: values[0] for name, values in hdrs.items()}
    parsed = ParsedEmail(defects=[type(d).__name__ for d in msg.defects])

    senders = _addresses(hdrs.get("from", []) or hdrs.get("sender", []))
    if senders:
        parsed.from_name, parsed.from_address = senders[0]
    else:
        m = _LOOSE_ADDRESS.search(first.get("from", ""))
        parsed.from_address = m.group(0).lower() if m else ""
    parsed.to = [a for _, a in _addresses(hdrs.get("to", []))]
    parsed.cc = [a for _, a in _addresses(hdrs.get("cc", []))]
    parsed.subject = " ".join(first.get("subject", "").split())
    _thread_ids(
        parsed, first.get("message-id"), first.get("in-reply-to"), hdrs.get("references", [])
    )
    parsed.date = _parse_date(first.get("date"))

    plain = html = None
    try:
        plain = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
    except Exception:  # get_body trips over some broken structures; walk instead
        parsed.defects.append("BodyLookupFailed")
    body_parts = {id(p) for p in (plain, html) if p is not None}

    texts: list[str] = [_part_text(plain)] if plain is not None else []
    for index, part in enumerate(msg.walk(), start=1):
        if part.is_multipart() or id(part) in body_parts:
            continue
        ctype = part.get_content_type()
        if ctype.startswith("text/") and not _is_attachment(part):
            if ctype == "text/plain":
                texts.append(_part_text(part))  # Apple Mail splits text around images
            elif ctype == "text/html" and html is None:
                html = part
            continue
        if ctype == "message/rfc822" and part.get_payload():
            # A list holding the message (a str if it was malformed): a sequence either way.
            inner = cast(Sequence[object], part.get_payload())[0]
            content = inner.as_bytes() if isinstance(inner, Message) else _part_bytes(part)
        else:
            content = _part_bytes(part)
        cid = part.get("content-id")
        parsed.attachments.append(
            MailAttachment(
                filename=_safe_filename(part.get_filename(), ctype, index),
                content_type=ctype,
                content=content,
                inline=(part.get_content_disposition() or "inline") == "inline",
                content_id=_content_id(str(cid)) if cid else None,
            )
        )
    if html is not None:
        parsed.html = _part_text(html)
    parsed.full_text = "\n\n".join(t.strip() for t in texts if t.strip())
    if not parsed.full_text and parsed.html:
        parsed.full_text = html_to_text(parsed.html)
    return _finish(parsed, first)


# ------------------------------------------------------------- gateway JSON form


def _str(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MailParseError(f"'{key}' must be a string")
    return value


def _str_list(data: Mapping[str, object], key: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise MailParseError(f"'{key}' must be a string or a list of strings")


def parse_gateway_json(
    data: Mapping[str, object], limits: MailLimits = DEFAULT_LIMITS
) -> ParsedEmail:
    """The gateway's JSON form: from, to, cc, subject, text, html, message_id,
    in_reply_to, references, date, headers, attachments[{filename,
    content_type, content_base64}]."""
    if not isinstance(data, Mapping):
        raise MailParseError("the JSON body must be an object")
    raw_attachments = data.get("attachments")
    limits.check_parts(1 + (len(raw_attachments) if isinstance(raw_attachments, list) else 0))
    parsed = ParsedEmail()
    senders = _addresses(_str_list(data, "from"))
    if not senders:
        raise MailParseError("'from' must hold an email address")
    parsed.from_name, parsed.from_address = senders[0]
    parsed.to = [a for _, a in _addresses(_str_list(data, "to"))]
    parsed.cc = [a for _, a in _addresses(_str_list(data, "cc"))]
    parsed.subject = " ".join(_str(data, "subject").split())
    _thread_ids(
        parsed,
        _str(data, "message_id"),
        _str(data, "in_reply_to"),
        _str_list(data, "references"),
    )
    parsed.date = _parse_date(_str(data, "date"))
    parsed.html = _str(data, "html") or None
    parsed.full_text = _str(data, "text") or (html_to_text(parsed.html) if parsed.html else "")

    raw_headers = data.get("headers")
    raw_headers = {} if raw_headers is None else raw_headers
    if not isinstance(raw_headers, Mapping):
        raise MailParseError("'headers' must be an object")
    limits.check_headers(len(raw_headers))
    headers = {str(k).lower(): str(v) for k, v in raw_headers.items()}

    attachments = data.get("attachments") or []
    if not isinstance(attachments, list):
        raise MailParseError("'attachments' must be a list")
    for index, item in enumerate(attachments, start=1):
        if not isinstance(item, Mapping):
            raise MailParseError(f"attachment {index} must be an object")
        ctype = _str(item, "content_type").lower() or "application/octet-stream"
        try:
            content = b64decode(_str(item, "content_base64"), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MailParseError(f"attachment {index}: content_base64 is not base64") from exc
        parsed.attachments.append(
            MailAttachment(_safe_filename(_str(item, "filename"), ctype, index), ctype, content)
        )
    return _finish(parsed, headers)


# -------------------------------------------------------------- Mailgun routes


@dataclass(frozen=True)
class FormFile:
    field_name: str
    filename: str | None
    content_type: str
    content: bytes


def parse_mailgun_form(
    fields: Mapping[str, str], files: Sequence[FormFile] = (), limits: MailLimits = DEFAULT_LIMITS
) -> ParsedEmail:
    """Mailgun's routes "forward" form: parsed fields and attachment-N files;
    with the `.mime` variant (a `body-mime` field) the raw message is used."""
    if fields.get("body-mime"):
        return parse_rfc822(fields["body-mime"].encode("utf-8", "surrogateescape"), limits)
    limits.check_parts(1 + len(files))
    headers: dict[str, str] = {}
    try:
        pairs = json.loads(fields.get("message-headers") or "[]")
        limits.check_headers(len(pairs) if isinstance(pairs, list) else 0)
        for pair in pairs:
            if isinstance(pair, list) and len(pair) == 2:
                headers.setdefault(str(pair[0]).lower(), str(pair[1]))
    except (json.JSONDecodeError, TypeError):
        pass
    parsed = ParsedEmail()
    senders = _addresses([fields.get("from") or "", fields.get("sender") or ""])
    if not senders:
        raise MailParseError("'sender' or 'from' must hold an email address")
    parsed.from_name, parsed.from_address = senders[0]
    parsed.to = [a for _, a in _addresses([fields.get("recipient") or "", fields.get("To") or ""])]
    parsed.cc = [a for _, a in _addresses([fields.get("Cc") or ""])]
    parsed.subject = " ".join((fields.get("subject") or fields.get("Subject") or "").split())
    _thread_ids(
        parsed,
        fields.get("Message-Id") or headers.get("message-id"),
        fields.get("In-Reply-To"),
        fields.get("References"),
    )
    parsed.date = _parse_date(fields.get("Date") or headers.get("date"))
    parsed.html = fields.get("body-html") or None
    parsed.full_text = fields.get("body-plain") or (
        html_to_text(parsed.html) if parsed.html else ""
    )
    for index, upload in enumerate(f for f in files if f.field_name.startswith("attachment")):
        ctype = (upload.content_type or "application/octet-stream").split(";")[0].lower()
        parsed.attachments.append(
            MailAttachment(_safe_filename(upload.filename, ctype, index + 1), ctype, upload.content)
        )
    parsed = _finish(parsed, headers)
    stripped = (fields.get("stripped-text") or "").strip()
    if stripped:
        parsed.text = stripped  # Mailgun's own quote stripping, when it did it
    return parsed


__all__ = [
    "POLICY",
    "FormFile",
    "MailAttachment",
    "MailLimitExceeded",
    "MailLimits",
    "MailParseError",
    "ParsedEmail",
    "detect_auto_reply",
    "find_claim_number",
    "normalize_message_id",
    "parse_gateway_json",
    "parse_mailgun_form",
    "parse_rfc822",
    "read_rfc822",
    "split_message_ids",
]
