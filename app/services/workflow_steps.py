"""What each workflow action records, inside the action's transaction (never commits).

Each step gets the context (the locked claim, its unit and model, its progress row) and the
action's validated body, writes its records and returns the id of the main row it created.
The claim's state, version, audit event and outbox row are handled by the caller.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import Conflict, InvalidInput
from app.models.reference import ProductModel, Unit
from app.models.types import utcnow
from app.models.workflow_records import (
    DesignFinding,
    Dispute,
    InspectionAct,
    JobKind,
    JobStatus,
    Referral,
    ReferralStatus,
    Replacement,
    ServiceJob,
)
from app.models.workflow_schemas import (
    ActionBody,
    CheckWarranty,
    DesignFindingIn,
    DisputeOpened,
    DisputeSettlement,
    FieldVisitReport,
    FieldVisitSchedule,
    InspectionActIn,
    PaymentGuarantee,
    ReferralMemo,
    RemedyDecision,
    RepairPlan,
    RepairReport,
    ReplacementIn,
    Shipment,
    SubstituteLoan,
    SubstituteReturn,
    UnitReceipt,
)
from app.services.warranty import evaluate_unit, find_unit, store_on_claim
from app.services.workflow import StepContext
from app.workflow import Action, ClaimState, CostBearer, DefectCause, FieldVisitOutcome, RemedyKind

Step = Callable[[StepContext, Any], Awaitable[int | None]]
STEPS: dict[Action, Step] = {}


def step(*actions: Action) -> Callable[[Step], Step]:
    def register(fn: Step) -> Step:
        for action in actions:
            STEPS[action] = fn
        return fn

    return register


async def _nothing(ctx: StepContext, body: ActionBody) -> int | None:
    """The audit event (with the body) is the whole record."""
    return None


for _action in (
    Action.customer_info_received,
    Action.decline_paid_repair,
    Action.confirm_resolved,
    Action.report_not_helped,
    Action.offer_replacement,
    Action.request_withdrawal,
    Action.remind_withdrawal,
    Action.withdrawal_received,
    Action.close,
    Action.reopen,
):
    STEPS[_action] = _nothing


async def _latest_job(session: AsyncSession, claim_id: int, kind: JobKind) -> ServiceJob | None:
    return (
        await session.execute(
            select(ServiceJob)
            .where(ServiceJob.claim_id == claim_id, ServiceJob.kind == kind)
            .order_by(ServiceJob.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
    ).scalar_one_or_none()


def _new_job(ctx: StepContext, kind: JobKind, status: JobStatus, **values: Any) -> ServiceJob:
    job = ServiceJob(
        claim_id=ctx.claim.id,
        kind=kind,
        status=status,  # type: ignore[arg-type]
        created_by=ctx.principal.name,
        **values,
    )
    ctx.session.add(job)
    return job


async def _job(
    ctx: StepContext, kind: JobKind, status: JobStatus, *, open_in: set[str], **values: Any
) -> int | None:
    """Update the claim's latest job of `kind` if its status is in `open_in`, else start one."""
    job = await _latest_job(ctx.session, ctx.claim.id, kind)  # type: ignore[arg-type]
    if job is None or job.status not in open_in:
        job = _new_job(ctx, kind, status, **values)
    else:
        job.status = status
        details = {**job.details, **values.pop("details", {})}
        for name, value in values.items():
            setattr(job, name, value)
        job.details = details
        job.updated_at = utcnow()
    await ctx.session.flush()
    return job.id


@step(Action.check_warranty)
async def check_warranty(ctx: StepContext, body: CheckWarranty) -> int | None:
    claim, unit, model = ctx.claim, ctx.unit, ctx.model
    if body.serial_number or unit is None:
        serial = body.serial_number or claim.reported_serial
        unit, model = await find_unit(ctx.session, serial) if serial else (None, None)
        if body.serial_number:
            claim.reported_serial = body.serial_number
        claim.unit_id = unit.id if unit else None
        if model is not None:
            claim.product_model_id = model.id
    result = evaluate_unit(unit, model, on=ctx.received_on, serial=claim.reported_serial)
    store_on_claim(claim, result)
    return None


@step(Action.request_info)
async def request_info(ctx: StepContext, body: ActionBody) -> int | None:
    # The cause `needs_info` marks a question raised in design review: the customer's answer
    # then resumes the review rather than triage (see services.workflow.facts_for).
    if ctx.transition.from_state is ClaimState.design_review:
        ctx.claim.defect_cause = DefectCause.needs_info
    elif ctx.claim.defect_cause == DefectCause.needs_info:
        ctx.claim.defect_cause = None
    return None


@step(Action.offer_paid_repair)
async def offer_paid_repair(ctx: StepContext, body: ActionBody) -> int | None:
    ctx.progress.paid_repair_offered = True
    return None


@step(Action.accept_paid_repair)
async def accept_paid_repair(ctx: StepContext, body: PaymentGuarantee) -> int | None:
    ctx.progress.payment_guarantee_received = True
    ctx.claim.cost_bearer = CostBearer.customer
    return None


