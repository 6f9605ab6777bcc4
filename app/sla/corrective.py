"""The SLA sweep's part for corrective actions: remind the owners of overdue tasks
(containment, corrective, preventive: due before today and still planned or in progress) and of
due effectiveness checks (a record in `verifying` whose check date has come).

A reminder is an outbox event, `corrective_action.task_overdue` or
`corrective_action.effectiveness_due`, delivered to the webhook subscribers like the claims'
escalations; it names the owner (with their name and email from their API key, when the key
has them), the record and the task. Each task, and each record's check, is reminded at most
once a day (`reminded_on`, `effectiveness_reminded_on`), however often the sweep runs; each
reminder is written to the record's audit trail. Records closed or cancelled are left alone.
Runs inside the sweep's transaction (service.py); no commit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.enums import CorrectiveState, CorrectiveTaskStatus
from app.events.outbox import enqueue
from app.metrics import CORRECTIVE_REMINDERS
from app.models.corrective import CorrectiveAction, CorrectiveEvent, CorrectiveTask
from app.models.system import ApiKey

SYSTEM_ACTOR = "system:sla"
TASK_OVERDUE = "corrective_action.task_overdue"
EFFECTIVENESS_DUE = "corrective_action.effectiveness_due"
OPEN_TASK = (CorrectiveTaskStatus.planned, CorrectiveTaskStatus.in_progress)
FINISHED = (CorrectiveState.closed, CorrectiveState.cancelled)


@dataclass
class CorrectiveReminders:
    tasks: int = 0
    effectiveness: int = 0


async def _owners(session: AsyncSession, names: set[str]) -> dict[str, dict[str, str]]:
    """Each owner's full name and email from their (unrevoked) key, in one query."""
    if not names:
        return {}
    rows = await session.execute(
        select(col(ApiKey.name), col(ApiKey.full_name), col(ApiKey.email)).where(
            col(ApiKey.name).in_(sorted(names)), col(ApiKey.revoked_at).is_(None)
        )
    )
    found: dict[str, dict[str, str]] = {}
    for name, full_name, email in rows:
        person = {k: v for k, v in (("owner_name", full_name), ("owner_email", email)) if v}
        found.setdefault(name, {}).update(person)
    return found


def _audit(
    session: AsyncSession, ca: CorrectiveAction, action: str, payload: dict[str, Any], now: datetime
) -> None:
    assert ca.id is not None
    session.add(
        CorrectiveEvent(
            corrective_action_id=ca.id,
            at=now,
            actor=SYSTEM_ACTOR,
            action=action,
            from_state=ca.state,
            to_state=ca.state,
            payload=payload,
        )
    )


async def remind(session: AsyncSession, *, today: date, now: datetime) -> CorrectiveReminders:
    """Queue today's reminders; `today` is the company's local date."""
    result = CorrectiveReminders()
    overdue = (
        await session.execute(
            select(CorrectiveTask, CorrectiveAction)
            .join(
                CorrectiveAction,
                col(CorrectiveAction.id) == col(CorrectiveTask.corrective_action_id),
            )
            .where(
                col(CorrectiveTask.status).in_(OPEN_TASK),
                col(CorrectiveTask.due_date) < today,
                or_(
                    col(CorrectiveTask.reminded_on).is_(None),
                    col(CorrectiveTask.reminded_on) < today,
                ),
                col(CorrectiveAction.state).not_in(FINISHED),
            )
            .order_by(col(CorrectiveTask.id))
        )
    ).all()
    checks = (
        (
            await session.execute(
                select(CorrectiveAction)
                .where(
                    col(CorrectiveAction.state) == CorrectiveState.verifying,
                    col(CorrectiveAction.effectiveness_due_on) <= today,
                    or_(
                        col(CorrectiveAction.effectiveness_reminded_on).is_(None),
                        col(CorrectiveAction.effectiveness_reminded_on) < today,
                    ),
                )
                .order_by(col(CorrectiveAction.id))
            )
        )
        .scalars()
        .all()
    )
    names = {t.owner or ca.owner for t, ca in overdue} | {ca.owner for ca in checks}
    people = await _owners(session, {n for n in names if n})

    for task, ca in overdue:
        assert task.due_date is not None
        owner = task.owner or ca.owner
        data: dict[str, Any] = {
            "number": ca.number,
            "title": ca.title,
            "state": ca.state,
            "task_id": task.id,
            "task_kind": task.kind,
            "task": task.description,
            "task_status": task.status,
            "due_date": task.due_date.isoformat(),
            "days_overdue": (today - task.due_date).days,
            "owner": owner,
            **people.get(owner or "", {}),
            "record_owner": ca.owner,
        }
        task.reminded_on = today
        enqueue(session, event_type=TASK_OVERDUE, data=data)
        _audit(session, ca, "task_overdue_reminded", data, now)
        result.tasks += 1

    for ca in checks:
        assert ca.effectiveness_due_on is not None
        data = {
            "number": ca.number,
            "title": ca.title,
            "state": ca.state,
            "effectiveness_due_on": ca.effectiveness_due_on.isoformat(),
            "fix_effective_on": ca.fix_effective_on.isoformat() if ca.fix_effective_on else None,
            "owner": ca.owner,
            **people.get(ca.owner or "", {}),
        }
        ca.effectiveness_reminded_on = today
        enqueue(session, event_type=EFFECTIVENESS_DUE, data=data)
        _audit(session, ca, "effectiveness_due_reminded", data, now)
        result.effectiveness += 1

    if result.tasks:
        CORRECTIVE_REMINDERS.labels("task_overdue").inc(result.tasks)
    if result.effectiveness:
        CORRECTIVE_REMINDERS.labels("effectiveness_due").inc(result.effectiveness)
    return result
