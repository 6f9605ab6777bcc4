"""Webhook envelopes and their HMAC-SHA256 signatures.

Every webhook call carries one JSON envelope in the body::

    {"id": "<event uuid>", "type": "claim.registered", "time": "2026-11-23T05:00:00Z",
     "data": {...}}

and these headers, first those of the Standard Webhooks convention
(https://www.standardwebhooks.com), which receivers verify with the
``standardwebhooks`` libraries given the subscription's ``whsec_…`` secret:

``webhook-id``
    the event id (the same on every retry and redelivery).
``webhook-timestamp``
    unix seconds of this attempt.
``webhook-signature``
    ``v1,<base64>`` where ``<base64>`` is
    ``HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>." + raw body)`` and the
    key is the secret after its ``whsec_`` prefix, base64-decoded
    (``standard_key``).

then, for a deprecation period, the service's earlier headers:

``X-Claims-Event-Id``
    the event id; the same on every retry and redelivery, so the receiver can
    drop duplicates (delivery is at least once).
``X-Claims-Event-Type``
    the event type, to route without parsing the body.
``X-Claims-Signature``
    ``t=<unix seconds>,v1=<hex>`` where ``<hex>`` is
    ``HMAC-SHA256(secret, "<t>." + raw body)``. Several ``v1=`` values may
    appear (secret rotation); one matching value is enough.

Receivers verify the *raw* body bytes (never a re-serialised copy) and reject
timestamps outside a tolerance window to stop replays. ``verify`` below does
exactly that and depends only on the standard library, so a receiver may copy
it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time as _time
from datetime import UTC, datetime
from typing import Any

WEBHOOK_ID_HEADER = "webhook-id"
WEBHOOK_TIMESTAMP_HEADER = "webhook-timestamp"
WEBHOOK_SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
SIGNATURE_HEADER = "X-Claims-Signature"  # deprecated: the Standard Webhooks headers replace it
EVENT_ID_HEADER = "X-Claims-Event-Id"
EVENT_TYPE_HEADER = "X-Claims-Event-Type"
SIGNATURE_SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The signature header is missing, malformed, stale or does not match."""


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def build_envelope(
    *, event_id: str, event_type: str, time: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """The JSON envelope for one event."""
    return {"id": event_id, "type": event_type, "time": _iso(time), "data": data}


def encode_envelope(envelope: dict[str, Any]) -> bytes:
    """Compact, stable JSON bytes: the exact bytes that are signed and sent."""
    return json.dumps(
        envelope, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str
    ).encode("utf-8")


def _key(secret: str | bytes) -> bytes:
    return secret.encode("utf-8") if isinstance(secret, str) else secret


def compute_signature(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"<timestamp>." + body``."""
    message = str(int(timestamp)).encode("ascii") + b"." + body
    return hmac.new(_key(secret), message, hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A subscription secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in
    base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def standard_key(secret: str | bytes) -> bytes:
    """The HMAC key of the Standard Webhooks signature, derived as the ``standardwebhooks``
    libraries derive it (the text after ``whsec_``, base64-decoded leniently), so that a
    receiver handing them the secret as we gave it verifies. A secret that is not base64 at
    all (one an admin chose) signs with its own bytes; such a receiver passes the library
    ``base64(secret)`` instead."""
    if isinstance(secret, bytes):
        return secret
    text = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(text + "==")
    except (binascii.Error, ValueError):
        key = b""
    return key or secret.encode("utf-8")


def standard_signature(secret: str | bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    """The value of ``webhook-signature``: ``v1,<base64 HMAC-SHA256>``."""
    message = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(standard_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_header(secret: str | bytes, body: bytes, timestamp: int) -> str:
    """The value of ``X-Claims-Signature``."""
    return f"t={int(timestamp)},{SIGNATURE_SCHEME}={compute_signature(secret, timestamp, body)}"


def signed_headers(
    *, secret: str | bytes, body: bytes, event_id: str, event_type: str, timestamp: int
) -> dict[str, str]:
    """All headers of one webhook call."""
    return {
        "Content-Type": "application/json",
        WEBHOOK_ID_HEADER: event_id,
        WEBHOOK_TIMESTAMP_HEADER: str(int(timestamp)),
        WEBHOOK_SIGNATURE_HEADER: standard_signature(secret, event_id, timestamp, body),
        EVENT_ID_HEADER: event_id,
        EVENT_TYPE_HEADER: event_type,
        SIGNATURE_HEADER: signature_header(secret, body, timestamp),
    }


def parse_signature_header(header: str) -> tuple[int, list[str]]:
    """``t=..,v1=..[,v1=..]`` → (timestamp, [signatures])."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise SignatureError("malformed timestamp") from exc
        elif key == SIGNATURE_SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("signature header lacks t= or v1=")
    return timestamp, signatures


def verify(
    secret: str | bytes,
    body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Check a received webhook; return its timestamp or raise ``SignatureError``.

    ``body`` must be the raw request body. ``now`` (unix seconds) defaults to
    the current time; ``tolerance`` bounds the clock skew and replay window.
    """
    if not header:
        raise SignatureError("missing signature header")
    timestamp, signatures = parse_signature_header(header)
    current = _time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureError("timestamp outside the tolerance window")
    expected = compute_signature(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, candidate) for candidate in signatures):
        raise SignatureError("signature does not match")
    return timestamp
