"""Replacement: the new unit (the faulty unit's warranty moves to it), its shipment, and a substitute unit lent meanwhile."""

from sqlalchemy import or_, select
from sqlmodel import col

from app.catalog.warranty_check import find_unit
from app.enums import Action, ClaimState
from app.errors import Conflict, InvalidInput
from app.models.claims import Claim
from app.models.customers import Customer
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
    if faulty is not ctx.unit:
        # A unit named in the body rather than the claim's own: its warranty ends here, so it
        # must be this customer's and no other claim's.
        await _refuse_if_taken(ctx, faulty, field="faulty_serial", owners={None})
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
    if new_unit is not None:
        await _refuse_if_taken(
            ctx, new_unit, field="replacement_serial", owners={faulty.owner_name}
        )
    else:
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


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


async def _refuse_if_taken(
    ctx: StepContext, unit: Unit, *, field: str, owners: set[str | None]
) -> None:
    """409 unless `unit` is free for this claim to rewrite: a replacement rewrites the new
    unit's sale date and warranty, and ends the faulty one's. A unit with an owner other than
    this customer (by `owners`, the customer's names), one sold to nobody known, or one with
    another customer's claims or any open claim of its own, belongs to someone else's record."""
    customer = await ctx.session.get(Customer, ctx.claim.customer_id)
    names = {_name_key(n) for n in owners} | {
        _name_key(customer.name if customer else None),
        _name_key(customer.short_name if customer else None),
    }
    names.discard("")
    serial = unit.serial_number
    reason = None
    if unit.owner_name and _name_key(unit.owner_name) not in names:
        reason = f"unit {serial} belongs to another customer ({unit.owner_name})"
    elif not unit.owner_name and unit.sale_date and field == "replacement_serial":
        reason = f"unit {serial} was sold on {unit.sale_date.isoformat()} to an unrecorded owner"
    else:
        others = (
            await ctx.session.execute(
                select(col(Claim.number), col(Claim.customer_id), col(Claim.state))
                .where(
                    or_(col(Claim.unit_id) == unit.id, col(Claim.reported_serial) == serial),
                    col(Claim.id) != ctx.claim.id,
                )
                .order_by(col(Claim.id))
            )
        ).all()
        foreign = [n for n, customer_id, _ in others if customer_id != ctx.claim.customer_id]
        still_open = [n for n, _, state in others if state != ClaimState.closed]
        if foreign:
            reason = f"unit {serial} has claims of another customer ({', '.join(foreign[:3])})"
        elif still_open:
            reason = f"unit {serial} has open claims ({', '.join(still_open[:3])})"
    if reason:
        raise Conflict(
            f"The {field.replace('_', ' ')} cannot be used: {reason}.",
            field=f"body.{field}",
        )


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
