"""A key customer's shorter acknowledgement target (CLAIMS_KEY_CUSTOMER_ACK_DUE_WORKING_DAYS):
worked out at registration, and again for the open claims of a customer whose flag changes."""

from datetime import date

from sqlalchemy import insert, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.enums import ClaimState
from app.models.claims import Claim, ClaimEvent
from app.models.customers import Customer
from app.models.types import utcnow
from app.workdays import calendar, local_date


def ack_due_date(received_day: date, *, key_customer: bool, settings: Settings) -> date:
    """When the acknowledgement is due: CLAIMS_ACK_DUE_WORKING_DAYS after receipt, or the
    shorter CLAIMS_KEY_CUSTOMER_ACK_DUE_WORKING_DAYS for a key customer when it is set."""
    days = settings.ack_due_working_days
    if key_customer and settings.key_customer_ack_due_working_days is not None:
        days = settings.key_customer_ack_due_working_days
    return calendar(settings).add_working_days(received_day, days)


async def follow_key_flag(
    session: AsyncSession, customer: Customer, *, actor: str, settings: Settings
) -> dict[str, dict[str, str]]:
    """Move the due dates of the customer's claims not yet acknowledged to what its flag now
    asks; each moved claim gets a `deadline_changed` event. Acknowledged and closed claims keep
    theirs: the target they were measured against is history. Returns {number: before/after}."""
    if settings.key_customer_ack_due_working_days is None:
        return {}
    claims = (
        await session.execute(
            select(Claim).where(
                col(Claim.customer_id) == customer.id,
                col(Claim.acknowledged_at).is_(None),
                col(Claim.state) != ClaimState.closed,
            )
        )
    ).scalars()
    moved: dict[str, dict[str, str]] = {}
    events = []
    for claim in claims:
        received_day = local_date(claim.received_at, settings)
        due = ack_due_date(received_day, key_customer=customer.is_key_customer, settings=settings)
        if due == claim.ack_due_date:
            continue
        change = {"before": claim.ack_due_date.isoformat(), "after": due.isoformat()}
        moved[claim.number] = change
        claim.ack_due_date = due
        events.append(
            {
                "claim_id": claim.id,
                "at": utcnow(),
                "actor": actor,
                "action": "deadline_changed",
                "payload": {"ack_due_date": change, "is_key_customer": customer.is_key_customer},
            }
        )
    if events:
        await session.execute(insert(ClaimEvent), events)
    return moved
