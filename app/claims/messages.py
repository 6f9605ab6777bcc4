"""Messages: every contact with the customer, appended to a claim's record."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.audit import record_event
from app.events.outbox import enqueue
from app.models.claims import Claim, Message, MessageCreate, MessageDirection, ReviewReason
from app.models.types import utcnow


def add_message_rows(
    session: AsyncSession,
    *,
    claim: Claim,
    data: MessageCreate,
    actor: str,
    review: ReviewReason | None = None,
) -> Message:
    """Add the message, its audit event and its outbox row, without committing, so that
    callers (letters sent, the email intake) can include it in a larger transaction. A
    customer's answer may also resume the claim: that is the workflow's
    `app.workflow.messages.file_message`. `review`: filed for a person to look at."""
    assert claim.id is not None
    flag = {"needs_review": True, "review_reason": review.value} if review else {}
    message = Message(
        claim_id=claim.id,
        direction=data.direction,
        channel=data.channel,
        subject=data.subject,
        body=data.body,
        author=data.author or actor,
        at=data.at or utcnow(),
        external_message_id=data.external_message_id,
        needs_review=review is not None,
        review_reason=review,
    )
    session.add(message)
    record_event(
        session,
        claim=claim,
        actor=actor,
        action="message_added",
        from_state=claim.state,
        to_state=claim.state,
        payload={"direction": data.direction, "channel": data.channel, **flag},
    )
    if data.direction == MessageDirection.inbound:
        enqueue(
            session,
            event_type="claim.message_received",
            claim_id=claim.id,
            data={"number": claim.number, "channel": data.channel, **flag},
        )
    return message
