"""Replacement: the new unit (the faulty unit's warranty moves to it), its shipment, and a substitute unit lent meanwhile."""

from sqlalchemy import select
from sqlmodel import col

from app.catalog.warranty_check import find_unit
from app.enums import Action
from app.errors import Conflict, InvalidInput
from app.models.reference import ProductModel, Unit
from app.models.types import utcnow
from app.models.workflow.remedy import ReplacementIn, Shipment, SubstituteLoan, SubstituteReturn
from app.models.workflow_records import (
    JobKind,
    JobStatus,
    Replacement,
)
from app.workflow.steps.context import StepContext, step
from app.workflow.steps.jobs import update_or_start_job


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
                select(ProductModel).where(col(ProductModel.code) == body.replacement_model_code)
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
    assert claim.id is not None and faulty.id is not None and new_unit.id is not None  # flushed
    replacement = Replacement(
        claim_id=claim.id,
        faulty_unit_id=faulty.id,
        faulty_serial=faulty.serial_number,
        replacement_unit_id=new_unit.id,
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
            .where(col(Replacement.claim_id) == ctx.claim.id)
            .order_by(col(Replacement.id).desc())
            .limit(1)
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
    return await update_or_start_job(
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
    return await update_or_start_job(
        ctx,
        JobKind.substitute_loan,
        JobStatus.returned,
        open_in={JobStatus.lent},
        done_on=body.returned_on,
        details={"condition": body.condition},
    )
