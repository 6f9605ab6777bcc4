"""Customers as master data: the organisation or private person, the contact persons who write
and call on its behalf, and the audit trail of changes to them."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import EmailStr
from sqlalchemy import String, Text
from sqlmodel import Field, SQLModel

from app.models.base import InputModel
from app.models.types import JSONType, UTCDateTime, utcnow

LANGUAGE_PATTERN = r"^[a-z]{2}$"


class CustomerKind(StrEnum):
    organisation = "organisation"
    person = "person"


class Gender(StrEnum):
    """How a contact is addressed: "Уважаемый"/"Уважаемая", "Cien. kungs"/"kundze", Mr/Ms."""

    male = "male"
    female = "female"


class Customer(SQLModel, table=True):
    __tablename__ = "customers"
    id: int | None = Field(default=None, primary_key=True)
    kind: CustomerKind = Field(default=CustomerKind.person, sa_type=String(16))
    # The legal name of an organisation, the full name of a private person.
    name: str = Field(max_length=300)
    short_name: str | None = Field(default=None, max_length=200)
    # A claim from a new person at a known organisation is matched by either name
    # (app/customers/matching.py, name_key).
    name_key: str | None = Field(default=None, max_length=300, index=True)
    short_name_key: str | None = Field(default=None, max_length=200, index=True)
    registration_number: str | None = Field(default=None, max_length=40, index=True)
    vat_number: str | None = Field(default=None, max_length=40)
    street: str | None = Field(default=None, max_length=300)
    city: str | None = Field(default=None, max_length=120)
    postcode: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2)
    language: str = Field(default="en", max_length=8)
    is_key_customer: bool = False
    notes: str | None = Field(default=None, sa_type=Text)
    # Set on the duplicate a merge emptied: its claims and contacts now belong to that customer.
    merged_into_id: int | None = Field(default=None, foreign_key="customers.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class Contact(SQLModel, table=True):
    """A person who raises claims for a customer (a private person is their own contact)."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    # The name as it reached us; the parts, once someone has entered them, address letters.
    name: str = Field(max_length=300)
    given_name: str | None = Field(default=None, max_length=100)
    patronymic: str | None = Field(default=None, max_length=100)
    surname: str | None = Field(default=None, max_length=100)
    position: str | None = Field(default=None, max_length=200)
    gender: Gender | None = Field(default=None, sa_type=String(8))
    # Lower case; phones in E.164 (app/phones.py): both are what intake matches on.
    email: str | None = Field(default=None, max_length=320, index=True)
    phone: str | None = Field(default=None, max_length=40, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CustomerEvent(SQLModel, table=True):
    """The audit trail of a customer: who changed what, with the values before and after."""

    __tablename__ = "customer_events"

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customers.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


# ---- schemas -----------------------------------------------------------------------------------


class CustomerIn(InputModel):
    """The customer as a claim brings them: matched to a known contact by email, else by phone,
    else to a known organisation by its name; what differs from the record is kept on the claim
    for a person to confirm."""

    name: str = Field(
        min_length=1,
        max_length=200,
        description="The person who raised the claim",
        schema_extra={"examples": ["Ivan Petrov"]},
    )
    organisation: str | None = Field(
        default=None, max_length=200, schema_extra={"examples": ["SIA Siltums"]}
    )
    email: EmailStr | None = Field(default=None, schema_extra={"examples": ["ivan@siltums.lv"]})
    phone: str | None = Field(
        default=None,
        max_length=40,
        description="Any common notation; stored in E.164, read in CLAIMS_PHONE_DEFAULT_REGION "
        "when it has no country code",
        schema_extra={"examples": ["+371 2000 0000"]},
    )
    language: str | None = Field(
        default=None,
        schema_extra={"pattern": LANGUAGE_PATTERN, "examples": ["lv"]},
        description="ISO 639-1 language for letters (ru, lv, bg, en); when absent, the known "
        "customer's, else the language the claim is written in",
    )


class CustomerSummary(SQLModel):
    id: int
    kind: CustomerKind
    name: str
    short_name: str | None
    language: str
    is_key_customer: bool


class ContactRead(SQLModel):
    id: int
    name: str
    given_name: str | None
    patronymic: str | None
    surname: str | None
    position: str | None
    gender: Gender | None
    email: str | None
    phone: str | None


class Discrepancy(SQLModel):
    """A value the claim carried that differs from the customer record: kept, never dropped,
    until a person confirms one or the other."""

    field: str = Field(schema_extra={"examples": ["organisation"]})
    on_record: str | None = Field(schema_extra={"examples": ["SIA Siltums"]})
    on_claim: str | None = Field(schema_extra={"examples": ["SIA Siltums Serviss"]})
