"""The outbox: what must leave the service, written in the caller's transaction."""

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models.system import OutboxEvent
from app.models.types import utcnow


def enqueue(
    session: AsyncSession, *, event_type: str, data: dict[str, Any], claim_id: int | None = None
) -> OutboxEvent:
    """Add an outbox row; the worker delivers it after the transaction commits."""
    row = OutboxEvent(claim_id=claim_id, **new_row(event_type, data))
    session.add(row)
    return row


def new_row(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """An outbox row's column values (without `claim_id`), for writing it with a Core insert."""
    now = utcnow()
    return {
        "event_id": str(uuid.uuid4()),
        "type": event_type,
        "payload": data,
        "status": "pending",
        "attempts": 0,
        "available_at": now,
        "created_at": now,
    }
