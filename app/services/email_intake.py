"""Email intake: store every delivery raw, then parse it into a new claim or a message on one.

Two transactions on purpose. The raw delivery is committed first, so that nothing a parser,
a matcher or the database does afterwards can lose it; the unique `dedup_key` (the
Message-ID) makes a redelivery, or the copy that reached the mailbox through Cc, fail that
first insert and return the first result instead. Processing then runs in its own
transaction: the claim or message, its attachments and the inbound row's new status commit
together, or the row is marked failed with the error and waits for a specialist.
"""

import base64
import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import Conflict, DomainError, NotFound
from app.mail.parsing import FormFile, MailParseError, normalize_message_id
from app.models.claims import Claim
from app.models.email_intake import (
    InboundEmail,
    InboundEmailPage,
    InboundEmailRead,
    InboundSource,
    InboundStatus,
    IntakeResult,
)
from app.models.types import utcnow
from app.security import Principal
from app.services.claims import get_claim
from app.services.email_filing import IntakeFailure, file_email

log = logging.getLogger("app.email_intake")

# A row still `received` this long after arrival was abandoned mid-processing (a crash, a
# lost connection): it is listed with the failed ones and may be retried.
STALE_AFTER = timedelta(minutes=10)
_MAX_DEDUP = 500


@dataclass(slots=True)
class Delivery:
    """One webhook call, already authenticated, as it will be stored."""

    source: InboundSource
    content_type: str
    raw: bytes
    headers: dict[str, str]
    principal: Principal
    fields: dict[str, str] = field(default_factory=dict)  # Mailgun form fields
    files: list[FormFile] = field(default_factory=list)  # Mailgun attachments


# ---------------------------------------------------------------- storing raw


def mailgun_document(fields: dict[str, str], files: list[FormFile]) -> bytes:
    """Mailgun's form as one JSON document, so it can be stored and parsed again later."""
    doc = {
        "fields": fields,
        "files": [
            {
                "field": f.field_name,
                "filename": f.filename,
                "content_type": f.content_type,
                "content_base64": base64.b64encode(f.content).decode(),
            }
            for f in files
        ],
    }
    return json.dumps(doc, ensure_ascii=False).encode()


def _header_message_id(raw: bytes) -> str | None:
    try:
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        return normalize_message_id(str(headers.get("message-id") or ""))
    except Exception:  # a header the parser trips over: de-duplicate by content instead
        return None


def _identify(delivery: Delivery) -> tuple[str | None, str]:
    """(Message-ID, dedup key). Without a Message-ID, identical bodies are one message."""
    message_id: str | None = None
    digest_source = delivery.raw
    if delivery.source is InboundSource.rfc822:
        message_id = _header_message_id(delivery.raw)
    elif delivery.source is InboundSource.json:
        try:
            value = json.loads(delivery.raw).get("message_id")
        except (ValueError, AttributeError):
            value = None
        message_id = normalize_message_id(value) if isinstance(value, str) else None
    else:
        fields = delivery.fields
        message_id = normalize_message_id(fields.get("Message-Id") or fields.get("message-id"))
        if message_id is None and fields.get("body-mime"):
            message_id = _header_message_id(fields["body-mime"].encode("utf-8", "surrogateescape"))
        # Each Mailgun call carries a fresh timestamp, token and signature: not content.
        stable = {k: v for k, v in fields.items() if k not in ("timestamp", "token", "signature")}
        digest_source = json.dumps(stable, sort_keys=True).encode()
    if message_id and len(message_id) <= _MAX_DEDUP - 4:
        return message_id, f"mid:{message_id}"
    digest = hashlib.sha256(message_id.encode() if message_id else digest_source).hexdigest()
    return (message_id[:_MAX_DEDUP] if message_id else None), f"sha256:{digest}"


async def receive(session: AsyncSession, *, delivery: Delivery, settings: Settings) -> IntakeResult:
    """Store the delivery raw (its own commit), then process it; a redelivery changes nothing."""
    message_id, dedup_key = _identify(delivery)
    row = InboundEmail(
        source=delivery.source,
        content_type=delivery.content_type[:200],
        raw=delivery.raw,
        headers=delivery.headers,
        size=len(delivery.raw),
        received_by=delivery.principal.name,
        dedup_key=dedup_key,
        message_id=message_id,
    )
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        first = (
            await session.execute(select(InboundEmail).where(InboundEmail.dedup_key == dedup_key))
        ).scalar_one_or_none()
        if first is None:  # not a duplicate after all: a genuine integrity problem
            raise
        log.info(
            "duplicate email delivery", extra={"inbound_id": first.id, "message_id": message_id}
        )
        return IntakeResult(**(await _read(session, first)).model_dump(), duplicate=True)
    log.info(
        "email stored",
        extra={
            "inbound_id": row.id,
            "message_id": message_id,
            "size": row.size,
            "source": row.source,
        },
    )
    processed = await _process(
        session, row_id=row.id, principal=delivery.principal, settings=settings
    )
    return IntakeResult(**processed.model_dump(), duplicate=False)


# ----------------------------------------------------------------- processing


