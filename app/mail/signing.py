"""Webhook signatures of inbound mail: our gateway's HMAC headers and Mailgun's scheme.

Pure functions: the caller passes `now` (unix seconds). Both schemes sign a
timestamp, and a delivery whose timestamp is more than `tolerance` seconds
away from now, in either direction, is refused (replay, or a skewed clock).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from enum import StrEnum

TIMESTAMP_HEADER = "X-Claims-Timestamp"
SIGNATURE_HEADER = "X-Claims-Signature"
DEFAULT_TOLERANCE = 300  # seconds

_HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class SignatureFailure(StrEnum):
    missing = "missing"
    malformed = "malformed"
    expired = "expired"
    mismatch = "mismatch"
    replayed = "replayed"


class SignatureError(ValueError):
    def __init__(self, reason: SignatureFailure, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def _secrets(secret: str | bytes | Iterable[str | bytes]) -> list[bytes]:
    # Several secrets verify during a rotation: the old and the new one.
    items = [secret] if isinstance(secret, str | bytes) else list(secret)
    return [s.encode() if isinstance(s, str) else s for s in items if s]


def _check_timestamp(timestamp: str | None, now: float, tolerance: int) -> int:
    if not timestamp:
        raise SignatureError(SignatureFailure.missing, "the signature timestamp is missing")
    value = timestamp.strip()
    if not value.isdigit() or len(value) > 12:
        raise SignatureError(SignatureFailure.malformed, "the timestamp must be unix seconds")
    ts = int(value)
    if abs(now - ts) > tolerance:
        raise SignatureError(
            SignatureFailure.expired,
            f"the timestamp is more than {tolerance} seconds away from the server's clock",
        )
    return ts


def _match(expected: list[str], given: str) -> bool:
    # compare_digest on every candidate: no early exit that leaks which matched
    ok = False
    for candidate in expected:
        ok |= hmac.compare_digest(candidate.encode(), given.lower().encode())
    return ok


def sign_body(secret: str | bytes, timestamp: str | int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `timestamp + "." + body` (what the gateway sends)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify_body_signature(
    *,
    secret: str | bytes | Iterable[str | bytes],
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check `X-Claims-Signature` (hex, or `sha256=<hex>`) over the raw body.

    Raises `SignatureError` with the reason; returns None when valid.
    """
    keys = _secrets(secret)
    if not keys:
        raise SignatureError(SignatureFailure.missing, "no signing secret is configured")
    if not signature:
        raise SignatureError(SignatureFailure.missing, "the signature header is missing")
    _check_timestamp(timestamp, now, tolerance)
    given = signature.strip()
    if given.lower().startswith("sha256="):
        given = given[7:]
    if not _HEX.match(given):
        raise SignatureError(SignatureFailure.malformed, "the signature must be 64 hex digits")
    assert timestamp is not None
    expected = [sign_body(k, timestamp.strip(), body) for k in keys]
    if not _match(expected, given):
        raise SignatureError(SignatureFailure.mismatch, "the signature does not match the body")


def sign_mailgun(signing_key: str | bytes, timestamp: str | int, token: str) -> str:
    """Mailgun's signature: hex HMAC-SHA256 of `timestamp + token`."""
    key = signing_key.encode() if isinstance(signing_key, str) else signing_key
    return hmac.new(key, f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()


def verify_mailgun_signature(
    *,
    signing_key: str | bytes | Iterable[str | bytes],
    timestamp: str | None,
    token: str | None,
    signature: str | None,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Check Mailgun's `timestamp`/`token`/`signature` form fields.

    Mailgun signs only the timestamp and token, not the content: the caller
    must also refuse a token it has seen within the window (gateway_auth.py),
    or one signature would carry any content for the whole window.
    """
    keys = _secrets(signing_key)
    if not keys:
        raise SignatureError(SignatureFailure.missing, "no Mailgun signing key is configured")
    if not token or not signature:
        raise SignatureError(SignatureFailure.missing, "Mailgun token or signature is missing")
    _check_timestamp(timestamp, now, tolerance)
    given = signature.strip()
    if not _HEX.match(given):
        raise SignatureError(SignatureFailure.malformed, "the signature must be 64 hex digits")
    assert timestamp is not None
    expected = [sign_mailgun(k, timestamp.strip(), token) for k in keys]
    if not _match(expected, given):
        raise SignatureError(SignatureFailure.mismatch, "the Mailgun signature does not match")
