"""Loading a corrective action, its version, its audit events and its outbox rows.

Every change writes a CorrectiveEvent and an outbox row (corrective_action.opened, .updated,
.state_changed, .claims_linked, .task_changed) in the transaction that makes it."""

from datetime import date
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel, col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import version_of
from app.enums import CorrectiveState
from app.errors import Conflict, NotFound, PreconditionFailed
from app.events import outbox
from app.models.corrective import CorrectiveAction, CorrectiveEvent
from app.models.types import utcnow

OPENED = "corrective_action.opened"
UPDATED = "corrective_action.updated"
STATE_CHANGED = "corrective_action.state_changed"
CLAIMS_LINKED = "corrective_action.claims_linked"
TASK_CHANGED = "corrective_action.task_changed"
FILE_ADDED = "corrective_action.file_added"

Changes = dict[str, dict[str, Any]]


def plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    return value


def assign(row: SQLModel, values: dict[str, Any]) -> Changes:
    """Set `values` on `row`; what actually changed, before and after (JSON-ready)."""
    changes: Changes = {}
    for name, value in values.items():
        before = plain(getattr(row, name))
        setattr(row, name, value)
        after = plain(getattr(row, name))
        if before != after:
            changes[name] = {"before": before, "after": after}
    return changes


async def load(session: AsyncSession, number: str, *, lock: bool = False) -> CorrectiveAction:
    stmt = select(CorrectiveAction).where(col(CorrectiveAction.number) == number)
    if lock:  # a fresh copy under the lock, not one this session loaded before
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    ca = (await session.execute(stmt)).scalar_one_or_none()
    if ca is None:
        raise NotFound(f"Corrective action {number} does not exist.")
    return ca


async def check_fresh(session: AsyncSession, number: str, expected: int) -> None:
    """If-Match before the body is read: 404 unknown, 412 stale (the column alone)."""
    version = await version_of(
        session, col(CorrectiveAction.version), col(CorrectiveAction.number) == number
    )
    if version is None:
        raise NotFound(f"Corrective action {number} does not exist.")
    stale(number, version, expected)


def stale(number: str, version: int, expected: int | None) -> None:
    if expected is not None and version != expected:
        raise PreconditionFailed(
            f'If-Match "{expected}" is stale: {number} is at version {version}; reload it.',
            current_version=version,
        )


def check_editable(ca: CorrectiveAction) -> None:
    if ca.state in (CorrectiveState.closed, CorrectiveState.cancelled):
        raise Conflict(
            f"{ca.number} is {ca.state}; a closed or cancelled record is not changed.",
            state=str(ca.state),
        )


def touch(ca: CorrectiveAction) -> None:
    ca.version += 1
    ca.updated_at = utcnow()


def audit(
    session: AsyncSession,
    ca: CorrectiveAction,
    *,
    actor: str,
    action: str,
    payload: dict[str, Any] | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> None:
    assert ca.id is not None
    state = str(ca.state)
    session.add(
        CorrectiveEvent(
            corrective_action_id=ca.id,
            actor=actor,
            action=action,
            from_state=from_state or state,
            to_state=to_state or state,
            payload=payload,
        )
    )


def event(session: AsyncSession, ca: CorrectiveAction, event_type: str, **data: Any) -> None:
    outbox.enqueue(
        session,
        event_type=event_type,
        data={"number": ca.number, "state": str(ca.state), "version": ca.version, **data},
    )


def updated(session: AsyncSession, ca: CorrectiveAction, *, fields: list[str]) -> None:
    event(session, ca, UPDATED, fields=fields)


def move(
    session: AsyncSession,
    ca: CorrectiveAction,
    target: CorrectiveState,
    *,
    actor: str,
    action: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """The state change with its audit event and outbox row."""
    before = str(ca.state)
    ca.state = target
    touch(ca)
    audit(
        session,
        ca,
        actor=actor,
        action=action,
        payload=payload,
        from_state=before,
        to_state=str(target),
    )
    event(session, ca, STATE_CHANGED, action=action, from_state=before, to_state=str(target))
