"""A message on a claim, as the workflow sees it: a customer's answer, by any channel,
resumes a claim that was waiting for their information."""

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.messages import add_message_rows
from app.enums import ClaimState
from app.models.claims import (
    Claim,
    Message,
    MessageCreate,
    MessageDirection,
    MessageRead,
    ReviewReason,
)
from app.models.types import utcnow
from app.workflow.facts import ClaimFacts
from app.workflow.machine import Transition, resume_on_customer_message
from app.workflow.service import record_transition


def file_message(
    session: AsyncSession,
    *,
    claim: Claim,
    data: MessageCreate,
    actor: str,
    review: ReviewReason | None = None,
) -> Message:
    """Add the message's rows (no commit) and let a customer's answer resume the claim (no
    extra SQL). Call `lock_if_waiting` first. A message filed for review (`review`) changes
    nothing until a person has looked at it."""
    message = add_message_rows(session, claim=claim, data=data, actor=actor, review=review)
    resume_on_message(
        session,
        claim=claim,
        inbound=data.direction == MessageDirection.inbound and review is None,
        channel=data.channel,
        actor=actor,
    )
    return message


async def add_message(
    session: AsyncSession, *, claim: Claim, data: MessageCreate, principal: Principal
) -> MessageRead:
    await lock_if_waiting(session, claim)
    message = file_message(session, claim=claim, data=data, actor=principal.name)
    await session.commit()
    return MessageRead.model_validate(message, from_attributes=True)


async def lock_if_waiting(session: AsyncSession, claim: Claim) -> None:
    """Before adding a message: lock and re-read a claim that waits for the customer, so that
    the resume cannot overwrite a workflow action committed meanwhile (PostgreSQL; SQLite's
    BEGIN IMMEDIATE already serialises writers). Costs nothing for other claims."""
    if claim.state == ClaimState.awaiting_customer_info:
        await session.refresh(claim, with_for_update=True)


def resume_on_message(
    session: AsyncSession, *, claim: Claim, inbound: bool, channel: str, actor: str
) -> Transition | None:
    """A customer's message (any channel) resumes a claim waiting for their information.

    Synchronous and query-free so that every path that adds a message can call it inside its
    own transaction: the claim row is all it needs. Call `lock_if_waiting` first.
    """
    if not inbound or claim.state != ClaimState.awaiting_customer_info:
        return None
    transition = resume_on_customer_message(
        ClaimState(claim.state), ClaimFacts(referral_open=claim.defect_cause == "needs_info")
    )
    if transition is None:
        return None
    claim.state = transition.to_state
    claim.version += 1
    claim.updated_at = utcnow()
    record_transition(
        session,
        claim=claim,
        transition=transition,
        actor=actor,
        payload={"trigger": "customer_message", "channel": channel},
    )
    return transition
