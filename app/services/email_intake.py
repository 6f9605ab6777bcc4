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
import mimetypes
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
from app.mail.language import guess_language
from app.mail.parsing import (
    FormFile,
    MailAttachment,
    MailParseError,
    ParsedEmail,
    normalize_message_id,
    parse_gateway_json,
    parse_mailgun_form,
    parse_rfc822,
)
from app.models.claims import (
    Channel,
    Claim,
    ClaimCreate,
    Message,
    MessageChannel,
    MessageCreate,
    MessageDirection,
)
from app.models.email_intake import (
    InboundEmail,
    InboundEmailPage,
    InboundEmailRead,
    InboundOutcome,
    InboundSource,
    InboundStatus,
    IntakeResult,
)
from app.models.reference import CustomerIn
from app.models.types import utcnow
from app.security import Principal
from app.services import attachments as attachment_store
from app.services.claims import get_claim, register_claim_rows
from app.services.messages import add_message_rows

log = logging.getLogger("app.email_intake")

# A row still `received` this long after arrival was abandoned mid-processing (a crash, a
# lost connection): it is listed with the failed ones and may be retried.
STALE_AFTER = timedelta(minutes=10)
_MAX_DEDUP = 500
_CONTENT_TYPE_FIXES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
}


class IntakeFailure(DomainError):
    """The message was stored but cannot become a claim or a message without a person."""

    status, type_slug, title = 422, "email-intake-failed", "Email could not be processed"


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


def _parse(row: InboundEmail) -> ParsedEmail:
    if row.source == InboundSource.rfc822:
        return parse_rfc822(row.raw)
    try:
        doc = json.loads(row.raw)
    except ValueError as exc:
        raise MailParseError(f"the stored body is not JSON: {exc}") from exc
    if row.source == InboundSource.json:
        return parse_gateway_json(doc)
    files = [
        FormFile(
            f["field"],
            f.get("filename"),
            f.get("content_type") or "",
            base64.b64decode(f["content_base64"]),
        )
        for f in doc.get("files", [])
    ]
    return parse_mailgun_form(doc.get("fields", {}), files)


def _unparseable(row: InboundEmail, error: MailParseError) -> ParsedEmail:
    """What a specialist's assignment files when the message cannot be parsed: a note, and
    the original itself (as an .eml attachment, or its text)."""
    note = f"[the email could not be parsed ({error}); the original is attached]"
    if row.source == InboundSource.rfc822:
        original = MailAttachment(f"inbound-{row.id}.eml", "message/rfc822", row.raw)
        return ParsedEmail(text=note, full_text=note, attachments=[original])
    text = row.raw.decode("utf-8", "replace")
    return ParsedEmail(text=f"{note}\n\n{text}", full_text=text)


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
        await _apply(session, row, principal=principal, settings=settings, assign_to=assign_to)
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


async def _apply(
    session: AsyncSession,
    row: InboundEmail,
    *,
    principal: Principal,
    settings: Settings,
    assign_to: str | None,
) -> None:
    try:
        parsed = _parse(row)
    except MailParseError as exc:
        if assign_to is None:
            raise
        parsed = _unparseable(row, exc)
    row.from_address = parsed.from_address[:320] or None
    row.subject = parsed.subject[:500] or None
    row.error, row.notes = None, None
    if assign_to is None and parsed.auto_reply:
        row.status, row.outcome = InboundStatus.ignored, InboundOutcome.ignored
        row.error = f"automatic message ({parsed.auto_reply}): stored, never opens a claim"
        return
    if not parsed.from_address and assign_to is None:
        raise IntakeFailure("the sender's address is missing or invalid")
    if assign_to is not None:
        claim, outcome = await get_claim(session, assign_to), InboundOutcome.assigned
    else:
        claim = await _thread(session, parsed)
        outcome = InboundOutcome.threaded
        if claim is None:
            claim = await _register(
                session, parsed, row=row, principal=principal, settings=settings
            )
            outcome = InboundOutcome.created
    message = add_message_rows(session, claim=claim, data=_message(parsed), actor=principal.name)
    await session.flush()
    row.notes = (
        await _attach(
            session, parsed, claim=claim, message=message, actor=principal.name, settings=settings
        )
        or None
    )
    row.status, row.outcome, row.claim_id, row.message_row_id = (
        InboundStatus.processed,
        outcome,
        claim.id,
        message.id,
    )