@step(Action.refer_to_design)
async def refer_to_design(ctx: StepContext, body: ReferralMemo) -> int | None:
    referral = Referral(
        claim_id=ctx.claim.id,
        memo=body.memo,
        urgency=body.urgency,  # type: ignore[arg-type]
        questions=body.questions,
        created_by=ctx.principal.name,
    )
    ctx.session.add(referral)
    await ctx.session.flush()
    return referral.id


@step(Action.answer_referral)
async def answer_referral(ctx: StepContext, body: DesignFindingIn) -> int | None:
    referral = (
        await ctx.session.execute(
            select(Referral)
            .where(Referral.claim_id == ctx.claim.id, Referral.status == ReferralStatus.open)
            .order_by(Referral.id.desc())  # type: ignore[union-attr]
            .limit(1)
        )
    ).scalar_one_or_none()
    finding = DesignFinding(
        claim_id=ctx.claim.id,  # type: ignore[arg-type]
        referral_id=referral.id if referral else None,
        cause=body.cause,
        analysis=body.analysis,
        recommendations=body.recommendations,
        suggested_remedy=body.suggested_remedy,
        information_needed=body.information_needed,
        author=ctx.principal.name,
    )
    ctx.session.add(finding)
    ctx.claim.defect_cause = body.cause
    if body.cause is not DefectCause.needs_info:
        ctx.progress.has_recommendations = bool(body.recommendations)
        if referral is not None:
            referral.status = ReferralStatus.answered
            referral.answered_at = utcnow()
    await ctx.session.flush()
    return finding.id


