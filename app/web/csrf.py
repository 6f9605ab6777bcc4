"""CSRF tokens for the public form: a signed double-submit cookie.

The form has no session to bind a token to, so the token travels twice: in an HttpOnly,
SameSite=Strict cookie and in a hidden form field. A POST is accepted only when both are
present, equal, carry a valid HMAC made with the server's secret, and are not expired.
Another site can make a browser send our cookie but can neither read it nor mint a token
that verifies, so it cannot fill the hidden field. Signing (rather than a bare random value)
also stops a subdomain that can plant cookies from choosing a token of its own.

A token registers one claim at most: the service records its nonce as used (`nonce`,
`expires_at`), in the database, so that a pair replayed after a success is refused by every
replica.

Pure: the clock (`now`, Unix seconds) and the secret are passed in.
"""

import base64
import hashlib
import hmac
import secrets
from enum import StrEnum

COOKIE_NAME = "claims_csrf"
FIELD_NAME = "csrf_token"
# A token minted by a server whose clock runs a little ahead is still accepted.
CLOCK_SKEW_SECONDS = 60


class CsrfResult(StrEnum):
    ok = "ok"
    missing = "missing"
    mismatch = "mismatch"
    malformed = "malformed"
    bad_signature = "bad_signature"
    expired = "expired"


def _signature(secret: bytes, payload: str) -> str:
    digest = hmac.new(secret, b"claims-web-csrf:" + payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def new_token(secret: bytes, *, now: int, nonce: str | None = None) -> str:
    """A fresh token `nonce.issued_at.signature`; the nonce is random unless given (tests)."""
    nonce = nonce or secrets.token_urlsafe(18)
    payload = f"{nonce}.{int(now)}"
    return f"{payload}.{_signature(secret, payload)}"


def _check_one(secret: bytes, token: str, *, now: int, max_age: int) -> CsrfResult:
    parts = token.split(".")
    if len(parts) != 3 or not all(parts) or not parts[1].isdigit():
        return CsrfResult.malformed
    nonce, issued, signature = parts
    if not hmac.compare_digest(signature, _signature(secret, f"{nonce}.{issued}")):
        return CsrfResult.bad_signature
    age = now - int(issued)
    if age > max_age or age < -CLOCK_SKEW_SECONDS:
        return CsrfResult.expired
    return CsrfResult.ok


def verify(
    secret: bytes,
    *,
    form_token: str | None,
    cookie_token: str | None,
    now: int,
    max_age: int,
) -> CsrfResult:
    """Checks a submitted form: both copies present and equal, signed by us, not expired."""
    if not form_token or not cookie_token:
        return CsrfResult.missing
    if not hmac.compare_digest(form_token.encode(), cookie_token.encode()):
        return CsrfResult.mismatch
    return _check_one(secret, form_token, now=now, max_age=max_age)


def token_for_form(secret: bytes, *, cookie_token: str | None, now: int, max_age: int) -> str:
    """The token to put in a page: the cookie's own while it has more than half its life left.

    Reusing it keeps two open tabs of the form working; renewing it in time keeps a form that
    someone fills slowly from expiring under them.
    """
    if cookie_token and _check_one(secret, cookie_token, now=now, max_age=max_age // 2) == "ok":
        return cookie_token
    return new_token(secret, now=now)


def nonce(token: str) -> str:
    """The token's random part, which names it once used (of a token that verified)."""
    return token.split(".", 1)[0]


def expires_at(token: str, *, max_age: int) -> int:
    """Unix seconds after which no check accepts the token (of a token that verified)."""
    return int(token.split(".")[1]) + max_age + CLOCK_SKEW_SECONDS
