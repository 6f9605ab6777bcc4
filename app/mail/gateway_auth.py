"""Who may deliver email: the signed gateway, Mailgun, or an `intake` API key.

A delivery that carries a signature is judged by it alone: a wrong signature is refused even
when an API key is sent too, so a tampered body never gets in through a second door.
"""

import logging
import time
from collections.abc import Mapping

from pydantic import SecretStr
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
    verify_body_signature,
    verify_mailgun_signature,
)

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
