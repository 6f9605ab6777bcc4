"""Sending an issued letter: by email through the outbox, or recorded as sent by post.

The email is not sent here: an outbox row of type `letter.sent` carries everything the
email gateway needs (addresses, subject with the claim number, Message-ID, threading
headers, the plain-text cover note and the stored PDF to attach), and the worker delivers
it after the transaction commits. The letter's enclosures (app/letters/enclosures.py) go
with the PDF, by storage key, and the whole must fit CLAIMS_LETTER_EMAIL_MAX_BYTES. The
outbound message is recorded on the claim with the
same Message-ID, so the customer's reply (In-Reply-To, or claims+<number>@ in Reply-To)
threads back to the claim.

Until the gateway has taken it the letter is `sending`, not `sent`: the worker reports the
outcome (`record_email_outcome`), and only then is it `sent`, with the gateway's id, or
`send_failed`, with the reason. Without a gateway to send through, `send` refuses (409).
"""

from __future__ import annotations

from email.utils import make_msgid
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app import msgids
from app.auth.principal import Principal
from app.claims.messages import add_message_rows
from app.config import Settings
from app.enums import LetterKind, LetterState
from app.errors import Conflict, InvalidInput, NotFound
from app.events.outbox import enqueue
from app.letters import enclosures, storage, subjects
from app.letters.building import LetterBundle, build_context, letter_read
from app.letters.lifecycle import LetterAction
from app.letters.render import render_cover_note
from app.letters.service import audit, check, check_version, load, outbox_about, touch
from app.models.claims import (
    Message,
    MessageChannel,
    MessageCreate,
    MessageDirection,
)
from app.models.letters import Letter, LetterMarkSent, LetterRead, LetterSend, SendChannel
from app.models.types import utcnow


def reply_to_address(claim_number: str, settings: Settings) -> str:
    return f"claims+{claim_number}@{settings.letter_reply_domain}"


def _msgid_part(letter: Letter) -> str:
    """The letter's number in its Message-ID, unless a register's format made it non-ASCII (an
    act's "АО-117/2026"), which a msg-id may not carry."""
    number = letter.number or ""
    return (
        number
        if number.isascii() and number.isprintable() and " " not in number
        else (f"letter-{letter.id}")
    )


def email_subject(claim_number: str, letter_number: str, subject: str) -> str:
    # The claim number in brackets is what the intake matches replies on.
    return f"[{claim_number}] {subject} ({letter_number})"


