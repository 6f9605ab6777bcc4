"""Email intake: every delivery is stored raw, in the same transaction as what it became.

The message is parsed first, in a worker process within the limits (offload.py; no database,
no connection held, never on the event loop), and its attachment files are written to storage
(content-addressed: a repeat writes the same file). Then:

1. One transaction INSERTs the raw delivery and flushes it before anything else. Its unique
   `dedup_key` (the Message-ID, or a hash of the body without one) is the de-duplication: a
   redelivery, or the copy that reached the mailbox through Cc, fails this first statement,
   before any claim work, and gets the first delivery's result. A copy arriving while the
   first is in flight waits for it on the unique index (PostgreSQL) or the write lock
   (SQLite's BEGIN IMMEDIATE) and then fails the same way: two copies never make two claims.
   (Inserting the row last, with its outcome, would save the UPDATE below, but a redelivery,
   which comes when the service is slow, would then redo the whole claim under the numbering
   lock before failing.)
2. The same transaction threads the message or registers its claim, adds the message and the
   attachment rows, marks the row `processed` (or `ignored`) and commits: the raw delivery and
   the claim become visible together.
3. Any other failure (not parseable, over a limit, an unknown claim number, no sender, a bug,
   the database refusing a row) rolls that transaction back, and a fresh one stores the raw
   delivery as `failed` with the reason, for a specialist (the failed queue: retry, assign). A
   message that cannot be parsed, or is over a limit, goes there directly.

Nothing is lost: until a commit the gateway has had no answer, and it delivers again until it
gets a 2xx; if storing the failed row fails too, the request fails. (This used to be two
transactions, the raw row committed alone and then re-read FOR UPDATE to be processed: for a
new claim 13 statements and two commits, now 9 and one, for the same guarantees.)

Retrying or assigning a stored delivery (failed_queue.py) locks its row and files it in one
transaction, or leaves it failed with the reason.
"""

import base64
import json
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.errors import InvalidInput
from app.mail.failed_queue import claim_number, describe_failure, inbound_view, log_failure
from app.mail.filing import (
    Staged,
    file_email,
    mail_limits,
    sender_and_subject,
    stage_attachments,
    will_file,
)
from app.mail.offload import Reading, read_off_loop
from app.mail.parsing import FormFile
from app.models.email_intake import (
    InboundEmail,
    InboundSource,
    InboundStatus,
    IntakeResult,
)
from app.models.types import utcnow

log = logging.getLogger("app.email_intake")


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


# ---------------------------------------------------------------- reading


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


def _new_row(delivery: Delivery, reading: Reading) -> InboundEmail:
    return InboundEmail(
        source=delivery.source,
        content_type=delivery.content_type[:200],
        raw=delivery.raw,
        headers=delivery.headers,
        size=len(delivery.raw),
        received_by=delivery.principal.name,
        dedup_key=reading.dedup_key,
        message_id=reading.message_id,
    )


# ---------------------------------------------------------------- receiving


async def receive(session: AsyncSession, *, delivery: Delivery, settings: Settings) -> IntakeResult:
    """Store the delivery with what it became (see the module docstring); a redelivery
    changes nothing and answers with the first result."""
    if session.in_transaction():
        # An API key lookup began one: no lock or connection held through the work below.
        await session.rollback()
    # Parsed in a worker process, within the limits (offload.py): never on the event loop.
    reading = await read_off_loop(delivery.source, delivery.raw, mail_limits(settings))
    if reading.refused is not None:
        raise InvalidInput(reading.refused)
    parsed = reading.parsed
    if parsed is None:
        assert reading.error is not None
        return await _store_failed(session, delivery, reading, reading.error)
    if parsed.dropped_ids:
        # Not msg-ids: they would be copied into the headers of our replies (app/msgids.py).
        log.warning(
            "email message ids dropped",
            extra={"message_id": reading.message_id, "dropped": parsed.dropped_ids},
        )
    try:
        staged = await stage_attachments(parsed, settings) if will_file(parsed, None) else Staged()
    except Exception as exc:  # e.g. the storage is full: the delivery waits as failed
        return await _store_failed(session, delivery, reading, exc)
    row = _new_row(delivery, reading)
    # Set before the INSERT so that the flushes below have nothing to UPDATE.
    row.from_address, row.subject = sender_and_subject(parsed)
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        await session.rollback()
        first = await _first(session, reading.dedup_key)
        if first is None:  # not a duplicate after all: a genuine integrity problem
            raise
        return await _duplicate(session, first, reading)
    try:
        claim = await file_email(
            session,
            row,
            parsed,
            staged,
            principal=delivery.principal,
            settings=settings,
            assign_to=None,
        )
        row.attempts, row.processed_at = 1, utcnow()
        await session.commit()
    except Exception as exc:
        await session.rollback()
        return await _store_failed(session, delivery, reading, exc)
    _log_stored(row)
    return inbound_view(row, claim.number if claim else None, IntakeResult, duplicate=False)


async def _store_failed(
    session: AsyncSession, delivery: Delivery, reading: Reading, exc: Exception
) -> IntakeResult:
    """Keep the raw delivery as failed with the reason, in a transaction of its own."""
    reason = describe_failure(exc)
    log_failure(exc, reason, message_id=reading.message_id)
    row = _new_row(delivery, reading)
    row.status, row.error, row.attempts = InboundStatus.failed, reason, 1
    # Who wrote and about what, for the failed queue: from the parsed message when it was
    # parsed (filing failed), else from the delivery's headers alone (read in the pool).
    row.from_address, row.subject = (
        sender_and_subject(reading.parsed)
        if reading.parsed is not None
        else (reading.sender, reading.subject)
    )
    row.processed_at = utcnow()
    session.add(row)
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        first = await _first(session, reading.dedup_key)
        if first is None:
            raise
        return await _duplicate(session, first, reading)
    _log_stored(row)
    return inbound_view(row, None, IntakeResult, duplicate=False)


async def _first(session: AsyncSession, dedup_key: str) -> InboundEmail | None:
    stmt = select(InboundEmail).where(col(InboundEmail.dedup_key) == dedup_key)
    return (await session.execute(stmt)).scalar_one_or_none()


async def _duplicate(session: AsyncSession, first: InboundEmail, reading: Reading) -> IntakeResult:
    log.info(
        "duplicate email delivery",
        extra={"inbound_id": first.id, "message_id": reading.message_id},
    )
    return inbound_view(first, await claim_number(session, first), IntakeResult, duplicate=True)


def _log_stored(row: InboundEmail) -> None:
    log.info(
        "email stored",
        extra={
            "inbound_id": row.id,
            "message_id": row.message_id,
            "size": row.size,
            "source": row.source,
            "status": row.status,
        },
    )
