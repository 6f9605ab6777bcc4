"""Triage: the warranty check, requests for information, and the paid-repair offer out of warranty."""

from app.catalog.warranty_check import evaluate_unit, find_unit, store_on_claim
from app.enums import Action, ClaimState, CostBearer, DefectCause
from app.models.workflow.base import ActionBody
from app.models.workflow.triage import CheckWarranty, PaymentGuarantee
from app.workflow.steps.context import StepContext, step


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
    # then resumes the review rather than triage (see app.workflow.service.facts_for).
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
