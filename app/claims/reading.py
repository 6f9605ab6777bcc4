"""Reading a claim: the claim with its customer, unit and model in one query, and the shape of
its response (`ClaimRead`). What the caller may do next is added above, by the workflow
(`app/workflow/claim_view.py`)."""

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import version_of
from app.enums import ClaimState
from app.errors import NotFound, PreconditionFailed
from app.models.claims import (
    AttachmentRead,
    Claim,
    ClaimRead,
    Deadlines,
    EventRead,
    MessageRead,
    UnsentLetter,
)
from app.models.customers import Contact, ContactRead, Customer, CustomerSummary, Discrepancy
from app.models.reference import ProductModel, Unit


@dataclass(slots=True)
class ClaimBundle:
    """A claim with the rows a response needs, loaded in one query."""

    claim: Claim
    customer: Customer
    contact: Contact | None
    unit: Unit | None
    model: ProductModel | None


async def load_bundle(
    session: AsyncSession, number: str, *, for_update: bool = False
) -> ClaimBundle:
    stmt = (
        select(Claim, Customer, Contact, Unit, ProductModel)
        .join(Customer, col(Claim.customer_id) == col(Customer.id))
        .outerjoin(Contact, col(Claim.contact_id) == col(Contact.id))
        .outerjoin(Unit, col(Claim.unit_id) == col(Unit.id))
        .outerjoin(ProductModel, col(Claim.product_model_id) == col(ProductModel.id))
        .where(col(Claim.number) == number)
    )
    if for_update:
        stmt = stmt.with_for_update(of=Claim)
    row = (await session.execute(stmt)).first()
    if row is None:
        raise NotFound(f"Claim {number} does not exist.")
    return ClaimBundle(*row)


async def get_claim(session: AsyncSession, number: str) -> Claim:
    claim = (
        await session.execute(select(Claim).where(col(Claim.number) == number))
    ).scalar_one_or_none()
    if claim is None:
        raise NotFound(f"Claim {number} does not exist.")
    return claim


async def check_fresh(session: AsyncSession, number: str, expected_version: int) -> None:
    """The If-Match of a change to the claim, checked before its body is read (404 when
    unknown, 412 when stale). The column alone, not the row: a later locked read must not be
    served the identity map's copy."""
    version = await version_of(session, col(Claim.version), col(Claim.number) == number)
    if version is None:
        raise NotFound(f"Claim {number} does not exist.")
    if version != expected_version:
        raise PreconditionFailed(
            f"Claim {number} is at version {version}, not {expected_version}: "
            "read it again and retry if the change still makes sense.",
            current_version=version,
        )


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
    unsent_letters: Any = (),
    corrective_actions: list[str] | None = None,
) -> ClaimRead:
    claim, model = bundle.claim, bundle.model
    acked = claim.acknowledged_at
    return ClaimRead(
        number=claim.number,
        channel=claim.channel,
        state=claim.state,
        version=claim.version,
        customer=CustomerSummary.model_validate(bundle.customer, from_attributes=True),
        contact=(
            ContactRead.model_validate(bundle.contact, from_attributes=True)
            if bundle.contact
            else None
        ),
        customer_discrepancies=[
            Discrepancy.model_validate(d) for d in claim.customer_discrepancies or ()
        ],
        owner=claim.owner,
        model_code=model.code if model else None,
        model_name=model.name if model else claim.reported_model,
        serial_number=bundle.unit.serial_number if bundle.unit else claim.reported_serial,
        purchase_date=claim.purchase_date,
        title=claim.title,
        defect_description=claim.defect_description,
        defect_statement=claim.defect_statement,
        language=claim.language,
        received_at=claim.received_at,
        registered_at=claim.created_at,
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
        unsent_letters=[
            UnsentLetter.model_validate(u, from_attributes=True) for u in unsent_letters
        ],
        corrective_actions=corrective_actions or [],
    )