@step(Action.choose_remedy)
async def choose_remedy(ctx: StepContext, body: RemedyDecision) -> int | None:
    ctx.progress.remedy_kind = body.kind
    ctx.progress.field_visit_scheduled = False  # a new remedy needs its own visit
    if body.kind is RemedyKind.return_to_plant:
        return await _job(
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
    return await _job(
        ctx,
        JobKind.field_visit,
        JobStatus.scheduled,
        open_in={JobStatus.scheduled},
        planned_on=body.visit_date,
        details={"technicians": body.technicians, "site_address": body.site_address},
    )


@step(Action.field_visit_done)
async def field_visit_done(ctx: StepContext, body: FieldVisitReport) -> int | None:
    job_id = await _job(
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
        await _job(ctx, JobKind.return_to_plant, JobStatus.awaiting_unit, open_in=set())
    return job_id


@step(Action.return_shipped)
async def return_shipped(ctx: StepContext, body: Shipment) -> int | None:
    return await _job(
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
    return await _job(
        ctx,
        JobKind.return_to_plant,
        JobStatus.received,
        open_in={JobStatus.awaiting_unit, JobStatus.shipped},
        done_on=body.received_on,
        details={"condition": body.condition},
    )


@step(Action.record_inspection_act)
async def record_inspection_act(ctx: StepContext, body: InspectionActIn) -> int | None:
    act = InspectionAct(
        claim_id=ctx.claim.id,  # type: ignore[arg-type]
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
    return await _job(
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
    ctx.progress.repair_done = True
    return await _job(
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
    return await _job(
        ctx,
        JobKind.repair,
        JobStatus.returned,
        open_in={JobStatus.done},
        carrier=body.carrier,
        tracking_number=body.tracking_number,
        details={"returned_on": body.shipped_on.isoformat()},
    )


@step(Action.record_replacement)
async def record_replacement(ctx: StepContext, body: ReplacementIn) -> int | None:
    session, claim = ctx.session, ctx.claim
    faulty, faulty_model = ctx.unit, ctx.model
    if body.faulty_serial and (faulty is None or faulty.serial_number != body.faulty_serial):
        faulty, faulty_model = await find_unit(session, body.faulty_serial)
        if faulty is None:
            raise InvalidInput(
                f"No unit is registered under serial {body.faulty_serial}.",
                errors=[
                    {
                        "field": "body.faulty_serial",
                        "message": "unknown unit",
                        "type": "value_error",
                    }
                ],
            )
    if faulty is None:
        raise Conflict(
            "The claim's unit is not registered: give faulty_serial, or register the "
            "unit and run check-warranty first."
        )
    if body.replacement_serial == faulty.serial_number:
        raise InvalidInput("The replacement must be another unit than the faulty one.")
    model = faulty_model
    if body.replacement_model_code:
        model = (
            await session.execute(
                select(ProductModel).where(ProductModel.code == body.replacement_model_code)
            )
        ).scalar_one_or_none()
        if model is None:
            raise InvalidInput(f"Unknown product model {body.replacement_model_code}.")
    if model is None or model.id is None:
        raise InvalidInput(
            "The faulty unit's model is unknown: give replacement_model_code.",
            errors=[
                {
                    "field": "body.replacement_model_code",
                    "message": "required here",
                    "type": "missing",
                }
            ],
        )
    new_unit, _ = await find_unit(session, body.replacement_serial)
    if new_unit is None:
        new_unit = Unit(
            serial_number=body.replacement_serial,
            product_model_id=model.id,
            owner_name=faulty.owner_name,
        )
        session.add(new_unit)
    _move_warranty(faulty, new_unit, fresh=body.warranty == "fresh", ctx=ctx)
    await session.flush()
    replacement = Replacement(
        claim_id=claim.id,  # type: ignore[arg-type]
        faulty_unit_id=faulty.id,  # type: ignore[arg-type]
        faulty_serial=faulty.serial_number,
        replacement_unit_id=new_unit.id,  # type: ignore[arg-type]
        replacement_serial=new_unit.serial_number,
        warranty_mode=body.warranty,
        created_by=ctx.principal.name,
    )
    session.add(replacement)
    ctx.progress.replacement_recorded = True
    await session.flush()
    return replacement.id


def _move_warranty(faulty: Unit, new_unit: Unit, *, fresh: bool, ctx: StepContext) -> None:
    """The new unit takes over the warranty; the faulty one's ends with the replacement."""
    if fresh:
        new_unit.sale_date, new_unit.commissioning_date = ctx.today, None
        new_unit.warranty_extension_months = 0
    else:
        new_unit.sale_date = faulty.sale_date
        new_unit.commissioning_date = faulty.commissioning_date
        new_unit.warranty_extension_months = faulty.warranty_extension_months
    new_unit.warranty_void_reason = None
    new_unit.updated_at = faulty.updated_at = utcnow()
    faulty.warranty_void_reason = (
        f"Replaced by unit {new_unit.serial_number} under claim {ctx.claim.number} on "
        f"{ctx.today.isoformat()}; the warranty moved to the new unit."
    )


@step(Action.ship_replacement)
async def ship_replacement(ctx: StepContext, body: Shipment) -> int | None:
    replacement = (
        await ctx.session.execute(
            select(Replacement)
            .where(Replacement.claim_id == ctx.claim.id)
            .order_by(Replacement.id.desc())
            .limit(1)  # type: ignore[union-attr]
        )
    ).scalar_one_or_none()
    if replacement is None:  # the guard (replacement_recorded) makes this unreachable
        raise Conflict("No replacement is recorded on this claim.")
    replacement.shipped_on = body.shipped_on
    replacement.carrier, replacement.tracking_number = body.carrier, body.tracking_number
    ctx.progress.replacement_shipped = True
    return replacement.id


@step(Action.lend_substitute)
async def lend_substitute(ctx: StepContext, body: SubstituteLoan) -> int | None:
    ctx.progress.substitute_out = True
    return await _job(
        ctx,
        JobKind.substitute_loan,
        JobStatus.lent,
        open_in=set(),
        serial_number=body.substitute_serial,
        planned_on=body.expected_return,
        details={"lent_on": body.lent_on.isoformat()},
    )


@step(Action.substitute_returned)
async def substitute_returned(ctx: StepContext, body: SubstituteReturn) -> int | None:
    ctx.progress.substitute_out = False
    return await _job(
        ctx,
        JobKind.substitute_loan,
        JobStatus.returned,
        open_in={JobStatus.lent},
        done_on=body.returned_on,
        details={"condition": body.condition},
    )


@step(Action.open_dispute)
async def open_dispute(ctx: StepContext, body: DisputeOpened) -> int | None:
    dispute = Dispute(
        claim_id=ctx.claim.id,  # type: ignore[arg-type]
        customer_position=body.customer_position,
        contested_cost_bearer=body.contested_cost_bearer or ctx.claim.cost_bearer,
        legal_review_requested=body.legal_review_requested,
        opened_by=ctx.principal.name,
    )
    ctx.session.add(dispute)
    await ctx.session.flush()
    return dispute.id


@step(Action.settle_dispute)
async def settle_dispute(ctx: StepContext, body: DisputeSettlement) -> int | None:
    dispute = (
        await ctx.session.execute(
            select(Dispute)
            .where(Dispute.claim_id == ctx.claim.id, Dispute.settled_at.is_(None))  # type: ignore[union-attr]
            .order_by(Dispute.id.desc())
            .limit(1)  # type: ignore[union-attr]
        )
    ).scalar_one_or_none()
    if dispute is None:  # a disputed claim has an open dispute; never trust that blindly
        raise Conflict("No open dispute is recorded on this claim.")
    dispute.outcome, dispute.cost_bearer = body.outcome, body.cost_bearer
    dispute.legal_review = body.legal_review
    dispute.expertise = (
        body.independent_expertise.model_dump() if body.independent_expertise else None
    )
    dispute.settled_by, dispute.settled_at = ctx.principal.name, utcnow()
    ctx.claim.cost_bearer = body.cost_bearer
    return dispute.id


assert set(STEPS) == set(Action), f"no step for {set(Action) - set(STEPS)}"