async def _process(
    session: AsyncSession,
    *,
    row_id: int | None,
    principal: Principal,
    settings: Settings,
    assign_to: str | None = None,
) -> InboundEmailRead:
    """Turn a stored delivery into a claim or a message, in one transaction; on any failure
    roll that back and keep the row as failed with the reason."""
    stmt = select(InboundEmail).where(InboundEmail.id == row_id).with_for_update()
    row = (await session.execute(stmt)).scalar_one()
    if assign_to is None and row.status in (InboundStatus.processed, InboundStatus.ignored):
        raise Conflict(f"Inbound email {row_id} is already {row.status}.", status_now=row.status)
    if assign_to is not None and row.status == InboundStatus.processed:
        raise Conflict(f"Inbound email {row_id} is already on a claim.", status_now=row.status)
    attempts = row.attempts + 1
    try:
        await file_email(session, row, principal=principal, settings=settings, assign_to=assign_to)
        row.attempts = attempts
        row.processed_at = utcnow()
        await session.commit()
    except Exception as exc:
        await session.rollback()
        if assign_to is not None:
            # A specialist is waiting for the answer: nothing changed, say why.
            if isinstance(exc, DomainError):
                raise
            log.exception("email assignment failed", extra={"inbound_id": row_id})
            raise IntakeFailure(_describe(exc)) from exc
        expected = isinstance(exc, MailParseError | DomainError | ValidationError)
        reason = _describe(exc)
        if expected:
            log.warning("email failed", extra={"inbound_id": row_id, "error": reason})
        else:
            log.exception("email processing crashed", extra={"inbound_id": row_id})
        row = (await session.execute(stmt)).scalar_one()
        row.status, row.error, row.attempts = InboundStatus.failed, reason, attempts
        row.processed_at = utcnow()
        await session.commit()
    return await _read(session, row)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return "invalid for a claim: " + "; ".join(parts)
    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, MailParseError):
        return f"cannot be parsed: {exc}"
    return f"internal error ({type(exc).__name__}); see the service log"


# ------------------------------------------------------------ the failed queue


async def _read(session: AsyncSession, row: InboundEmail) -> InboundEmailRead:
    number = None
    if row.claim_id is not None:
        number = (
            await session.execute(select(Claim.number).where(Claim.id == row.claim_id))
        ).scalar_one_or_none()
    return InboundEmailRead(
        id=row.id,
        received_at=row.received_at,
        source=row.source,
        status=row.status,  # type: ignore[arg-type]
        outcome=row.outcome,
        message_id=row.message_id,
        from_address=row.from_address,
        subject=row.subject,
        claim_number=number,
        error=row.error,
        notes=row.notes,
        attempts=row.attempts,
        size=row.size,
    )


async def get_inbound(session: AsyncSession, *, inbound_id: int) -> InboundEmailRead:
    row = await session.get(InboundEmail, inbound_id)
    if row is None:
        raise NotFound(f"Inbound email {inbound_id} does not exist.")
    return await _read(session, row)


def _needs_attention():  # type: ignore[no-untyped-def]
    stale = utcnow() - STALE_AFTER
    return or_(
        InboundEmail.status == InboundStatus.failed,
        (InboundEmail.status == InboundStatus.received) & (InboundEmail.received_at < stale),  # type: ignore[operator]
    )


async def list_failed(
    session: AsyncSession, *, limit: int, before: int | None = None
) -> InboundEmailPage:
    """Failed deliveries (and ones abandoned mid-processing), newest first."""
    stmt = select(InboundEmail).where(_needs_attention())
    if before is not None:
        stmt = stmt.where(InboundEmail.id < before)  # type: ignore[operator]
    rows = (
        (
            await session.execute(stmt.order_by(InboundEmail.id.desc()).limit(limit + 1))  # type: ignore[union-attr]
        )
        .scalars()
        .all()
    )
    items = [await _read(session, r) for r in rows[:limit]]
    return InboundEmailPage(items=items, next_before=items[-1].id if len(rows) > limit else None)


async def _require(session: AsyncSession, inbound_id: int) -> InboundEmail:
    row = await session.get(InboundEmail, inbound_id)
    if row is None:
        raise NotFound(f"Inbound email {inbound_id} does not exist.")
    return row


async def retry(
    session: AsyncSession, *, inbound_id: int, principal: Principal, settings: Settings
) -> InboundEmailRead:
    """Process a failed (or abandoned) delivery again, e.g. after its claim was created."""
    row = await _require(session, inbound_id)
    if row.status == InboundStatus.received and row.received_at > utcnow() - STALE_AFTER:
        raise Conflict(f"Inbound email {inbound_id} is still being processed.")
    await session.rollback()  # release the read before _process locks the row
    return await _process(session, row_id=inbound_id, principal=principal, settings=settings)


async def assign(
    session: AsyncSession,
    *,
    inbound_id: int,
    claim_number: str,
    principal: Principal,
    settings: Settings,
) -> InboundEmailRead:
    """Put a failed or ignored delivery on the given claim as a customer message."""
    await _require(session, inbound_id)
    await get_claim(session, claim_number)  # 404 before anything changes
    await session.rollback()
    return await _process(
        session, row_id=inbound_id, principal=principal, settings=settings, assign_to=claim_number
    )
