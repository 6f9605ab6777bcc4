"""The remedy: a field visit or a return to the plant, the inspection act, the repair, the unit sent back."""

from app.enums import Action, FieldVisitOutcome, RemedyKind
from app.models.workflow.remedy import (
    FieldVisitReport,
    FieldVisitSchedule,
    InspectionActIn,
    RemedyDecision,
    RepairPlan,
    RepairReport,
    Shipment,
    UnitReceipt,
)
from app.models.workflow_records import (
    InspectionAct,
    JobKind,
    JobStatus,
)
from app.workflow.steps.context import StepContext, not_in_future, step
from app.workflow.steps.jobs import update_or_start_job


@step(Action.choose_remedy)
async def choose_remedy(ctx: StepContext, body: RemedyDecision) -> int | None:
    ctx.progress.remedy_kind = body.kind
    ctx.progress.field_visit_scheduled = False  # a new remedy needs its own visit
    if body.kind is RemedyKind.return_to_plant:
        return await update_or_start_job(
            ctx,
            JobKind.return_to_plant,
            JobStatus.awaiting_unit,
            open_in=set(),
            details={"instructions": body.instructions},
        )
    return None


@step(Action.schedule_field_visit)
async def schedule_field_visit(ctx: StepContext, body: FieldVisitSchedule) -> int | None:
    ctx.progress.field_visit_scheduled = True
    return await update_or_start_job(
        ctx,
        JobKind.field_visit,
        JobStatus.scheduled,
        open_in={JobStatus.scheduled},
        planned_on=body.visit_date,
        details={"technicians": body.technicians, "site_address": body.site_address},
    )


@step(Action.field_visit_done)
async def field_visit_done(ctx: StepContext, body: FieldVisitReport) -> int | None:
    not_in_future(ctx, body.visited_on, "visited_on")
    job_id = await update_or_start_job(
        ctx,
        JobKind.field_visit,
        JobStatus.done,
        open_in={JobStatus.scheduled},
        done_on=body.visited_on,
        outcome=body.outcome,
        details={"report": body.report},
    )
    if body.outcome is FieldVisitOutcome.needs_return:
        ctx.progress.remedy_kind = RemedyKind.return_to_plant
        await update_or_start_job(
            ctx, JobKind.return_to_plant, JobStatus.awaiting_unit, open_in=set()
        )
    return job_id


@step(Action.return_shipped)
async def return_shipped(ctx: StepContext, body: Shipment) -> int | None:
    return await update_or_start_job(
        ctx,
        JobKind.return_to_plant,
        JobStatus.shipped,
        open_in={JobStatus.awaiting_unit, JobStatus.shipped},
        planned_on=body.shipped_on,
        carrier=body.carrier,
        tracking_number=body.tracking_number,
    )


@step(Action.unit_received)
async def unit_received(ctx: StepContext, body: UnitReceipt) -> int | None:
    not_in_future(ctx, body.received_on, "received_on")
    return await update_or_start_job(
        ctx,
        JobKind.return_to_plant,
        JobStatus.received,
        open_in={JobStatus.awaiting_unit, JobStatus.shipped},
        done_on=body.received_on,
        details={"condition": body.condition},
    )


@step(Action.record_inspection_act)
async def record_inspection_act(ctx: StepContext, body: InspectionActIn) -> int | None:
    not_in_future(ctx, body.inspected_on, "inspected_on")
    assert ctx.claim.id is not None  # a loaded claim
    act = InspectionAct(
        claim_id=ctx.claim.id,
        act_number=body.act_number,
        inspected_on=body.inspected_on,
        place=body.place,
        our_participants=[p.model_dump() for p in body.our_participants],
        customer_participants=[p.model_dump() for p in body.customer_participants],
        findings=body.findings,
        culpability=body.culpability,
        cost_bearer=body.cost_bearer,
        author=ctx.principal.name,
    )
    ctx.session.add(act)
    ctx.progress.has_inspection_act = True
    ctx.claim.cost_bearer = body.cost_bearer
    await ctx.session.flush()
    return act.id


@step(Action.plan_repair)
async def plan_repair(ctx: StepContext, body: RepairPlan) -> int | None:
    return await update_or_start_job(
        ctx,
        JobKind.repair,
        JobStatus.planned,
        open_in={JobStatus.planned},
        planned_on=body.planned_completion,
        cost=body.estimated_cost,
        details={"steps": body.steps, "location": body.location},
    )


@step(Action.repair_done)
async def repair_done(ctx: StepContext, body: RepairReport) -> int | None:
    not_in_future(ctx, body.completed_on, "completed_on")
    ctx.progress.repair_done = True
    return await update_or_start_job(
        ctx,
        JobKind.repair,
        JobStatus.done,
        open_in={JobStatus.planned},
        done_on=body.completed_on,
        cost=body.cost,
        details={"work_done": body.work_done, "parts_replaced": body.parts_replaced},
    )


@step(Action.return_unit)
async def return_unit(ctx: StepContext, body: Shipment) -> int | None:
    ctx.progress.unit_returned = True
    return await update_or_start_job(
        ctx,
        JobKind.repair,
        JobStatus.returned,
        open_in={JobStatus.done},
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        details={"returned_on": body.shipped_on.isoformat()},
    )
