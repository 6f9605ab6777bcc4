"""Filing an email: find its claim or register one, add the customer message and the
attachments. `file_email` runs inside the caller's transaction and never commits; parsing and
writing the attachment files (`stage_attachments`) happen before it, outside any transaction."""

import mimetypes
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims import attachments as attachment_store
from app.claims import satisfaction
from app.claims.reading import get_claim
from app.claims.registration import register_claim_rows
from app.config import Settings
from app.enums import ClaimState
from app.errors import DomainError
from app.mail import answers
from app.mail.limits import MailLimits
from app.mail.offload import parse_off_loop
from app.mail.parsing import MailAttachment, MailParseError, ParsedEmail
from app.mail.rating import parse_rating
from app.models.claims import (
    Channel,
    Claim,
    ClaimCreate,
    Message,
    MessageChannel,
    MessageCreate,
    MessageDirection,
    ReviewReason,
)
from app.models.customers import Contact, CustomerIn
from app.models.email_intake import InboundEmail, InboundOutcome, InboundSource, InboundStatus
from app.models.satisfaction import RatingChannel
from app.models.types import utcnow
from app.workflow.messages import file_message, lock_if_waiting

_CONTENT_TYPE_FIXES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
}


class IntakeFailure(DomainError):
    """The message was stored but cannot become a claim or a message without a person."""

    status, type_slug, title = 422, "email-intake-failed", "Email could not be processed"


def mail_limits(settings: Settings) -> MailLimits:
    return MailLimits(
        parts=settings.email_max_parts,
        depth=settings.email_max_depth,
        headers=settings.email_max_headers,
        line_bytes=settings.email_max_line_bytes,
    )


def _unparseable(row: InboundEmail, error: MailParseError) -> ParsedEmail:
    """What a specialist's assignment files when the message cannot be parsed: a note, and
    the original itself (as an .eml attachment, or its text)."""
    note = f"[the email could not be parsed ({error}); the original is attached]"
    if row.source == InboundSource.rfc822:
        original = MailAttachment(f"inbound-{row.id}.eml", "message/rfc822", row.raw)
        return ParsedEmail(text=note, full_text=note, attachments=[original])
    text = row.raw.decode("utf-8", "replace")
    return ParsedEmail(text=f"{note}\n\n{text}", full_text=text)


@dataclass(slots=True)
class StagedFile:
    filename: str
    content_type: str
    stored: attachment_store.StoredFile


