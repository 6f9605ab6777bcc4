"""The corrective action as GET /api/v1/corrective-actions/{number} shows it: D1–D8, the
linked claims, tasks and files, and the actions the caller may take (four queries)."""

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.config import Settings
from app.corrective import machine
from app.enums import CorrectiveState, CorrectiveTaskKind, CorrectiveTaskStatus
from app.models.claims import Claim
from app.models.corrective import (
    CorrectiveAction,
    CorrectiveActionClaim,
    CorrectiveActionRead,
    CorrectiveClosure,
    CorrectiveFile,
    CorrectiveFileRead,
    CorrectiveLinkedClaim,
    CorrectiveProblemSection,
    CorrectiveRootCause,
    CorrectiveTask,
    CorrectiveTaskRead,
    CorrectiveVerification,
)
from app.models.customers import Customer
from app.models.reference import ProductModel
from app.workdays import local_date

FINISHED = (CorrectiveTaskStatus.done, CorrectiveTaskStatus.cancelled)


def task_read(task: CorrectiveTask, today: date) -> CorrectiveTaskRead:
    overdue = task.due_date is not None and task.due_date < today and task.status not in FINISHED
    values = {
        name: getattr(task, name) for name in CorrectiveTaskRead.model_fields if name != "overdue"
    }
    values["evidence_file_ids"] = task.evidence_file_ids or []
    return CorrectiveTaskRead.model_validate({**values, "overdue": overdue})


async def read_action(
    session: AsyncSession, ca: CorrectiveAction, *, principal: Principal, settings: Settings
) -> CorrectiveActionRead:
    assert ca.id is not None
    today = local_date(datetime.now(UTC), settings)
    model = await session.get(ProductModel, ca.product_model_id) if ca.product_model_id else None
    claim_rows = await session.execute(
        select(
            col(Claim.number),
            col(Claim.received_at),
            col(Customer.name).label("customer"),
            col(Claim.state),
            col(ProductModel.code).label("product_model"),
            col(Claim.reported_serial).label("serial"),
        )
        .select_from(CorrectiveActionClaim)
        .join(Claim, col(Claim.id) == col(CorrectiveActionClaim.claim_id))
        .join(Customer, col(Customer.id) == col(Claim.customer_id))
        .outerjoin(ProductModel, col(ProductModel.id) == col(Claim.product_model_id))
        .where(col(CorrectiveActionClaim.corrective_action_id) == ca.id)
        .order_by(col(Claim.received_at), col(Claim.id))
    )
    tasks = (
        await session.execute(
            select(CorrectiveTask)
            .where(col(CorrectiveTask.corrective_action_id) == ca.id)
            .order_by(col(CorrectiveTask.id))
        )
    ).scalars()
    by_kind: dict[str, list[CorrectiveTaskRead]] = {kind.value: [] for kind in CorrectiveTaskKind}
    for task in tasks:
        by_kind[str(task.kind)].append(task_read(task, today))
    files = (
        await session.execute(
            select(CorrectiveFile)
            .where(col(CorrectiveFile.corrective_action_id) == ca.id)
            .order_by(col(CorrectiveFile.id))
        )
    ).scalars()
    state = CorrectiveState(ca.state)
    return CorrectiveActionRead(
        number=ca.number,
        state=state,
        version=ca.version,
        title=ca.title,
        owner=ca.owner,
        product_model=model.code if model else None,
        product_model_name=model.name if model else None,
        batch=ca.batch,
        source=ca.source,
        d1_team=list(ca.team or []),
        d2_problem=CorrectiveProblemSection(facts=ca.problem or {}, statement=ca.problem_statement),
        d3_containment=by_kind[CorrectiveTaskKind.containment],
        d4_root_cause=CorrectiveRootCause(
            whys=list(ca.root_cause_whys or []),
            category=ca.root_cause_category,
            root_cause=ca.root_cause,
            purchased_component=ca.purchased_component,
        ),
        d5_corrective=by_kind[CorrectiveTaskKind.corrective],
        d6_verification=CorrectiveVerification(
            fix_effective_on=ca.fix_effective_on,
            fix_first_serial=ca.fix_first_serial,
            fix_first_batch=ca.fix_first_batch,
            effectiveness_due_on=ca.effectiveness_due_on,
            effectiveness=ca.effectiveness,
            effectiveness_checked_at=ca.effectiveness_checked_at,
        ),
        d7_preventive=by_kind[CorrectiveTaskKind.preventive],
        d8_closure=CorrectiveClosure(
            summary=ca.closure_summary, closed_at=ca.closed_at, closed_by=ca.closed_by
        ),
        claims=[CorrectiveLinkedClaim.model_validate(r._mapping) for r in claim_rows],
        files=[CorrectiveFileRead.model_validate(f, from_attributes=True) for f in files],
        allowed_actions=[a.value for a in machine.allowed_actions(state, principal.roles)],
        created_by=ca.created_by,
        created_at=ca.created_at,
        updated_at=ca.updated_at,
    )
