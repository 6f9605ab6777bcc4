"""One HTTP attempt: a signed webhook call or a hand-over to the email gateway.

No database here: the worker decides what to send and records the result.
Any 2xx is success; everything else (other statuses, timeouts, refused
connections, a destination the outbound guard refused) is a failed attempt that
the worker retries with backoff. The URL was checked and resolved just before
(`outbound.py`): the request goes to the address that was checked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import httpx

from app import msgids
from app.events import signing
from app.events.outbound import Destination
from app.models.events import EMAIL_EVENT_TYPES

# What an admin sees of a receiver's answer: its first characters, never its headers. The
# body is read no further than this, whatever the receiver sends.
EXCERPT_CHARS = 500
_EXCERPT_BYTES = 4 * EXCERPT_CHARS


@dataclass(frozen=True)
class AttemptResult:
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: int
    response_excerpt: str | None = None


async def _post(
    client: httpx.AsyncClient,
    destination: Destination,
    *,
    content: bytes,
    headers: dict[str, str],
    auth: httpx.Auth | None = None,
) -> AttemptResult:
    started = time.perf_counter()
    request = client.build_request(
        "POST",
        destination.request_url(),
        content=content,
        headers={**headers, **destination.headers()},
        extensions=destination.extensions(),
    )
    try:
        response = await client.send(request, auth=auth, stream=True)
        try:
            excerpt = await _excerpt(response)
        finally:
            await response.aclose()
    except httpx.TimeoutException as exc:
        return AttemptResult(False, None, f"timeout: {type(exc).__name__}", _ms(started))
    except httpx.HTTPError as exc:
        return AttemptResult(False, None, f"{type(exc).__name__}: {exc}"[:500], _ms(started))
    ok = 200 <= response.status_code < 300
    error = None if ok else f"HTTP {response.status_code}"
    return AttemptResult(ok, response.status_code, error, _ms(started), excerpt)


async def _excerpt(response: httpx.Response) -> str | None:
    data = b""
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) >= _EXCERPT_BYTES:
            break
    if not data:
        return None
    text = data[:_EXCERPT_BYTES].decode(response.encoding or "utf-8", errors="replace")
    return text[:EXCERPT_CHARS]


# 4xx answers that say something about our configuration or the gateway's state, not about the
# message: retried with backoff (credentials and URL may be fixed meanwhile). Every other 4xx
# is the gateway refusing this message for good; 5xx and network errors are retried.
_RETRIED_4XX = frozenset({401, 403, 404, 407, 408, 409, 423, 425, 429})


def refused_for_good(result: AttemptResult) -> bool:
    """The email gateway will never take this message: no retry helps."""
    code = result.status_code
    return code is not None and 400 <= code < 500 and code not in _RETRIED_4XX


def gateway_id(excerpt: str | None) -> str | None:
    """The gateway's id for an accepted message, when its JSON answer names one (`id`, as
    Mailgun's, or `message_id`)."""
    if not excerpt:
        return None
    try:
        answer = json.loads(excerpt)
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    for key in ("id", "message_id", "messageId"):
        value = answer.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:500]
    return None


def refused(reason: str) -> AttemptResult:
    """An attempt the outbound guard stopped before any connection."""
    return AttemptResult(False, None, f"refused: {reason}", 0)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def send_webhook(
    client: httpx.AsyncClient,
    *,
    destination: Destination,
    secret: str,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    data: dict[str, Any],
    timestamp: int | None = None,
) -> AttemptResult:
    """POST the signed envelope; the signature is fresh on every attempt."""
    envelope = signing.build_envelope(
        event_id=event_id, event_type=event_type, time=occurred_at, data=data
    )
    body = signing.encode_envelope(envelope)
    headers = signing.signed_headers(
        secret=secret,
        body=body,
        event_id=event_id,
        event_type=event_type,
        timestamp=int(time.time()) if timestamp is None else timestamp,
    )
    headers["User-Agent"] = "claims-service-webhooks/1"
    return await _post(client, destination, content=body, headers=headers)


def message_id_for(event_id: str, domain: str) -> str:
    """A stable Message-ID for an outbound email: the same on every retry."""
    return f"<{event_id}@{domain}>"


