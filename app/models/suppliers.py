"""Suppliers, kept like customers (an organisation with contact persons), and the claims the
company makes against them when a purchased component is at the root of a defect."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.enums import SupplierClaimState
from app.models.customers import Gender
from app.models.types import JSONType, UTCDateTime, utcnow


class Supplier(SQLModel, table=True):
    __tablename__ = "suppliers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    short_name: str | None = Field(default=None, max_length=200)
    registration_number: str | None = Field(default=None, max_length=40, index=True)
    vat_number: str | None = Field(default=None, max_length=40)
    street: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    language: str = Field(default="en", max_length=8)
    # What it supplies ("motors", "seals"): shown when choosing a supplier for a component.
    supplies: str | None = Field(default=None, max_length=500)
    notes: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class SupplierContact(SQLModel, table=True):
    """A person at the supplier; the claim letter is addressed to one (addressing as for a
    customer's contact)."""

    __tablename__ = "supplier_contacts"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    name: str = Field(max_length=300)
    given_name: str | None = Field(default=None, max_length=100)
    patronymic: str | None = Field(default=None, max_length=100)
    surname: str | None = Field(default=None, max_length=100)
    position: str | None = Field(default=None, max_length=200)
    gender: Gender | None = Field(default=None, sa_type=String(8))
    email: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=40)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SupplierClaim(SQLModel, table=True):
    """A claim against a supplier for a purchased component, linked to the customer claims it
    caused and, usually, to the corrective action that found it."""

    __tablename__ = "supplier_claims"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    year: int
    seq: int
    state: SupplierClaimState = Field(
        default=SupplierClaimState.draft, sa_type=String(20), index=True
    )
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    contact_id: int | None = Field(default=None, foreign_key="supplier_contacts.id")
    corrective_action_id: int | None = Field(
        default=None, foreign_key="corrective_actions.id", index=True
    )
    component: str = Field(max_length=200)
    # The supplier's delivery: their batch or lot, delivery note or order number.
    supplier_reference: str | None = Field(default=None, max_length=200)
    defect_description: str = Field(sa_type=Text)
    # Ids of the linked customer claims' attachments offered as evidence.
    evidence_attachment_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    currency: str = Field(sa_type=String(3))
    amount_claimed: Decimal = Field(default=Decimal("0.00"), sa_type=Numeric(14, 2))
    # What the supplier paid or credited; the costs report shows it against the claims' costs.
    amount_recovered: Decimal = Field(default=Decimal("0.00"), sa_type=Numeric(14, 2))
    recovered_on: date | None = None
    supplier_response: str | None = Field(default=None, sa_type=Text)
    language: str = Field(default="en", max_length=8)
    owner: str | None = Field(default=None, max_length=100)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class SupplierClaimLink(SQLModel, table=True):
    """A customer claim the supplier claim is made for."""

    __tablename__ = "supplier_claim_claims"
    __table_args__ = (UniqueConstraint("supplier_claim_id", "claim_id"),)

    id: int | None = Field(default=None, primary_key=True)
    supplier_claim_id: int = Field(foreign_key="supplier_claims.id", index=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)


class SupplierClaimEvent(SQLModel, table=True):
    __tablename__ = "supplier_claim_events"

    id: int | None = Field(default=None, primary_key=True)
    supplier_claim_id: int = Field(foreign_key="supplier_claims.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
