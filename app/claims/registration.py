"""Claim registration: the intake hot path.

Registration costs a fixed handful of statements: unit lookup, customer lookup (+ insert), then
the claim with its number, audit event, outbox row and idempotency record (one statement on
PostgreSQL; the counter and one INSERT per row on SQLite: intake_rows.py), commit. An
Idempotency-Key is read only when it was used before.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel.ext.asyncio.session import AsyncSession

from app.auth.principal import Principal
from app.catalog import service as catalog
from app.catalog import warranty_check
from app.claims import idempotency
from app.claims.intake_rows import Row, insert_claim
from app.claims.reading import ClaimBundle, build_claim_read
from app.config import Settings
from app.customers import intake
from app.customers.deadlines import ack_due_date
from app.customers.matching import Given
from app.enums import ClaimState
from app.errors import InvalidInput
from app.events import outbox
from app.language import detect_language
from app.models.claims import (
    Claim,
    ClaimCreate,
    ClaimEvent,
    ClaimRead,
    EventRead,
)
from app.models.reference import ProductModel, Unit
from app.models.system import IdempotencyRecord, OutboxEvent
from app.models.types import utcnow
from app.phones import e164_or_422
from app.workdays import calendar, local_date, out_of_range


@dataclass(slots=True)
class Registration:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


@dataclass(slots=True)
class IdempotentRequest:
    """An Idempotency-Key with the request it came with: its record is written with the claim."""

    principal: Principal
    key: str
    body_hash: str


# The workflow actions a caller may take on a claim, given by the caller (see above).
AllowedActions = Callable[[Claim], list[str]]


async def register_claim(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    principal: Principal,
    settings: Settings,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    allowed: AllowedActions | None = None,
) -> Registration:
    # An Idempotency-Key is checked by its unique constraint, not by a read first: retries are
    # rare, and a retry's rolled-back attempt gives its claim number back.
    request = None
    if idempotency_key:
        body_hash = idempotency.request_hash(data.model_dump(mode="json"))
        request = IdempotentRequest(principal, idempotency_key, body_hash)
    try:
        _, _, body = await _register(
            session,
            data=data,
            principal=principal,
            settings=settings,
            idempotent=request,
            now=now,
            allowed=allowed,
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
    return Registration(201, body)


async def register_claim_rows(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    principal: Principal,
    settings: Settings,
    idempotent: IdempotentRequest | None = None,
    now: datetime | None = None,
    allowed: AllowedActions | None = None,
) -> tuple[Claim, ClaimRead]:
    """Write a claim with its audit event and outbox row (and idempotency record) without
    committing, so that callers (the email intake) can include it in a larger transaction.

    `now` is the moment the service registers it (the clock by default): the number's year is
    its local year, while `received_at` keeps the customer's date, which may be earlier.

    The rows are written by Core inserts (intake_rows.py), not by the unit of work, so the
    returned Claim is not in the session: read it, do not change it.

    `allowed` answers which workflow actions the caller may take on the new claim; the
    workflow sits above the register, so the caller passes it in (the response then lists
    what `GET` would list)."""
    claim, read, _ = await _register(
        session,
        data=data,
        principal=principal,
        settings=settings,
        idempotent=idempotent,
        now=now,
        allowed=allowed,
    )
    return claim, read


async def _register(
    session: AsyncSession,
    *,
    data: ClaimCreate,
    principal: Principal,
    settings: Settings,
    idempotent: IdempotentRequest | None,
    now: datetime | None,
    allowed: AllowedActions | None,
) -> tuple[Claim, ClaimRead, dict[str, Any]]:
    """register_claim_rows, with the response as JSON-ready values: serialised once, for the
    stored idempotent response (which gets the number from the insert) and the response."""
    now = now or utcnow()
    received_at = _received_at(data, settings, now)
    unit, model = await _find_product(session, data)
    language = data.language or data.customer.language or detect_language(_text(data))
    match = await intake.match_or_create(
        session, _given(data, settings), language=language or settings.default_language
    )
    customer = match.customer
    assert customer.id is not None and match.contact.id is not None  # set by the flush
    if language is None:
        language = settings.default_language if match.created else customer.language
    received_day = local_date(received_at, settings)
    registered_day = local_date(now, settings)
    # No number or seq yet: the insert takes them (intake_rows.py), see below. The year is the
    # registration's: a back-dated claim must not take a number in a year whose series is
    # closed (or one that has not begun), and numbers follow the order of registration.
    claim = Claim(  # type: ignore[call-arg]
        year=registered_day.year,
        channel=data.channel,
        state=ClaimState.new,
        customer_id=customer.id,
        contact_id=match.contact.id,
        owner=settings.default_owner or None,
        customer_discrepancies=match.discrepancies or None,
        unit_id=unit.id if unit else None,
        product_model_id=model.id if model else None,
        reported_model=data.product.model_name or data.product.model_code,
        reported_serial=data.product.serial_number,
        purchase_date=data.product.purchase_date,
        title=data.title,
        defect_description=data.defect_description,
        language=language,
        received_at=received_at,
        ack_due_date=ack_due_date(
            received_day, key_customer=customer.is_key_customer, settings=settings
        ),
        ack_deadline_date=calendar(settings).add_working_days(
            received_day, settings.ack_deadline_working_days
        ),
        call_details=data.phone_call.model_dump(mode="json") if data.phone_call else None,
        internal_source=data.internal_source,
        external_reference=data.external_reference,
        created_by=principal.name,
        created_at=now,
        updated_at=now,
    )
    warranty_check.assess_at_registration(claim, unit, model, received_on=received_day)  # no SQL
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
        ClaimBundle(claim, customer, match.contact, unit, model),
        events=[registered],
        messages=[],
        attachments=[],
        allowed=allowed(claim) if allowed else [],
        today_=registered_day,
        timezone=settings.timezone,
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
    body = read.model_dump(mode="json")
    if idempotent is not None:
        record = idempotency.new_record(
            principal=idempotent.principal,
            key=idempotent.key,
            body_hash=idempotent.body_hash,
            status_code=201,
            response=body,
        )
        rows.append(
            Row(IdempotencyRecord.__table__, record, linked=False, number_in="response")  # type: ignore[attr-defined]
        )
    values = {k: getattr(claim, k) for k in _CLAIM_COLUMNS}
    inserted = await insert_claim(session, values, rows, year=claim.year)
    claim.id, claim.seq, claim.number = inserted.id, inserted.seq, inserted.number
    read.number = body["number"] = inserted.number
    return claim, read, body


# Everything but what the insert fills in.
_CLAIM_COLUMNS = [
    c.key
    for c in Claim.__table__.columns  # type: ignore[attr-defined]
    if c.key not in ("id", "seq", "number")
]


def _received_at(data: ClaimCreate, settings: Settings, now: datetime) -> datetime:
    """The customer's date of receipt in UTC, refused outside the accepted range (422)."""
    if data.received_at is None:
        return now
    problem = out_of_range(data.received_at, settings, now)
    if problem:
        raise InvalidInput(
            f"received_at {problem}.",
            errors=[{"field": "body.received_at", "message": problem, "type": "value_error"}],
        )
    return data.received_at.astimezone(UTC)


def _given(data: ClaimCreate, settings: Settings) -> Given:
    c = data.customer
    phone = None
    if c.phone:
        phone = e164_or_422(c.phone, settings.phone_default_region, field="body.customer.phone")
    email = c.email.lower() if c.email else None
    return Given(name=c.name, organisation=c.organisation or None, email=email, phone=phone)


def _text(data: ClaimCreate) -> str:
    return f"{data.title}\n{data.defect_description}" if data.title else data.defect_description


async def _find_product(
    session: AsyncSession, data: ClaimCreate
) -> tuple[Unit | None, ProductModel | None]:
    """The registered unit (with its model) by serial number, else the model by its code."""
    if data.product.serial_number:
        unit, model = await warranty_check.find_unit(session, data.product.serial_number)
        if unit is not None:
            return unit, model
    if data.product.model_code:
        return None, await catalog.find_model(session, data.product.model_code)
    return None, None
