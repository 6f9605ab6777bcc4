"""Messages filed for review (app/mail/answers.py): a person looks, then clears the flag or,
for a complaint on a closed claim, opens a new claim linked to it.

Clearing the flag changes nothing else: if the message was the customer's answer after all,
the workflow's own actions take it from there (`customer-info-received` for a claim waiting
for the customer, the head's `reopen` for a closed one). The link between a closed claim and
the claim opened from its message is in both timelines: `follow_up_opened` on the old claim,
`opened_as_follow_up` on the new one, each naming the other's number.
"""

from pydantic import ValidationError
from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.attachments import StoredFile, add_attachment_row
from app.claims.audit import record_event
from app.claims.reading import ClaimBundle, load_bundle
from app.claims.registration import register_claim_rows
from app.config import Settings
from app.enums import ClaimState
from app.errors import Conflict, NotFound
from app.models.claims import (
    Attachment,
    Channel,
    Claim,
    ClaimCreate,
    ClaimRead,
    Message,
    MessageChannel,
    MessageDirection,
    MessageRead,
    ProductIn,
)
from app.models.customers import CustomerIn, CustomerKind
from app.workflow.claim_view import read_claim


async def _message(session: AsyncSession, claim: Claim, message_id: int) -> Message:
    message = (
        await session.execute(
            select(Message)
            .where(col(Message.id) == message_id, col(Message.claim_id) == claim.id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if message is None:
        raise NotFound(f"Claim {claim.number} has no message {message_id}.")
    return message


async def mark_reviewed(
    session: AsyncSession, *, claim: Claim, message_id: int, principal: Principal
) -> MessageRead:
    """Clear a message's review flag, with an audit event."""
    message = await _message(session, claim, message_id)
    if not message.needs_review:
        raise Conflict(f"Message {message_id} is not waiting for review.")
    message.needs_review = False
    record_event(
        session,
        claim=claim,
        actor=principal.name,
        action="message_reviewed",
        from_state=claim.state,
        to_state=claim.state,
        payload={"message_id": message_id, "reason": message.review_reason},
    )
    result = MessageRead.model_validate(message, from_attributes=True)
    await session.commit()
    return result


def _follow_up(old: ClaimBundle, message: Message) -> ClaimCreate:
    claim, contact, customer = old.claim, old.contact, old.customer
    assert contact is not None
    return ClaimCreate(
        channel=Channel.email,
        customer=CustomerIn(
            name=contact.name[:200],
            organisation=(
                customer.name[:200] if customer.kind == CustomerKind.organisation else None
            ),
            email=contact.email,
            phone=contact.phone,
        ),
        product=ProductIn(
            model_code=old.model.code if old.model else None,
            model_name=None if old.model else claim.reported_model,
            serial_number=old.unit.serial_number if old.unit else claim.reported_serial,
            purchase_date=claim.purchase_date,
        ),
        title=(message.subject or claim.title or "")[:300] or None,
        defect_description=(
            message.body if len(message.body.strip()) >= 5 else f"[see claim {claim.number}]"
        )[:20000],
        language=claim.language,
    )


async def open_follow_up(
    session: AsyncSession,
    *,
    number: str,
    message_id: int,
    principal: Principal,
    settings: Settings,
) -> ClaimRead:
    """Register a new claim from an email filed for review on a closed claim: same customer,
    contact and product, the message as its description and its attachments; the two claims
    name each other in their timelines and the message's review flag is cleared."""
    old = await load_bundle(session, number, for_update=True)
    claim = old.claim
    message = await _message(session, claim, message_id)
    if claim.state != ClaimState.closed:
        raise Conflict(
            f"Claim {number} is {claim.state}, not closed: the message belongs to it.",
            state=claim.state,
        )
    if message.direction != MessageDirection.inbound or message.channel != MessageChannel.email:
        raise Conflict(f"Message {message_id} is not an email from the customer.")
    if not message.needs_review:
        # Cleared by the review or by a claim opened from it already: never two claims.
        raise Conflict(f"Message {message_id} is not waiting for review.")
    contact = old.contact
    if contact is None or not (contact.email or contact.phone):
        raise Conflict(f"Claim {number} has no contact to register a new claim for.")
    try:
        data = _follow_up(old, message)
    except ValidationError as exc:  # e.g. a contact's address from before the checks
        raise Conflict(f"Claim {number}'s record cannot make a new claim: {exc}.") from exc
    new, _ = await register_claim_rows(session, data=data, principal=principal, settings=settings)
    attachments = (
        (await session.execute(select(Attachment).where(col(Attachment.message_id) == message_id)))
        .scalars()
        .all()
    )
    for item in attachments:  # the same stored files: storage is content-addressed
        add_attachment_row(
            session,
            claim=new,
            stored=StoredFile(item.storage_key, item.sha256, item.size),
            filename=item.filename,
            content_type=item.content_type,
            actor=principal.name,
        )
    link = {"message_id": message_id}
    record_event(
        session,
        claim=claim,
        actor=principal.name,
        action="follow_up_opened",
        from_state=claim.state,
        to_state=claim.state,
        payload={"number": new.number, **link},
    )
    record_event(
        session,
        claim=new,
        actor=principal.name,
        action="opened_as_follow_up",
        from_state=new.state,
        to_state=new.state,
        payload={"follows": number, **link},
    )
    message.needs_review = False
    await session.commit()
    return await read_claim(session, number=new.number, principal=principal, settings=settings)
