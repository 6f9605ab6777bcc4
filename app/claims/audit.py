"""The audit trail, written in the caller's transaction."""

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.claims import Claim, ClaimEvent
from app.models.types import utcnow


def record_event(
    session: AsyncSession,
    *,
    claim: Claim,
    actor: str,
    action: str,
    from_state: str | None,
    to_state: str | None,
    payload: dict[str, Any] | None = None,
) -> ClaimEvent:
    assert claim.id is not None
    event = ClaimEvent(
        claim_id=claim.id,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        at=utcnow(),
    )
    session.add(event)
    return event
