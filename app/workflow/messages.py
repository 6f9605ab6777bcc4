"""A message on a claim, as the workflow sees it: a customer's answer, by any channel,
resumes a claim that was waiting for their information."""

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.claims.messages import add_message_rows
from app.config import Settings
from app.enums import ClaimState
from app.errors import InvalidInput
from app.models.claims import (
    Claim,
    Message,
    MessageCreate,
    MessageDirection,
    MessageRead,
    ReviewReason,
)
from app.models.types import utcnow
from app.workdays import out_of_range
from app.workflow.facts import ClaimFacts
from app.workflow.machine import Transition, resume_on_customer_message
from app.workflow.service import notify_state_observers, record_transition


async def file_message(
    session: AsyncSession,
    *,
    claim: Claim,
    data: MessageCreate,
    actor: str,
    settings: Settings,
    review: ReviewReason | None = None,
    now: datetime | None = None,
) -> Message:
    """Add the message's rows (no commit) and let a customer's answer resume the claim, with
    its SLA clock (the state observers) in the same transaction. Call `lock_if_waiting` first.
    A message filed for review (`review`) changes nothing until a person has looked at it.

    A date outside the accepted range (an email's Date header is the sender's say, and may be
    year 9999) is replaced by the time of filing; the API refuses one first (`add_message`)."""
    now = now or utcnow()
    if data.at is not None and out_of_range(data.at, settings, now):
        data = data.model_copy(update={"at": now})
    message = add_message_rows(session, claim=claim, data=data, actor=actor, review=review)
    resumed = resume_on_message(
        session,
        claim=claim,
        inbound=data.direction == MessageDirection.inbound and review is None,
        channel=data.channel,
        actor=actor,
    )
    if resumed is not None:
        await notify_state_observers(session, claim=claim, settings=settings)
    return message


async def add_message(
    session: AsyncSession,
    *,
    claim: Claim,
    data: MessageCreate,
    principal: Principal,
    settings: Settings,
) -> MessageRead:
    now = utcnow()
    problem = out_of_range(data.at, settings, now) if data.at is not None else None
    if problem:
        raise InvalidInput(
            f"at {problem}.",
            errors=[{"field": "body.at", "message": problem, "type": "value_error"}],
        )
    await lock_if_waiting(session, claim)
    message = await file_message(
        session, claim=claim, data=data, actor=principal.name, settings=settings, now=now
    )
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

    Query-free: the claim row is all it needs. The caller tells the state observers
    (`file_message` does). Call `lock_if_waiting` first.
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