@dataclass(slots=True)
class Staged:
    """Attachments already written to storage (content-addressed, so a rolled-back or repeated
    filing leaves at most an unreferenced copy), and notes on the refused ones."""

    files: list[StagedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def sender_and_subject(parsed: ParsedEmail) -> tuple[str | None, str | None]:
    """The inbound row's `from_address` and `subject`."""
    return parsed.from_address[:320] or None, parsed.subject[:500] or None


def will_file(parsed: ParsedEmail, assign_to: str | None) -> bool:
    """Whether `file_email` goes as far as the attachments (an automatic message, or one
    without a sender, stops before)."""
    return assign_to is not None or (not parsed.auto_reply and bool(parsed.from_address))


async def stage_attachments(parsed: ParsedEmail, settings: Settings) -> Staged:
    """Check and store the attachments (inline images too); refused ones are noted, not fatal."""
    staged = Staged()
    for item in parsed.attachments:
        ctype = _CONTENT_TYPE_FIXES.get(item.content_type, item.content_type)
        if ctype == "application/octet-stream":
            ctype = mimetypes.guess_type(item.filename)[0] or ctype
        try:
            base = attachment_store.check_content_type(
                ctype, item.content[: attachment_store.HEAD_BYTES], settings
            )
            stored = await attachment_store.store_bytes(item.content, settings)
        except DomainError as exc:
            staged.notes.append(f"attachment {item.filename!r} not stored: {exc.detail}")
            continue
        staged.files.append(StagedFile(item.filename, base, stored))
    return staged


async def file_stored(
    session: AsyncSession,
    row: InboundEmail,
    *,
    principal: Principal,
    settings: Settings,
    assign_to: str | None,
) -> Claim | None:
    """Parse a stored delivery again and file it (a retry, or a specialist's assignment)."""
    try:
        parsed = await parse_off_loop(row.source, row.raw, mail_limits(settings))
    except MailParseError as exc:
        if assign_to is None:
            raise
        parsed = _unparseable(row, exc)
    staged = await stage_attachments(parsed, settings) if will_file(parsed, assign_to) else Staged()
    return await file_email(
        session,
        row,
        parsed,
        staged,
        principal=principal,
        settings=settings,
        assign_to=assign_to,
    )


async def file_email(
    session: AsyncSession,
    row: InboundEmail,
    parsed: ParsedEmail,
    staged: Staged,
    *,
    principal: Principal,
    settings: Settings,
    assign_to: str | None,
) -> Claim | None:
    """Record on `row` what the message became; the claim it went to, if any."""
    row.from_address, row.subject = sender_and_subject(parsed)
    row.error, row.notes = None, None
    if assign_to is None and parsed.auto_reply:
        row.status, row.outcome = InboundStatus.ignored, InboundOutcome.ignored
        row.error = f"automatic message ({parsed.auto_reply}): stored, never opens a claim"
        return None
    if not parsed.from_address and assign_to is None:
        raise IntakeFailure("the sender's address is missing or invalid")
    claim: Claim | None
    filing = answers.CUSTOMER
    if assign_to is not None:
        # A specialist put it there: they vouch for it as the customer's.
        claim, outcome = await get_claim(session, assign_to), InboundOutcome.assigned
    else:
        claim = await _thread(session, parsed)
        outcome = InboundOutcome.threaded
        if claim is None:
            claim = await _register(
                session, parsed, row=row, principal=principal, settings=settings
            )
            outcome = InboundOutcome.created
        else:
            filing = await _filing(session, claim, parsed.from_address, settings)
            outcome = filing.outcome
    # The workflow resumes a claim waiting for the customer; lock it first, as add_message does.
    await lock_if_waiting(session, claim)
    message = await file_message(
        session,
        claim=claim,
        data=_message(parsed, filing.direction),
        actor=principal.name,
        review=filing.review,
        settings=settings,
    )
    # The attachments' events before the flush, so that one INSERT writes all the events.
    for item in staged.files:
        attachment_store.record_attachment_added(
            session,
            claim=claim,
            filename=item.filename,
            size=item.stored.size,
            actor=principal.name,
        )
    await session.flush()  # the message's id, for its attachments and the inbound row
    for item in staged.files:
        attachment_store.add_attachment_row(
            session,
            claim=claim,
            stored=item.stored,
            filename=item.filename,
            content_type=item.content_type,
            actor=principal.name,
            message_id=message.id,
            event=False,
        )
    await _record_rating(session, claim, parsed, filing, row=row, actor=principal.name)
    row.notes = staged.notes or None
    row.status, row.outcome, row.claim_id, row.message_row_id = (
        InboundStatus.processed,
        outcome,
        claim.id,
        message.id,
    )
    return claim


async def _record_rating(
    session: AsyncSession,
    claim: Claim,
    parsed: ParsedEmail,
    filing: answers.Filing,
    *,
    row: InboundEmail,
    actor: str,
) -> None:
    """A reply to the closure letter from the customer's own contact may carry the rating it
    asks for (app/mail/rating.py): record it on the claim. The message itself is filed as
    before (on a closed claim, for review). A stranger's mail never rates a claim."""
    if claim.state != ClaimState.closed or filing.direction != MessageDirection.inbound:
        return
    if filing.review not in (None, ReviewReason.closed_claim):
        return
    found = parse_rating(parsed.text)
    if found is None:
        return
    # The row lock keeps an answer from the status page at the same moment out of the
    # read-then-write of the rating's unique row.
    await session.execute(select(col(Claim.id)).where(col(Claim.id) == claim.id).with_for_update())
    await satisfaction.record_rating(
        session,
        claim=claim,
        rating=found.rating,
        comment=found.comment,
        channel=RatingChannel.email,
        actor=actor,
        received_at=row.received_at or utcnow(),
    )


async def _filing(
    session: AsyncSession, claim: Claim, sender: str, settings: Settings
) -> answers.Filing:
    """How a message that continues `claim` is filed (answers.py)."""
    if answers.is_company_address(sender, settings.company_domains):
        return answers.INTERNAL
    contact = (
        await session.execute(
            select(col(Contact.id))
            .where(col(Contact.customer_id) == claim.customer_id, col(Contact.email) == sender)
            .limit(1)
        )
    ).scalar_one_or_none()
    return answers.filing_for(
        company=False, contact=contact is not None, state=ClaimState(claim.state)
    )


async def _thread(session: AsyncSession, parsed: ParsedEmail) -> Claim | None:
    """The claim this message continues: by number (plus-address, subject), else by the
    messages it answers (In-Reply-To, References) among those we stored or sent."""
    number = parsed.claim_number
    if number:
        claim = (
            await session.execute(select(Claim).where(col(Claim.number) == number))
        ).scalar_one_or_none()
        if claim is None:
            raise IntakeFailure(f"the message names claim {number}, which does not exist")
        return claim
    ids = parsed.thread_ids[:50]
    if not ids:
        return None
    # One stored form, without angle brackets (app/msgids.py).
    claim_id = (
        await session.execute(
            select(col(Message.claim_id))
            .where(col(Message.external_message_id).in_(ids))
            .order_by(col(Message.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if claim_id is None:
        claim_id = (
            await session.execute(
                select(col(InboundEmail.claim_id))
                .where(
                    col(InboundEmail.message_id).in_(ids), col(InboundEmail.claim_id).is_not(None)
                )
                .order_by(col(InboundEmail.id).desc())
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
    # No language: registration tells it from the subject and text, else keeps a known
    # customer's, else CLAIMS_DEFAULT_LANGUAGE.
    data = ClaimCreate(
        channel=Channel.email,
        customer=CustomerIn(
            name=(parsed.from_name or parsed.from_address.split("@")[0])[:200],
            email=parsed.from_address,
        ),
        title=parsed.subject[:300] or None,
        defect_description=_description(parsed),
        received_at=row.received_at,
    )
    claim, _ = await register_claim_rows(session, data=data, principal=principal, settings=settings)
    return claim


def _message(parsed: ParsedEmail, direction: MessageDirection) -> MessageCreate:
    sender = parsed.from_address or "unknown sender"
    if parsed.from_name:
        sender = f"{parsed.from_name} <{sender}>"
    return MessageCreate(
        direction=direction,
        channel=MessageChannel.email,
        subject=parsed.subject[:500] or None,
        body=(parsed.text or "[email without text]")[:100000],
        author=sender[:200],
        at=parsed.date or utcnow(),
        external_message_id=parsed.message_id[:500] if parsed.message_id else None,
    )
