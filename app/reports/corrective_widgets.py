"""The dashboard's corrective-action widgets: open records by state, overdue tasks with their
owners, and effectiveness results with the before/after claim rates.

Three queries whatever the number of records: a GROUP BY for the states, the overdue tasks
joined to their records (the first TOP, and their count), and the records whose effectiveness
is known or due. The rates come from the record's `effectiveness` JSON ("rate_before",
"rate_after"), read defensively: anything that is not a number is shown as absent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.corrective.report import OPEN_TASK, number, outcome
from app.enums import CorrectiveState
from app.models.corrective import CorrectiveAction, CorrectiveTask

TOP = 30  # rows per table; the counts cover all
FINISHED = (CorrectiveState.closed, CorrectiveState.cancelled)
OUTCOME_STATES = (CorrectiveState.effective, CorrectiveState.not_effective)


@dataclass(frozen=True, slots=True)
class OverdueTask:
    number: str
    title: str
    description: str
    owner: str | None
    due_date: date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Effectiveness:
    number: str
    title: str
    result: str  # effective, not_effective or due
    rate_before: float | None
    rate_after: float | None
    due_on: date | None


@dataclass
class CorrectiveWidgets:
    by_state: list[tuple[str, int]] = field(default_factory=list)
    overdue: list[OverdueTask] = field(default_factory=list)
    overdue_total: int = 0
    effectiveness: list[Effectiveness] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"effective": 0, "not_effective": 0, "due": 0}
    )

    @property
    def open_total(self) -> int:
        return sum(n for _, n in self.by_state)


def _overdue_filter(today: date) -> Any:
    return and_(
        col(CorrectiveTask.status).in_(OPEN_TASK),
        col(CorrectiveTask.due_date) < today,
        col(CorrectiveAction.state).not_in(FINISHED),
    )


async def corrective_widgets(session: AsyncSession, *, today: date) -> CorrectiveWidgets:
    result = CorrectiveWidgets()
    states = await session.execute(
        select(col(CorrectiveAction.state), func.count())
        .where(col(CorrectiveAction.state).not_in(FINISHED))
        .group_by(col(CorrectiveAction.state))
    )
    order = {s.value: i for i, s in enumerate(CorrectiveState)}
    result.by_state = sorted(
        ((str(s), int(n)) for s, n in states), key=lambda pair: order.get(pair[0], 99)
    )

    overdue = await session.execute(
        select(
            col(CorrectiveAction.number),
            col(CorrectiveAction.title),
            col(CorrectiveTask.description),
            func.coalesce(col(CorrectiveTask.owner), col(CorrectiveAction.owner)),
            col(CorrectiveTask.due_date),
            func.count().over(),
        )
        .select_from(CorrectiveTask)
        .join(
            CorrectiveAction, col(CorrectiveAction.id) == col(CorrectiveTask.corrective_action_id)
        )
        .where(_overdue_filter(today))
        .order_by(col(CorrectiveTask.due_date), col(CorrectiveTask.id))
        .limit(TOP)
    )
    for ca_number, title, description, owner, due, total in overdue:
        result.overdue_total = int(total)
        result.overdue.append(
            OverdueTask(ca_number, title, description, owner, due, (today - due).days)
        )

    known = await session.execute(
        select(CorrectiveAction)
        .where(
            or_(
                col(CorrectiveAction.state).in_(OUTCOME_STATES),
                and_(
                    col(CorrectiveAction.state) == CorrectiveState.verifying,
                    col(CorrectiveAction.effectiveness_due_on) <= today,
                ),
                and_(
                    col(CorrectiveAction.state) == CorrectiveState.closed,
                    col(CorrectiveAction.effectiveness_checked_at).is_not(None),
                ),
            )
        )
        .order_by(col(CorrectiveAction.updated_at).desc(), col(CorrectiveAction.id).desc())
    )
    for ca in known.scalars():
        found = outcome(ca)
        if found is None and ca.state != CorrectiveState.verifying:
            continue  # closed without a readable result: nothing to show
        kind = found or "due"
        result.counts[kind] += 1
        if len(result.effectiveness) < TOP:
            figures = ca.effectiveness if isinstance(ca.effectiveness, dict) else {}
            result.effectiveness.append(
                Effectiveness(
                    number=ca.number,
                    title=ca.title,
                    result=kind,
                    rate_before=number(figures.get("rate_before")),
                    rate_after=number(figures.get("rate_after")),
                    due_on=ca.effectiveness_due_on,
                )
            )
    return result
