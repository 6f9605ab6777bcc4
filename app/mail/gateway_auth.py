"""Who may deliver email: the signed gateway, Mailgun, or an `intake` API key.

A delivery that carries a signature is judged by it alone: a wrong signature is refused even
when an API key is sent too, so a tampered body never gets in through a second door.

Mailgun's signature covers a timestamp and a token, not the content, so each token is taken
once: it is written to `mailgun_tokens` (committed before the delivery is processed, so every
replica sees it) and a second delivery with it within the window is refused. Our gateway's
signature covers the body: the same signature can only carry the same message, which the
intake de-duplicates.
"""

import hashlib
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth import api_keys
from app.auth.principal import Principal
from app.config import Settings
from app.enums import Role
from app.errors import Forbidden, Unauthorized
from app.mail.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    SignatureFailure,
    verify_body_signature,
    verify_mailgun_signature,
)
from app.models.email_intake import MailgunToken

log = logging.getLogger("app.email_intake")

# Signed deliveries have no API key row; they act under these names.
GATEWAY = Principal(key_id=0, name="email-gateway", roles=frozenset({Role.intake}))
MAILGUN = Principal(key_id=0, name="mailgun", roles=frozenset({Role.intake}))


def _secrets(value: SecretStr | None) -> list[str]:
    secret = value.get_secret_value() if value is not None else ""
    return [s.strip() for s in secret.split(",") if s.strip()]


def _refuse(error: SignatureError, scheme: str) -> Unauthorized:
    log.warning("email delivery refused", extra={"scheme": scheme, "reason": error.reason})
    return Unauthorized(
        f"The {scheme} signature was refused: {error.detail}.", reason=str(error.reason)
    )


async def authenticate_delivery(
    session: AsyncSession,
    *,
    headers: Mapping[str, str],
    body: bytes,
    form: Mapping[str, str] | None,
    settings: Settings,
    now: float | None = None,
) -> Principal:
    """The principal a delivery acts as, or Unauthorized/Forbidden."""
    now = time.time() if now is None else now
    tolerance = settings.email_signature_tolerance
    signature = headers.get(SIGNATURE_HEADER.lower())
    if signature is not None:
        try:
            verify_body_signature(
                secret=_secrets(settings.email_hmac_secret),
                timestamp=headers.get(TIMESTAMP_HEADER.lower()),
                signature=signature,
                body=body,
                now=now,
                tolerance=tolerance,
            )
        except SignatureError as exc:
            raise _refuse(exc, "X-Claims-Signature") from exc
        return GATEWAY
    if form is not None and "signature" in form:
        try:
            verify_mailgun_signature(
                signing_key=_secrets(settings.email_mailgun_signing_key),
                timestamp=form.get("timestamp"),
                token=form.get("token"),
                signature=form.get("signature"),
                now=now,
                tolerance=tolerance,
            )
        except SignatureError as exc:
            raise _refuse(exc, "Mailgun") from exc
        await _take_token(session, str(form.get("token")), now=now, tolerance=tolerance)
        return MAILGUN
    key = headers.get("x-api-key")
    if not key:
        raise Unauthorized(
            "Sign the delivery (X-Claims-Timestamp and X-Claims-Signature), send Mailgun's "
            "signature fields, or send an API key with the intake role in X-API-Key."
        )
    principal = await api_keys.authenticate(session, key)
    if principal is None:
        raise Unauthorized("The API key is unknown or revoked.")
    if Role.intake not in principal.roles:
        raise Forbidden(
            "Delivering email needs a key with the intake role.", required_roles=[Role.intake.value]
        )
    return principal


async def _take_token(session: AsyncSession, token: str, *, now: float, tolerance: int) -> None:
    """Record a verified Mailgun token, or refuse it as seen before. Tokens are kept for twice
    the window (a timestamp may lie up to `tolerance` ahead of our clock) and purged by the
    deliveries that come after."""
    seen_at = datetime.fromtimestamp(now, UTC)
    # Hashed: the field's length is the sender's choice, the column's is not.
    digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
    if session.in_transaction():
        await session.rollback()  # e.g. an API key lookup: the commit below must be ours alone
    await session.execute(
        delete(MailgunToken).where(
            col(MailgunToken.seen_at) < seen_at - timedelta(seconds=2 * tolerance)
        )
    )
    session.add(MailgunToken(token=digest, seen_at=seen_at))
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise _refuse(
            SignatureError(
                SignatureFailure.replayed,
                "this token was used before; Mailgun signs each delivery with a new one",
            ),
            "Mailgun",
        ) from None