async def _thread(session: AsyncSession, parsed: ParsedEmail) -> Claim | None:
    """The claim this message continues: by number (plus-address, subject), else by the
    messages it answers (In-Reply-To, References) among those we stored or sent."""
    number = parsed.claim_number
    if number:
        claim = (
            await session.execute(select(Claim).where(Claim.number == number))
        ).scalar_one_or_none()
        if claim is None:
            raise IntakeFailure(f"the message names claim {number}, which does not exist")
        return claim
    ids = parsed.thread_ids[:50]
    if not ids:
        return None
    # Other parts of the service may store Message-IDs with their angle brackets.
    candidates = ids + [f"<{i}>" for i in ids]
    claim_id = (
        await session.execute(
            select(Message.claim_id)
            .where(Message.external_message_id.in_(candidates))  # type: ignore[union-attr]
            .order_by(Message.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
    ).scalar_one_or_none()
    if claim_id is None:
        claim_id = (
            await session.execute(
                select(InboundEmail.claim_id)
                .where(InboundEmail.message_id.in_(ids), InboundEmail.claim_id.is_not(None))  # type: ignore[union-attr]
                .order_by(InboundEmail.id.desc())  # type: ignore[union-attr]
                .limit(1)
            )
        ).scalar_one_or_none()
    if claim_id is None:
        return None
    return (await session.execute(select(Claim).where(Claim.id == claim_id))).scalar_one()


def _description(parsed: ParsedEmail) -> str:
    text = parsed.text.strip() or parsed.subject.strip()
    if parsed.attachments:
        names = ", ".join(a.filename for a in parsed.attachments)
        text = f"{text}\n\n[attachments: {names}]" if text else f"[attachments: {names}]"
    if len(text) < 5:
        text = (text + " [email without text]").strip()
    return text[:20000]


async def _register(
    session: AsyncSession,
    parsed: ParsedEmail,
    *,
    row: InboundEmail,
    principal: Principal,
    settings: Settings,
) -> Claim:
    language = guess_language(f"{parsed.subject}\n{parsed.text}")
    data = ClaimCreate(
        channel=Channel.email,
        customer=CustomerIn(
            name=(parsed.from_name or parsed.from_address.split("@")[0])[:200],
            email=parsed.from_address,
            language=language,
        ),
        title=parsed.subject[:300] or None,
        defect_description=_description(parsed),
        received_at=row.received_at,
        language=language,
    )
    claim, _ = await register_claim_rows(session, data=data, principal=principal, settings=settings)
    return claim


def _message(parsed: ParsedEmail) -> MessageCreate:
    sender = parsed.from_address or "unknown sender"
    if parsed.from_name:
        sender = f"{parsed.from_name} <{sender}>"
    return MessageCreate(
        direction=MessageDirection.inbound,
        channel=MessageChannel.email,
        subject=parsed.subject[:500] or None,
        body=(parsed.text or "[email without text]")[:100000],
        author=sender[:200],
        at=parsed.date or utcnow(),
        external_message_id=parsed.message_id[:500] if parsed.message_id else None,
    )


async def _attach(
    session: AsyncSession,
    parsed: ParsedEmail,
    *,
    claim: Claim,
    message: Message,
    actor: str,
    settings: Settings,
) -> list[str]:
    """Store the attachments (inline images too); refused ones are noted, not fatal."""
    notes: list[str] = []
    for item in parsed.attachments:
        ctype = _CONTENT_TYPE_FIXES.get(item.content_type, item.content_type)
        if ctype == "application/octet-stream":
            ctype = mimetypes.guess_type(item.filename)[0] or ctype
        try:
            base = attachment_store.check_content_type(ctype, item.content[:16], settings)
            stored = await attachment_store.store_bytes(item.content, settings)
        except DomainError as exc:
            notes.append(f"attachment {item.filename!r} not stored: {exc.detail}")
            continue
        attachment_store.add_attachment_row(
            session,
            claim=claim,
            stored=stored,
            filename=item.filename,
            content_type=base,
            actor=actor,
            message_id=message.id,
        )
    return notes


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
