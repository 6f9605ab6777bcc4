"""Messages: every contact with the customer, appended to a claim's record."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.claims import Claim, Message, MessageCreate, MessageDirection, MessageRead
from app.models.types import utcnow
from app.security import Principal
from app.services.audit import record_event
from app.services.outbox import enqueue
from app.services.workflow import lock_if_waiting, resume_on_message


def add_message_rows(
    session: AsyncSession, *, claim: Claim, data: MessageCreate, actor: str
) -> Message:
    """Add the message, its audit event and its outbox row, without committing, so that
    callers (the email intake) can include it in a larger transaction."""
    assert claim.id is not None
    message = Message(
        claim_id=claim.id,
        direction=data.direction,
        channel=data.channel,
        subject=data.subject,
        body=data.body,
        author=data.author or actor,
        at=data.at or utcnow(),
        external_message_id=data.external_message_id,
    )
    session.add(message)
    record_event(
        session,
        claim=claim,
        actor=actor,
        action="message_added",
        from_state=claim.state,
        to_state=claim.state,
        payload={"direction": data.direction, "channel": data.channel},
    )
    if data.direction == MessageDirection.inbound:
        enqueue(
            session,
            event_type="claim.message_received",
            claim_id=claim.id,
            data={"number": claim.number, "channel": data.channel},
        )
    # A customer's answer resumes a claim waiting for it (any channel; no extra SQL).
    resume_on_message(
        session,
        claim=claim,
        inbound=data.direction == MessageDirection.inbound,
        channel=data.channel,
        actor=actor,
    )
    return message


async def add_message(
    session: AsyncSession, *, claim: Claim, data: MessageCreate, principal: Principal
) -> MessageRead:
    await lock_if_waiting(session, claim)
    message = add_message_rows(session, claim=claim, data=data, actor=principal.name)
    await session.commit()
    return MessageRead.model_validate(message, from_attributes=True)