def outbound_message_id(email: dict[str, Any], *, event_id: str, domain: str) -> str:
    """The Message-ID the gateway gets: the producer's, if it is a msg-id, else our own."""
    return msgids.emitted(email.get("message_id")) or message_id_for(event_id, domain)


# The fields the gateway turns into headers: a CR or LF in any of them would let the text
# that follows become a header of its own, so line breaks become spaces, whatever the producer.
_HEADER_FIELDS = ("from", "to", "cc", "bcc", "reply_to", "subject")


def _one_line(value: Any) -> Any:
    if isinstance(value, str):
        return " ".join(value.splitlines()) if ("\r" in value or "\n" in value) else value
    if isinstance(value, list):
        return [_one_line(item) for item in value]
    return value


def email_request(payload: dict[str, Any], *, event_id: str, domain: str) -> dict[str, Any]:
    """The gateway's JSON: the producer's fields, a Message-ID if it set none, and the
    threading ids in their emitted form (app/msgids.py); invalid ids are left out."""
    message = dict(payload)
    message["message_id"] = outbound_message_id(payload, event_id=event_id, domain=domain)
    if "in_reply_to" in message:
        message["in_reply_to"] = msgids.emitted(message["in_reply_to"])
    if "references" in message:
        refs = message["references"]
        emitted = [msgids.emitted(r) for r in (refs if isinstance(refs, list) else [refs])]
        message["references"] = [r for r in emitted if r]
    for name in _HEADER_FIELDS:
        if name in message:
            message[name] = _one_line(message[name])
    return message


async def send_email(
    client: httpx.AsyncClient,
    *,
    destination: Destination,
    message: dict[str, Any],
    event_id: str,
    token: str | None = None,
    username: str | None = None,
    password: str | None = None,
) -> AttemptResult:
    """Hand one message to the email gateway (JSON); ``Idempotency-Key`` is the event id."""
    body = signing.encode_envelope(message)
    headers = {
        "Content-Type": "application/json",
        "Idempotency-Key": event_id,
        signing.EVENT_ID_HEADER: event_id,
        "User-Agent": "claims-service-mailer/1",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    auth = httpx.BasicAuth(username, password or "") if username else None
    return await _post(client, destination, content=body, headers=headers, auth=auth)


def email_of(event_type: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """The email an outbox event carries: an `email.outbound` row is one; other events (a
    `letter.sent` by email) carry theirs under `"email"` and are webhook events as well."""
    if event_type in EMAIL_EVENT_TYPES:
        return payload
    inner = payload.get("email")
    return inner if isinstance(inner, dict) else None


class AttachmentMissing(Exception):
    pass


async def inline_attachments(message: dict[str, Any], storage_dir: Path | None) -> dict[str, Any]:
    """Attachments given by `storage_key` (our stored files, e.g. a frozen letter PDF) are
    sent to the gateway inline as `content_base64`; the sha256, when given, must match."""
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not any(
        isinstance(a, dict) and "storage_key" in a and "content_base64" not in a
        for a in attachments
    ):
        return message
    if storage_dir is None:
        raise AttachmentMissing("attachments by storage_key need CLAIMS_STORAGE_DIR")
    inlined = []
    for item in attachments:
        if not isinstance(item, dict) or "storage_key" not in item or "content_base64" in item:
            inlined.append(item)
            continue
        key = str(item["storage_key"])
        data = await anyio.to_thread.run_sync(_read_stored, storage_dir, key)
        if item.get("sha256") and hashlib.sha256(data).hexdigest() != item["sha256"]:
            raise AttachmentMissing(f"attachment {key!r} does not match its sha256")
        extra = {k: v for k, v in item.items() if k != "storage_key"}
        inlined.append({**extra, "content_base64": base64.b64encode(data).decode("ascii")})
    return {**message, "attachments": inlined}


def _read_stored(storage_dir: Path, key: str) -> bytes:
    root = storage_dir.resolve()
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise AttachmentMissing(f"attachment {key!r} is outside the storage")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AttachmentMissing(f"attachment {key!r}: {exc.strerror or exc}") from exc
