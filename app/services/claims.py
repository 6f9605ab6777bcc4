"""Claim registration, reading and listing: the intake and listing hot paths.

Registration costs a fixed handful of statements: unit lookup, customer lookup (+ insert), then
the claim with its number, audit event, outbox row and idempotency record (one statement on
PostgreSQL; the counter and one INSERT per row on SQLite: intake_rows.py), commit. An
Idempotency-Key is read only when it was used before.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import NotFound
from app.models.claims import (
    Attachment,
    AttachmentRead,
    Claim,
    ClaimCreate,
    ClaimEvent,
    ClaimRead,
    Deadlines,
    EventRead,
    Message,
    MessageRead,
)
from app.models.reference import Customer, CustomerRead, ProductModel, Unit
from app.models.system import IdempotencyRecord, OutboxEvent
from app.models.types import utcnow
from app.security import Principal
from app.services import catalog, customers, idempotency, outbox, warranty
from app.services.intake_rows import Row, insert_claim
from app.workdays import add_working_days
from app.workflow import ClaimState


@dataclass(slots=True)
class Registration:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass(slots=True)
class ClaimBundle:
    """A claim with the rows a response needs, loaded in one query."""

    claim: Claim
    customer: Customer
    unit: Unit | None
    model: ProductModel | None


def local_date(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def today(settings: Settings) -> date:
    return local_date(datetime.now(UTC), settings)


@dataclass(slots=True)
class IdempotentRequest:
    """An Idempotency-Key with the request it came with: its record is written with the claim."""

    principal: Principal
    key: str
    body_hash: str


async def register_claim(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    principal: Principal,
    settings: Settings,
    idempotency_key: str | None = None,
) -> Registration:
    # An Idempotency-Key is checked by its unique constraint, not by a read first: retries are
    # rare, and a retry's rolled-back attempt gives its claim number back.
    request = None
    if idempotency_key:
        body_hash = idempotency.request_hash(data.model_dump(mode="json"))
        request = IdempotentRequest(principal, idempotency_key, body_hash)
    try:
        _, read = await register_claim_rows(
            session, data=data, principal=principal, settings=settings, idempotent=request
        )
        await session.commit()
    except IntegrityError:
        # This key was used before (or a concurrent request with it committed first): replay.
        await session.rollback()
        if request is None:
            raise
        record = await idempotency.find(
            session, principal=principal, key=request.key, body_hash=request.body_hash
        )
        if record is None:
            raise
        return Registration(record.status_code, record.response, replayed=True)
    return Registration(201, read.model_dump(mode="json"))


async def register_claim_rows(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    principal: Principal,
    settings: Settings,
    idempotent: IdempotentRequest | None = None,
) -> tuple[Claim, ClaimRead]:
    """Write a claim with its audit event and outbox row (and idempotency record) without
    committing, so that callers (the email intake) can include it in a larger transaction.

    The rows are written by Core inserts (intake_rows.py), not by the unit of work, so the
    returned Claim is not in the session: read it, do not change it."""
    unit, model = await _find_product(session, data)
    customer = await customers.match_or_create(session, data=data.customer)
    if customer.id is None:
        await session.flush()
    received_at = data.received_at.astimezone(UTC) if data.received_at else utcnow()
    received_day = local_date(received_at, settings)
    claim = Claim(
        year=received_at.year,
        channel=data.channel,
        state=ClaimState.new,
        customer_id=customer.id,
        unit_id=unit.id if unit else None,
        product_model_id=model.id if model else None,
        reported_model=data.product.model_name or data.product.model_code,
        reported_serial=data.product.serial_number,
        purchase_date=data.product.purchase_date,
        title=data.title,
        defect_description=data.defect_description,
        language=data.language or data.customer.language,
        received_at=received_at,
        ack_due_date=add_working_days(
            received_day, settings.ack_due_working_days, settings.holidays
        ),
        ack_deadline_date=add_working_days(
            received_day, settings.ack_deadline_working_days, settings.holidays
        ),
        call_details=data.phone_call.model_dump(mode="json") if data.phone_call else None,
        internal_source=data.internal_source,
        external_reference=data.external_reference,
        created_by=principal.name,
    )
    warranty.assess_at_registration(claim, unit, model, received_on=received_day)  # no SQL
    registered = EventRead(
        at=claim.created_at,
        actor=principal.name,
        action="register",
        from_state=None,
        to_state=claim.state,
        payload={"channel": claim.channel},
    )
    # The number is taken by the insert itself (last, see intake_rows.py): the response and
    # the rows that carry it get it from there.
    claim.number = ""
    read = build_claim_read(
        ClaimBundle(claim, customer, unit, model),
        events=[registered],
        messages=[],
        attachments=[],
        allowed=[],
    )
    rows = [
        Row(ClaimEvent.__table__, registered.model_dump()),  # type: ignore[attr-defined]
        Row(
            OutboxEvent.__table__,  # type: ignore[attr-defined]
            outbox.new_row(
                "claim.registered", {"number": "", "channel": claim.channel, "state": claim.state}
            ),
            number_in="payload",
        ),
    ]
    if idempotent is not None:
        record = idempotency.new_record(
            principal=idempotent.principal,
            key=idempotent.key,
            body_hash=idempotent.body_hash,
            status_code=201,
            response=read.model_dump(mode="json"),
        )
        rows.append(
            Row(IdempotencyRecord.__table__, record, linked=False, number_in="response")  # type: ignore[attr-defined]
        )
    values = {k: getattr(claim, k) for k in _CLAIM_COLUMNS}
    inserted = await insert_claim(session, values, rows, year=claim.year)
    claim.id, claim.seq, claim.number = inserted.id, inserted.seq, inserted.number
    read.number = inserted.number
    return claim, read


# Everything but what the insert fills in.
_CLAIM_COLUMNS = [
    c.key
    for c in Claim.__table__.columns  # type: ignore[attr-defined]
    if c.key not in ("id", "seq", "number")
]


async def _find_product(
    session: AsyncSession, data: ClaimCreate
) -> tuple[Unit | None, ProductModel | None]:
    """The registered unit (with its model) by serial number, else the model by its code."""
    if data.product.serial_number:
        unit, model = await warranty.find_unit(session, data.product.serial_number)
        if unit is not None:
            return unit, model
    if data.product.model_code:
        return None, await catalog.find_model(session, data.product.model_code)
    return None, None


async def load_bundle(
    session: AsyncSession, number: str, *, for_update: bool = False
) -> ClaimBundle:
    stmt = (
        select(Claim, Customer, Unit, ProductModel)
        .join(Customer, Claim.customer_id == Customer.id)
        .outerjoin(Unit, Claim.unit_id == Unit.id)
        .outerjoin(ProductModel, Claim.product_model_id == ProductModel.id)
        .where(Claim.number == number)
    )
    if for_update:
        stmt = stmt.with_for_update(of=Claim)  # type: ignore[arg-type]
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(f"Claim {number} does not exist.")
    return ClaimBundle(*row)


async def get_claim(session: AsyncSession, number: str) -> Claim:
    claim = (
        await session.execute(select(Claim).where(Claim.number == number))
    ).scalar_one_or_none()
    if claim is None:
        raise NotFound(f"Claim {number} does not exist.")
    return claim


async def read_claim(
    session: AsyncSession, *, number: str, principal: Principal, settings: Settings
) -> ClaimRead:
    bundle = await load_bundle(session, number)
    claim_id = bundle.claim.id
    events = (
        (
            await session.execute(
                select(ClaimEvent).where(ClaimEvent.claim_id == claim_id).order_by(ClaimEvent.id)
            )
        )
        .scalars()
        .all()
    )
    messages = (
        (
            await session.execute(
                select(Message).where(Message.claim_id == claim_id).order_by(Message.at, Message.id)
            )
        )
        .scalars()
        .all()
    )
    attachments = (
        (
            await session.execute(
                select(Attachment).where(Attachment.claim_id == claim_id).order_by(Attachment.id)
            )
        )
        .scalars()
        .all()
    )
    return build_claim_read(
        bundle,
        events=events,
        messages=messages,
        attachments=attachments,
        allowed=await allowed_actions_for(session, bundle.claim, principal),
        today_=today(settings),
        timezone=settings.timezone,
    )


async def allowed_actions_for(
    session: AsyncSession, claim: Claim, principal: Principal
) -> list[str]:
    """The workflow actions the caller may take now."""
    from app.services.workflow import allowed_for  # imports this module

    return await allowed_for(session, claim, principal)


def is_overdue(claim: Claim, today_: date) -> bool:
    return (
        claim.acknowledged_at is None
        and claim.state != ClaimState.closed
        and claim.ack_due_date < today_
    )


def build_claim_read(
    bundle: ClaimBundle,
    *,
    events: Any,
    messages: Any,
    attachments: Any,
    allowed: list[str],
    today_: date | None = None,
    timezone: str = "UTC",
) -> ClaimRead:
    claim, model = bundle.claim, bundle.model
    acked = claim.acknowledged_at
    return ClaimRead(
        number=claim.number,
        channel=claim.channel,
        state=claim.state,
        version=claim.version,
        customer=CustomerRead.model_validate(bundle.customer, from_attributes=True),
        model_code=model.code if model else None,
        model_name=model.name if model else claim.reported_model,
        serial_number=bundle.unit.serial_number if bundle.unit else claim.reported_serial,
        purchase_date=claim.purchase_date,
        title=claim.title,
        defect_description=claim.defect_description,
        language=claim.language,
        received_at=claim.received_at,
        deadlines=Deadlines(
            ack_due_date=claim.ack_due_date,
            ack_deadline_date=claim.ack_deadline_date,
            acknowledged_at=claim.acknowledged_at,
            overdue=is_overdue(claim, today_) if today_ else False,
            acknowledged_in_time=(
                acked.astimezone(ZoneInfo(timezone)).date() <= claim.ack_due_date if acked else None
            ),
        ),
        warranty_status=claim.warranty_status,
        warranty_end_date=claim.warranty_end_date,
        warranty_reasons=claim.warranty_reasons,
        defect_cause=claim.defect_cause,
        cost_bearer=claim.cost_bearer,
        resolution=claim.resolution,
        closed_at=claim.closed_at,
        phone_call=claim.call_details,
        internal_source=claim.internal_source,
        external_reference=claim.external_reference,
        created_by=claim.created_by,
        allowed_actions=allowed,
        timeline=[EventRead.model_validate(e, from_attributes=True) for e in events],
        messages=[MessageRead.model_validate(m, from_attributes=True) for m in messages],
        attachments=[AttachmentRead.model_validate(a, from_attributes=True) for a in attachments],
    )