async def _thread_parent(session: AsyncSession, claim_id: int) -> str | None:
    """The Message-ID of the customer's latest email on the claim, to reply in its thread
    (emitted form; never one filed for review: a stranger's thread is not the customer's)."""
    stored = (
        await session.execute(
            select(col(Message.external_message_id))
            .where(
                col(Message.claim_id) == claim_id,
                col(Message.direction) == MessageDirection.inbound,
                col(Message.channel) == MessageChannel.email,
                col(Message.external_message_id).is_not(None),
                col(Message.needs_review) == False,  # noqa: E712
            )
            .order_by(col(Message.at).desc(), col(Message.id).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return msgids.emitted(stored)


def _recipient(b: LetterBundle, data: LetterSend, settings: Settings) -> str:
    if data.to:
        return str(data.to)
    if b.letter.kind is LetterKind.production_proposal:
        raise InvalidInput("Give `to`: the director's address (or mark the memo as sent by post).")
    if b.subject is not None:
        contact = b.subject.contact
        if contact is not None and contact.email:
            return contact.email
        raise InvalidInput(
            "The supplier's contact has no email address; give `to`, or mark it sent by post."
        )
    if b.internal:
        if settings.letter_design_department_email:
            return settings.letter_design_department_email
        raise InvalidInput(
            "No address for the design department (CLAIMS_LETTER_DESIGN_DEPARTMENT_EMAIL); "
            "give `to`, or mark the memo as sent by post."
        )
    if b.contact is not None and b.contact.email:
        return b.contact.email
    raise InvalidInput("The customer has no email address; give `to`, or mark it sent by post.")


async def send_letter(
    session: AsyncSession,
    *,
    letter_id: int,
    data: LetterSend,
    principal: Principal,
    settings: Settings,
    expected_version: int | None = None,
) -> LetterRead:
    b = await load(session, letter_id, for_update=True)
    target = check(b, LetterAction.send, principal)
    check_version(b.letter, expected_version)
    if not settings.email_gateway_url:
        # Before: `sent` at once, while the outbox retried in vain and nobody was told.
        raise Conflict(
            "Outbound email is not configured: set CLAIMS_EMAIL_GATEWAY_URL (and its "
            "credentials, docs/events.md), or mark the letter as sent by post.",
            setting="CLAIMS_EMAIL_GATEWAY_URL",
        )
    letter, claim = b.letter, b.claim
    assert letter.number and letter.letter_date and letter.pdf_path
    to = _recipient(b, data, settings)
    enclosures.check_email_size(
        enclosures.stored_size(Path(settings.storage_dir), letter.pdf_path),
        letter.enclosures,
        settings.letter_email_max_bytes,
    )
    context = build_context(b, settings, number=letter.number, letter_date=letter.letter_date)
    subject = email_subject(b.reference, letter.number, letter.subject or letter.number)
    body = render_cover_note(
        letter.language,
        context,
        subject=letter.subject or "",
        templates_dir=settings.letter_templates_dir,
    )
    # Stored without angle brackets, sent with them (app/msgids.py).
    message_id = msgids.parse(
        make_msgid(idstring=_msgid_part(letter), domain=settings.letter_reply_domain)
    )
    parent: str | None = None
    message_row_id: int | None = None
    if claim is not None:
        # A claim's letter is part of the claim's correspondence and threads with it.
        assert claim.id is not None
        parent = await _thread_parent(session, claim.id)
        message = add_message_rows(
            session,
            claim=claim,
            data=MessageCreate(
                direction=MessageDirection.outbound,
                channel=MessageChannel.email,
                subject=subject[:500],
                body=body,
                author=principal.name,
                external_message_id=message_id,
            ),
            actor=principal.name,
        )
        await session.flush()
        message_row_id = message.id
    claim_id, about = outbox_about(b)
    row = enqueue(
        session,
        event_type="letter.sent",
        claim_id=claim_id,
        data={
            "letter_id": letter.id,
            "letter_number": letter.number,
            **about,
            "kind": letter.kind.value,
            "channel": SendChannel.email.value,
            "email": {
                "from": settings.letter_from_address,
                "to": [to],
                # Replies to a claim's letter come back to the claim; others to our address.
                "reply_to": (
                    reply_to_address(claim.number, settings)
                    if claim is not None
                    else settings.letter_from_address
                ),
                "subject": subject,
                "message_id": f"<{message_id}>",
                "in_reply_to": parent,
                "references": [parent] if parent else [],
                "text": body,
                "attachments": [
                    {
                        "filename": f"{storage.safe_name(letter.number)}.pdf",
                        "content_type": "application/pdf",
                        "storage_key": letter.pdf_path,
                        "sha256": letter.sha256,
                    },
                    *enclosures.for_email(letter.enclosures),
                ],
            },
        },
    )
    source = letter.state
    letter.state, letter.send_channel, letter.sent_to = target, SendChannel.email, to
    letter.sent_by, letter.sent_at, letter.message_id = principal.name, None, message_row_id
    letter.send_event_id, letter.gateway_message_id, letter.send_error = row.event_id, None, None
    touch(letter)
    audit(
        session,
        b,
        actor=principal.name,
        action="sending",
        from_state=source,
        channel="email",
        to=to,
        message_id=message_id,
    )
    result = letter_read(b, principal)
    await session.commit()
    return result


async def mark_sent_by_post(
    session: AsyncSession,
    *,
    letter_id: int,
    data: LetterMarkSent,
    principal: Principal,
    expected_version: int | None = None,
) -> LetterRead:
    b = await load(session, letter_id, for_update=True)
    target = check(b, LetterAction.mark_sent_by_post, principal)
    check_version(b.letter, expected_version)
    letter, claim = b.letter, b.claim
    now = utcnow()
    sent_at = data.sent_at or now
    if sent_at.tzinfo is None:
        raise InvalidInput("sent_at must carry a timezone, e.g. 2026-11-23T10:00:00+02:00")
    try:
        out_of_range = sent_at > now or bool(letter.issued_at and sent_at < letter.issued_at)
    except OverflowError:  # e.g. year 1 with a +14:00 offset
        out_of_range = True
    if out_of_range:
        raise InvalidInput("sent_at must lie between the letter's issue and now.")
    note = f" {data.note}" if data.note else ""
    message_row_id: int | None = None
    if claim is not None:
        message = add_message_rows(
            session,
            claim=claim,
            data=MessageCreate(
                direction=MessageDirection.outbound,
                channel=MessageChannel.post,
                subject=f"{letter.number}: {letter.subject or ''}"[:500],
                body=f"Letter {letter.number} sent by post.{note}",
                author=principal.name,
                at=sent_at,
            ),
            actor=principal.name,
        )
        await session.flush()
        message_row_id = message.id
    claim_id, about = outbox_about(b)
    enqueue(
        session,
        event_type="letter.sent",
        claim_id=claim_id,
        data={
            "letter_id": letter.id,
            "letter_number": letter.number,
            **about,
            "kind": letter.kind.value,
            "channel": SendChannel.post.value,
            "sent_at": sent_at.isoformat(),
        },
    )
    source = letter.state
    letter.state, letter.send_channel, letter.sent_to = target, SendChannel.post, None
    letter.sent_by, letter.sent_at, letter.message_id = principal.name, sent_at, message_row_id
    letter.send_event_id, letter.send_error = None, None
    touch(letter)
    audit(
        session,
        b,
        actor=principal.name,
        action="sent",
        from_state=source,
        channel="post",
        note=data.note,
    )
    if b.subject is not None:
        await subjects.notify_letter_sent(
            session, b.subject, letter, at=sent_at, channel=SendChannel.post, actor=principal.name
        )
    result = letter_read(b, principal)
    await session.commit()
    return result


async def record_email_outcome(
    session: AsyncSession,
    *,
    event_id: str,
    payload: dict[str, Any],
    accepted: bool,
    gateway_id: str | None,
    error: str | None,
) -> None:
    """The worker's report on a letter's email, in its transaction: `sent` with the
    gateway's id, or `send_failed` with the reason. A report on an earlier send of the letter
    (sent again since, or marked as sent by post) changes nothing."""
    letter_id = payload.get("letter_id")
    if not isinstance(letter_id, int):
        return
    try:
        b = await load(session, letter_id, for_update=True)
    except NotFound:  # a claim deleted since: nothing to report on
        return
    letter = b.letter
    if letter.send_event_id != event_id:
        return
    if letter.state not in (LetterState.sending, LetterState.send_failed):
        return
    source = letter.state
    now = utcnow()
    if accepted:
        letter.state, letter.sent_at = LetterState.sent, now
        letter.gateway_message_id, letter.send_error = (gateway_id or "")[:500] or None, None
    else:
        letter.state, letter.send_error = LetterState.send_failed, (error or "unknown")[:2000]
    touch(letter)
    audit(
        session,
        b,
        actor="email-gateway",
        action="sent" if accepted else "send_failed",
        from_state=source,
        channel="email",
        **({"gateway_message_id": letter.gateway_message_id} if accepted else {"error": error}),
    )
    if accepted and b.subject is not None:
        await subjects.notify_letter_sent(
            session, b.subject, letter, at=now, channel=SendChannel.email, actor="email-gateway"
        )
