"""Corrective actions for the tests, inserted as rows through the app's own session factory:
the corrective-actions API is built on another branch. Claims come through the claims API
(the `new_claim` fixture) and are linked here by number."""

import itertools
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from app.enums import CorrectiveTaskKind, CorrectiveTaskStatus
from app.models.claims import Claim
from app.models.corrective import CorrectiveAction, CorrectiveActionClaim, CorrectiveTask

_seq = itertools.count(random.randint(100000, 800000))


async def make_action(
    app: Any,
    *,
    claims: Sequence[str] = (),
    tasks: Sequence[dict[str, Any]] = (),
    **fields: Any,
) -> CorrectiveAction:
    """A committed corrective action with its linked claims (by number) and tasks; `tasks`
    are CorrectiveTask fields (kind defaults to corrective)."""
    seq = next(_seq)
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "number": f"CA-{now.year}-{seq:06d}",
        "year": now.year,
        "seq": seq,
        "title": f"Recurring defect {seq}",
        "created_by": "test-head",
        **fields,
    }
    async with app.state.session_factory() as s:
        ca = CorrectiveAction(**values)
        s.add(ca)
        await s.flush()
        assert ca.id is not None
        if claims:
            ids = (
                await s.execute(select(col(Claim.id)).where(col(Claim.number).in_(list(claims))))
            ).scalars()
            for claim_id in ids:
                s.add(
                    CorrectiveActionClaim(
                        corrective_action_id=ca.id, claim_id=claim_id, linked_by="test-head"
                    )
                )
        for task in tasks:
            s.add(
                CorrectiveTask(
                    corrective_action_id=ca.id,
                    **{"kind": CorrectiveTaskKind.corrective, "description": "Act", **task},
                )
            )
        await s.commit()
        await s.refresh(ca)
        s.expunge(ca)
    return ca


async def tasks_of(app: Any, ca_id: int) -> list[CorrectiveTask]:
    async with app.state.session_factory() as s:
        rows = (
            await s.execute(
                select(CorrectiveTask)
                .where(col(CorrectiveTask.corrective_action_id) == ca_id)
                .order_by(col(CorrectiveTask.id))
            )
        ).scalars()
        return list(rows)


def overdue_task(owner: str, due: date, **extra: Any) -> dict[str, Any]:
    return {
        "kind": CorrectiveTaskKind.corrective,
        "description": "Change the supplier of the seal",
        "owner": owner,
        "due_date": due,
        "status": CorrectiveTaskStatus.in_progress,
        **extra,
    }
