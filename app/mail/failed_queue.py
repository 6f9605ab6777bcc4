"""The inbound emails that need a person: listing, reading, retrying and assigning stored
deliveries, and how an inbound row is shown (shared with the intake in intake.py)."""

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.reading import get_claim
from app.config import Settings
from app.errors import Conflict, DomainError, NotFound
from app.mail.filing import IntakeFailure, file_stored
from app.mail.offload import sender_and_subject_of
from app.mail.parsing import MailLimitExceeded, MailParseError
from app.models.claims import Claim
from app.models.email_intake import (
    STALE_AFTER,
    InboundEmail,
    InboundEmailPage,
    InboundEmailRead,
    InboundStatus,
)
from app.models.types import utcnow

log = logging.getLogger("app.email_intake")


# ------------------------------------------------- shown, and why it failed


async def claim_number(session: AsyncSession, row: InboundEmail) -> str | None:
    if row.claim_id is None:
        return None
    stmt = select(col(Claim.number)).where(col(Claim.id) == row.claim_id)
    return (await session.execute(stmt)).scalar_one_or_none()


def inbound_view(
    row: InboundEmail,
    number: str | None,
    model: type[InboundEmailRead] = InboundEmailRead,
    **extra: Any,
) -> Any:
    assert row.id is not None  # a stored row
    sender, subject = row.from_address, row.subject
    if sender is None or subject is None:
        # A delivery that failed before it was parsed stored neither (rows from before
        # _store_failed kept them): its headers still say who wrote and about what.
        found = sender_and_subject_of(row.source, row.raw)
        sender, subject = sender or found[0], subject or found[1]
    return model(
        id=row.id,
        received_at=row.received_at,
        source=row.source,
        status=row.status,
        outcome=row.outcome,
        message_id=row.message_id,
        from_address=sender,
        subject=subject,
        claim_number=number,
        error=row.error,
        notes=row.notes,
        attempts=row.attempts,
        size=row.size,
        **extra,
    )


def log_failure(exc: Exception, reason: str, **extra: Any) -> None:
    extra["error"] = reason
    if isinstance(exc, MailParseError | DomainError | ValidationError):
        log.warning("email failed", extra=extra)
    else:
        log.error("email processing crashed", extra=extra, exc_info=exc)


def describe_failure(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return "invalid for a claim: " + "; ".join(parts)
    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, MailLimitExceeded):
        return f"over a limit: {exc}; stored as received"
    if isinstance(exc, MailParseError):
        return f"cannot be parsed: {exc}"
    return f"internal error ({type(exc).__name__}); see the service log"


# ----------------------------------------------------------------- processing


async def _process(
    session: AsyncSession,
    *,
    row_id: int | None,
    principal: Principal,
    settings: Settings,
    assign_to: str | None = None,
) -> InboundEmailRead:
    """File a stored delivery (a retry or an assignment) in one transaction; on any failure
    roll that back and keep the row as failed with the reason."""
    stmt = select(InboundEmail).where(col(InboundEmail.id) == row_id).with_for_update()
    row = (await session.execute(stmt)).scalar_one()
    if assign_to is None and row.status in (InboundStatus.processed, InboundStatus.ignored):
        raise Conflict(f"Inbound email {row_id} is already {row.status}.", status_now=row.status)
    if assign_to is not None and row.status == InboundStatus.processed:
        raise Conflict(f"Inbound email {row_id} is already on a claim.", status_now=row.status)
    attempts = row.attempts + 1
    try:
        claim = await file_stored(
            session, row, principal=principal, settings=settings, assign_to=assign_to
        )
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
            raise IntakeFailure(describe_failure(exc)) from exc
        reason = describe_failure(exc)
        log_failure(exc, reason, inbound_id=row_id)
        row = (await session.execute(stmt)).scalar_one()
        row.status, row.error, row.attempts = InboundStatus.failed, reason, attempts
        row.processed_at = utcnow()
        await session.commit()
        return await _read(session, row)
    return inbound_view(row, claim.number if claim else None)


# ------------------------------------------------------------ the failed queue


async def _read(session: AsyncSession, row: InboundEmail) -> InboundEmailRead:
    return inbound_view(row, await claim_number(session, row))


async def get_inbound(session: AsyncSession, *, inbound_id: int) -> InboundEmailRead:
    row = await session.get(InboundEmail, inbound_id)
    if row is None:
        raise NotFound(f"Inbound email {inbound_id} does not exist.")
    return await _read(session, row)


def _needs_attention() -> ColumnElement[bool]:
    stale = utcnow() - STALE_AFTER
    return or_(
        col(InboundEmail.status) == InboundStatus.failed,
        (col(InboundEmail.status) == InboundStatus.received)
        & (col(InboundEmail.received_at) < stale),
    )


async def list_failed(
    session: AsyncSession, *, limit: int, before: int | None = None
) -> InboundEmailPage:
    """Failed deliveries (and ones abandoned mid-processing), newest first."""
    stmt = select(InboundEmail).where(_needs_attention())
    if before is not None:
        stmt = stmt.where(col(InboundEmail.id) < before)
    rows = (
        (await session.execute(stmt.order_by(col(InboundEmail.id).desc()).limit(limit + 1)))
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
