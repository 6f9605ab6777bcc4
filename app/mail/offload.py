"""Reading a delivery off the event loop: parse it within the limits, and tell its identity.

Parsing is CPU work in pure Python (the `email` package), and one message can hold a lot of
it: before the limits, 300,000 tiny MIME parts froze every endpoint for half a minute. It runs
in a process pool, as the letters' PDF rendering does (a thread would still hold the GIL the
event loop needs), with the limits of app/mail/limits.py bounding the work per message. The
pool starts on first use and the app's lifespan shuts it down (`shutdown_pool`).

Everything here is pure and picklable: the worker gets the stored bytes and the limits and
sends back a `Reading`. Logging happens in the server (`intake.py`), not in the workers.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import multiprocessing
import os
import re
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses
from typing import TypeVar

import anyio

from app.mail.limits import DEFAULT_LIMITS, MailLimits
from app.mail.parsing import (
    FormFile,
    MailParseError,
    ParsedEmail,
    normalize_message_id,
    parse_gateway_json,
    parse_mailgun_form,
    parse_rfc822,
    read_rfc822,
)
from app.models.email_intake import InboundSource

_MAX_DEDUP = 500
_END_OF_HEADERS = re.compile(rb"\r?\n\r?\n")
T = TypeVar("T")


@dataclass(slots=True)
class Reading:
    """A delivery read: its identity, and the parsed message or why there is none."""

    message_id: str | None
    dedup_key: str
    parsed: ParsedEmail | None
    error: Exception | None
    # Why the body is not a delivery at all (e.g. JSON that is not an object): refused with
    # 422, nothing stored.
    refused: str | None = None
    # When `parsed` is None: the sender and subject from the headers alone (the failed queue).
    sender: str | None = None
    subject: str | None = None


# ---------------------------------------------------------------- parsing


def parse_stored(
    source: InboundSource,
    raw: bytes,
    message: EmailMessage | None = None,
    limits: MailLimits = DEFAULT_LIMITS,
) -> ParsedEmail:
    """A delivery as stored (`message`: the raw message already read by the email package)."""
    if source == InboundSource.rfc822:
        return parse_rfc822(raw if message is None else message, limits)
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise MailParseError(f"the stored body is not JSON: {exc}") from exc
    if source == InboundSource.json:
        return parse_gateway_json(doc, limits)
    files = [
        FormFile(
            f["field"],
            f.get("filename"),
            f.get("content_type") or "",
            base64.b64decode(f["content_base64"]),
        )
        for f in doc.get("files", [])
    ]
    return parse_mailgun_form(doc.get("fields", {}), files, limits)


def _header_message_id(raw: bytes, limits: MailLimits) -> str | None:
    end = _END_OF_HEADERS.search(raw)
    try:
        headers = read_rfc822(raw[: end.end()] if end else raw, limits, headers_only=True)
        return normalize_message_id(str(headers.get("message-id") or ""))
    except Exception:  # a header the parser trips over, or too many: de-duplicate by content
        return None


def identify(
    source: InboundSource,
    raw: bytes,
    message: EmailMessage | None = None,
    limits: MailLimits = DEFAULT_LIMITS,
) -> tuple[str | None, str]:
    """(Message-ID, dedup key). Without a Message-ID, identical bodies are one message."""
    message_id: str | None = None
    digest_source = raw
    if source is InboundSource.rfc822:
        message_id = (
            normalize_message_id(str(message.get("message-id") or ""))
            if message is not None
            else _header_message_id(raw, limits)
        )
    else:
        try:
            doc = json.loads(raw)
        except ValueError:
            doc = None
        doc = doc if isinstance(doc, dict) else {}
        if source is InboundSource.json:
            value = doc.get("message_id")
            message_id = normalize_message_id(value) if isinstance(value, str) else None
        else:
            fields = doc.get("fields") if isinstance(doc.get("fields"), dict) else {}
            assert isinstance(fields, dict)
            value = fields.get("Message-Id") or fields.get("message-id")
            message_id = normalize_message_id(value) if isinstance(value, str) else None
            mime = fields.get("body-mime")
            if message_id is None and isinstance(mime, str) and mime:
                message_id = _header_message_id(mime.encode("utf-8", "surrogateescape"), limits)
            # Each Mailgun call carries a fresh timestamp, token and signature: not content.
            stable = {
                k: v for k, v in fields.items() if k not in ("timestamp", "token", "signature")
            }
            digest_source = json.dumps(stable, sort_keys=True).encode()
    if message_id and len(message_id) <= _MAX_DEDUP - 4:
        return message_id, f"mid:{message_id}"
    digest = hashlib.sha256(message_id.encode() if message_id else digest_source).hexdigest()
    return (message_id[:_MAX_DEDUP] if message_id else None), f"sha256:{digest}"


_HEADER_SCAN = 256 * 1024  # where the headers of a stored raw message are looked for


def _first_address(values: list[object]) -> str | None:
    found = [a.strip().lower() for _, a in getaddresses([v for v in values if isinstance(v, str)])]
    return next((a[:320] for a in found if "@" in a), None)


def _one_line(value: object, limit: int) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text[:limit] or None


def _raw_headers(raw: bytes, limits: MailLimits) -> tuple[str | None, str | None]:
    head = raw[:_HEADER_SCAN]
    end = _END_OF_HEADERS.search(head)
    message = read_rfc822(head[: end.end()] if end else head, limits, headers_only=True)
    return (
        _first_address(
            [str(v) for v in message.get_all("from") or message.get_all("sender") or []]
        ),
        _one_line(str(message.get("subject") or ""), 500),
    )


def sender_and_subject_of(
    source: InboundSource, raw: bytes, limits: MailLimits = DEFAULT_LIMITS
) -> tuple[str | None, str | None]:
    """The sender's address and the subject from a stored delivery's headers alone, for a row
    whose message could not be parsed (or filed) as a whole: never the body, never an error."""
    try:
        if source == InboundSource.rfc822:
            return _raw_headers(raw, limits)
        doc = json.loads(raw)
        if not isinstance(doc, dict):
            return None, None
        if source == InboundSource.json:
            senders = doc.get("from")
            return (
                _first_address(senders if isinstance(senders, list) else [senders]),
                _one_line(doc.get("subject"), 500),
            )
        fields = doc.get("fields")
        fields = fields if isinstance(fields, dict) else {}
        mime = fields.get("body-mime")
        if isinstance(mime, str) and mime:
            return _raw_headers(mime.encode("utf-8", "surrogateescape"), limits)
        return (
            _first_address([fields.get("from"), fields.get("sender")]),
            _one_line(fields.get("subject") or fields.get("Subject"), 500),
        )
    except Exception:  # odd bytes the header parser trips over: shown as unknown
        return None, None


def _refusal(source: InboundSource, raw: bytes) -> str | None:
    if source is not InboundSource.json:
        return None
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        return f"The body is not valid JSON: {exc}."
    return None if isinstance(doc, dict) else "The JSON body must be an object."


def read_delivery(source: InboundSource, raw: bytes, limits: MailLimits) -> Reading:
    """Parse once: the Message-ID for de-duplication comes from the same reading of a raw
    message as its content. Runs in a pool worker."""
    refused = _refusal(source, raw)
    if refused is not None:
        return Reading(None, "", None, None, refused)
    message: EmailMessage | None = None
    try:
        if source is InboundSource.rfc822:
            message = read_rfc822(raw, limits)
        parsed = parse_stored(source, raw, message, limits)
    except Exception as exc:  # stored as failed with the reason
        if not isinstance(exc, MailParseError):
            # A bug: its traceback stays in this process, so it travels as a note (logged).
            exc.add_note(traceback.format_exc())
        sender, subject = sender_and_subject_of(source, raw, limits)
        return Reading(*identify(source, raw, message, limits), None, exc, None, sender, subject)
    return Reading(*identify(source, raw, message, limits), parsed, None)


def parse_again(source: InboundSource, raw: bytes, limits: MailLimits) -> ParsedEmail:
    """A stored delivery parsed again (retry, assignment). Runs in a pool worker."""
    return parse_stored(source, raw, None, limits)


# ---------------------------------------------------------------- the pool

_pool: ProcessPoolExecutor | None = None
_pool_lock = threading.Lock()


def _lower_priority() -> None:
    # As the PDF workers (app/letters/pdf.py): the event loop keeps its core.
    os.nice(10)


def _get_pool() -> ProcessPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            # "forkserver": forking a process that runs an event loop and threads can copy
            # held locks into the child.
            method = (
                "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
            )
            _pool = ProcessPoolExecutor(
                max_workers=max(1, min(2, os.cpu_count() or 1)),
                mp_context=multiprocessing.get_context(method),
                initializer=_lower_priority,
            )
        return _pool


def _discard(pool: ProcessPoolExecutor) -> None:
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


async def _in_pool(fn: Callable[..., T], *args: object) -> T:
    pool = _get_pool()
    try:
        # Submitted from a thread: the first submit starts the worker processes, which waits
        # for the forkserver (a tenth of a second the event loop would otherwise stand still).
        future = await anyio.to_thread.run_sync(pool.submit, fn, *args)
        return await asyncio.wrap_future(future)
    except BrokenProcessPool:
        _discard(pool)  # a worker died (e.g. out of memory): the next call starts afresh
        raise


async def read_off_loop(source: InboundSource, raw: bytes, limits: MailLimits) -> Reading:
    """`read_delivery` in the pool; a worker that died gives a failed reading."""
    try:
        return await _in_pool(read_delivery, source, raw, limits)
    except BrokenProcessPool as exc:
        # Not parsed here either: the raw body's hash is its identity (C code, no parsing).
        return Reading(None, f"sha256:{hashlib.sha256(raw).hexdigest()}", None, exc)


async def parse_off_loop(source: InboundSource, raw: bytes, limits: MailLimits) -> ParsedEmail:
    """`parse_again` in the pool."""
    return await _in_pool(parse_again, source, raw, limits)


def shutdown_pool(wait: bool = True) -> None:
    """Stop the workers; the next read starts a new pool."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=wait, cancel_futures=True)
