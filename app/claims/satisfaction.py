"""The customer's rating of a closed claim: recorded from the status page, a reply to the
closure letter or an operator's phone call; read back on the claim.

`record_rating` writes in the caller's transaction (the email filing has one open);
`rate_closed_claim` is the whole use case for a claim found by number: lock, check, record,
commit.
"""

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.audit import record_event
from app.enums import ClaimState
from app.errors import Conflict
from app.events.outbox import enqueue
from app.models.claims import Claim
from app.models.satisfaction import (
    COMMENT_MAX,
    ClaimRating,
    RatingChannel,
    SatisfactionRead,
)
from app.models.types import utcnow


class ClaimNotClosed(Conflict):
    type_slug, title = "claim-not-closed", "Claim not closed"


def _comment(comment: str | None) -> str | None:
    text = (comment or "").strip()
    return text[:COMMENT_MAX] or None


async def rating_of(session: AsyncSession, claim_id: int) -> ClaimRating | None:
    return (
        await session.execute(select(ClaimRating).where(col(ClaimRating.claim_id) == claim_id))
    ).scalar_one_or_none()


def read(row: ClaimRating | None) -> SatisfactionRead | None:
    if row is None:
        return None
    return SatisfactionRead(
        rating=row.rating, comment=row.comment, channel=row.channel, received_at=row.received_at
    )


async def record_rating(
    session: AsyncSession,
    *,
    claim: Claim,
    rating: int,
    comment: str | None,
    channel: RatingChannel,
    actor: str,
    received_at: datetime | None = None,
) -> ClaimRating:
    """Records (or replaces) the claim's rating with its audit event and `claim.rated`.

    The caller holds the claim's row lock (or is the only writer of its transaction), so the
    read-then-write cannot race another answer into the unique key. The replaced answer goes
    into the event's `previous`, which is what keeps it.
    """
    assert claim.id is not None
    if claim.state != ClaimState.closed:
        raise ClaimNotClosed(f"Claim {claim.number} is not closed: only a closed claim is rated.")
    when = received_at or utcnow()
    text = _comment(comment)
    row = await rating_of(session, claim.id)
    previous: dict[str, Any] | None = None
    if row is None:
        row = ClaimRating(claim_id=claim.id, rating=rating, channel=channel, recorded_by=actor)
    else:
        previous = {
            "rating": row.rating,
            "comment": row.comment,
            "channel": str(row.channel),
            "received_at": row.received_at.isoformat(),
            "recorded_by": row.recorded_by,
        }
    row.rating, row.comment, row.channel = rating, text, channel
    row.received_at, row.recorded_by = when, actor
    session.add(row)
    payload: dict[str, Any] = {"rating": rating, "comment": text, "channel": str(channel)}
    if previous is not None:
        payload["previous"] = previous
    record_event(
        session,
        claim=claim,
        actor=actor,
        action="claim_rated",
        from_state=claim.state,
        to_state=claim.state,
        payload=payload,
    )
    enqueue(
        session,
        event_type="claim.rated",
        claim_id=claim.id,
        data={
            "number": claim.number,
            "rating": rating,
            "comment": text,
            "channel": str(channel),
            "received_at": when.isoformat(),
            "replaces_earlier": previous is not None,
        },
    )
    return row


async def rate_closed_claim(
    session: AsyncSession,
    *,
    claim_id: int,
    rating: int,
    comment: str | None,
    channel: RatingChannel,
    actor: str,
) -> SatisfactionRead:
    """Locks the claim, records the rating and commits; ClaimNotClosed (409) unless closed."""
    claim = (
        await session.execute(select(Claim).where(col(Claim.id) == claim_id).with_for_update())
    ).scalar_one()
    row = await record_rating(
        session, claim=claim, rating=rating, comment=comment, channel=channel, actor=actor
    )
    result = read(row)
    await session.commit()
    assert result is not None
    return result
