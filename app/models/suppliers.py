"""Suppliers, kept like customers (an organisation with contact persons), and the claims the
company makes against them when a purchased component is at the root of a defect."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import EmailStr, StringConstraints
from sqlalchemy import Column, Numeric, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.enums import Role, SupplierClaimState
from app.models.base import InputModel
from app.models.claims import AttachmentRead
from app.models.customers import (
    CODE_PATTERN,
    Address,
    AddressRead,
    Code,
    ContactIn,
    ContactRead,
    ContactUpdate,
    Gender,
    Name,
    Trimmed,
)
from app.models.types import JSONType, Money, UTCDateTime, utcnow


class Supplier(SQLModel, table=True):
    __tablename__ = "suppliers"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=300)
    short_name: str | None = Field(default=None, max_length=200)
    # The name as search compares it (app/customers/matching.py name_key): case and quotes aside.
    name_key: str | None = Field(default=None, max_length=300, index=True)
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
    recovered_on: date | None = Field(default=None, index=True)
    # email or post: how the claim went out (mark_sent).
    sent_channel: str | None = Field(default=None, sa_type=String(8))
    # The supplier's own number for our claim, given when they acknowledge it.
    supplier_claim_reference: str | None = Field(default=None, max_length=200)
    acknowledged_on: date | None = None
    # What the supplier agreed to pay; recovery is checked against it.
    amount_accepted: Decimal | None = Field(default=None, sa_type=Numeric(14, 2))
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


class SupplierEvent(SQLModel, table=True):
    """The audit trail of a supplier's record: who changed what, before and after."""

    __tablename__ = "supplier_events"

    id: int | None = Field(default=None, primary_key=True)
    supplier_id: int = Field(foreign_key="suppliers.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


# ---- schemas: suppliers ------------------------------------------------------------------------


class SupplierLanguage(StrEnum):
    """The languages letters are written in."""

    ru = "ru"
    lv = "lv"
    bg = "bg"
    en = "en"


class SupplierContactIn(ContactIn):
    """A person at the supplier: the name as written, or its parts, and how to reach them. Give
    `name`, or at least `given_name` or `surname`. The claim letter is addressed to one."""

    email: EmailStr | None = Field(
        default=None,
        description="Stored in lower case",
        schema_extra={"examples": ["quality@motors.example.bg"]},
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "given_name": "Мария",
                    "surname": "Петрова",
                    "position": "Мениджър качество",
                    "gender": "female",
                    "email": "m.petrova@motors.example.bg",
                    "phone": "+359 88 123 4567",
                }
            ]
        }
    }


class SupplierContactUpdate(ContactUpdate):
    """Only the fields sent change; null clears one (not `name`). When a name part changes and
    `name` is not sent, the name is built anew from the parts."""

    model_config = {
        "json_schema_extra": {"examples": [{"surname": "Георгиева", "position": "Директор"}]}
    }


_SUPPLIES_DOC = "What it supplies; shown when choosing a supplier for a component"


class SupplierCreate(InputModel):
    name: Name = Field(
        max_length=300,
        description="The supplier's legal name",
        schema_extra={"examples": ["Elektromotor AD"]},
    )
    short_name: Trimmed = Field(default=None, max_length=200, schema_extra={"examples": ["EM"]})
    registration_number: Code = Field(
        default=None,
        max_length=40,
        description="The registration number; spaces are dropped and letters upper-cased",
        schema_extra={"pattern": CODE_PATTERN, "examples": ["131234567"]},
    )
    vat_number: Code = Field(
        default=None,
        max_length=40,
        schema_extra={"pattern": CODE_PATTERN, "examples": ["BG131234567"]},
    )
    address: Address | None = None
    language: SupplierLanguage | None = Field(
        default=None,
        description="The language of the claims sent to it; CLAIMS_DEFAULT_LANGUAGE when left out",
    )
    supplies: Trimmed = Field(
        default=None,
        max_length=500,
        description=_SUPPLIES_DOC,
        schema_extra={"examples": ["motors"]},
    )
    notes: Trimmed = Field(default=None, max_length=10000)
    contacts: list[SupplierContactIn] = Field(default_factory=list, max_length=50)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Elektromotor AD",
                    "registration_number": "131234567",
                    "vat_number": "BG131234567",
                    "address": {
                        "street": "бул. Витоша 10",
                        "city": "София",
                        "postcode": "1000",
                        "country": "BG",
                    },
                    "language": "bg",
                    "supplies": "motors",
                    "contacts": [
                        {
                            "given_name": "Георги",
                            "surname": "Иванов",
                            "position": "Ръководител качество",
                            "gender": "male",
                            "email": "quality@motors.example.bg",
                            "phone": "+359 2 123 4567",
                        }
                    ],
                }
            ]
        }
    }


class SupplierUpdate(InputModel):
    """Only the fields sent change; null clears an optional one. Send `If-Match` with the
    supplier's ETag."""

    name: Name = Field(default=None, max_length=300, description="The supplier's legal name")
    short_name: Trimmed = Field(default=None, max_length=200)
    registration_number: Code = Field(
        default=None, max_length=40, schema_extra={"pattern": CODE_PATTERN}
    )
    vat_number: Code = Field(default=None, max_length=40, schema_extra={"pattern": CODE_PATTERN})
    address: Address | None = None
    language: SupplierLanguage = Field(default=None, description="The language of its claims")
    supplies: Trimmed = Field(default=None, max_length=500, description=_SUPPLIES_DOC)
    notes: Trimmed = Field(default=None, max_length=10000)

    model_config = {
        "json_schema_extra": {"examples": [{"supplies": "motors, fans", "language": "en"}]}
    }


class SupplierListItem(SQLModel):
    id: int
    name: str = Field(schema_extra={"examples": ["Elektromotor AD"]})
    short_name: str | None
    registration_number: str | None
    vat_number: str | None
    address: AddressRead
    language: str
    supplies: str | None
    contacts: list[ContactRead]
    version: int
    updated_at: datetime


class SupplierRead(SupplierListItem):
    notes: str | None
    created_at: datetime
    claims_total: int = Field(
        description="Claims made against it; `GET /api/v1/supplier-claims?supplier_id=N` lists them"
    )


class SupplierPage(SQLModel):
    items: list[SupplierListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page")


class SupplierEventRead(SQLModel):
    id: int
    at: datetime
    actor: str = Field(description="The API key's name")
    action: str = Field(
        description="created, updated, contact_added, contact_updated",
        schema_extra={"examples": ["updated"]},
    )
    payload: dict[str, Any] | None = Field(
        description='`changes`: {field: {"before": …, "after": …}}; contact events add '
        "`contact_id`",
        schema_extra={"examples": [{"changes": {"supplies": {"before": None, "after": "motors"}}}]},
    )


# ---- schemas: claims against suppliers ----------------------------------------------------------

SC_NUMBER_EXAMPLE = "SC-2026-000001"
CURRENCY_PATTERN = "^[A-Z]{3}$"
Component = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)
]
ClaimNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
EvidenceId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class SupplierClaimChannel(StrEnum):
    email = "email"
    post = "post"


class SupplierClaimAction(StrEnum):
    mark_sent = "mark_sent"
    acknowledge = "acknowledge"
    accept = "accept"
    reject = "reject"
    settle = "settle"
    reopen = "reopen"


class SupplierClaimCreate(InputModel):
    supplier_id: int = Field(ge=1, le=2**31 - 1, schema_extra={"examples": [1]})
    contact_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="The supplier's contact the claim is addressed to",
    )
    component: Component = Field(
        description="The purchased component at fault", schema_extra={"examples": ["Motor M-200"]}
    )
    supplier_reference: Trimmed = Field(
        default=None,
        max_length=200,
        description="The supplier's delivery: batch or lot, delivery note or order number",
        schema_extra={"examples": ["Lot 2026-07, delivery note 4411"]},
    )
    defect_description: Description = Field(
        schema_extra={"examples": ["The motor's bearing seizes after 200-300 hours of work."]}
    )
    claim_numbers: list[ClaimNumber] = Field(
        min_length=1,
        max_length=500,
        description="The customer claims the defect caused",
        schema_extra={"examples": [["CLM-2026-000123"]]},
    )
    corrective_action: str | None = Field(
        default=None,
        max_length=40,
        description="The corrective action's number, when one found the cause",
        schema_extra={"examples": ["CA-2026-000004"]},
    )
    evidence_attachment_ids: list[EvidenceId] = Field(
        default_factory=list,
        max_length=200,
        description="Attachments of the linked customer claims offered as evidence",
    )
    amount_claimed: Decimal = Field(
        ge=0,
        max_digits=14,
        decimal_places=2,
        description="What the claim asks for",
        schema_extra={"examples": ["1250.00"]},
    )
    currency: str | None = Field(
        default=None,
        description="ISO 4217; CLAIMS_REPORTS_CURRENCY when left out",
        schema_extra={"pattern": CURRENCY_PATTERN, "examples": ["EUR"]},
    )
    language: SupplierLanguage | None = Field(
        default=None, description="The language of the claim letter; the supplier's when left out"
    )
    owner: Trimmed = Field(
        default=None,
        max_length=100,
        description="Who works the claim; the caller when left out",
        schema_extra={"examples": ["anna.k"]},
    )

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "supplier_id": 1,
                    "contact_id": 1,
                    "component": "Motor M-200",
                    "supplier_reference": "Lot 2026-07",
                    "defect_description": "The motor's bearing seizes after 200-300 hours.",
                    "claim_numbers": ["CLM-2026-000123", "CLM-2026-000131"],
                    "evidence_attachment_ids": [17],
                    "amount_claimed": "1250.00",
                    "currency": "EUR",
                }
            ]
        }
    }


class SupplierClaimUpdate(InputModel):
    """Only the fields sent change. While the claim is a draft everything may change; once sent,
    only `owner`, `contact_id` and `corrective_action` (409 for the rest); once settled,
    nothing. Send `If-Match` with the claim's ETag."""

    contact_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    component: Component = Field(default=None)
    supplier_reference: Trimmed = Field(default=None, max_length=200)
    defect_description: Description = Field(default=None)
    claim_numbers: list[ClaimNumber] = Field(default=None, min_length=1, max_length=500)
    corrective_action: str | None = Field(default=None, max_length=40)
    evidence_attachment_ids: list[EvidenceId] = Field(default=None, max_length=200)
    amount_claimed: Decimal = Field(default=None, ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(default=None, schema_extra={"pattern": CURRENCY_PATTERN})
    language: SupplierLanguage = Field(default=None)
    owner: Trimmed = Field(default=None, max_length=100)

    model_config = {
        "json_schema_extra": {
            "examples": [{"amount_claimed": "1480.00"}, {"owner": "anna.k", "contact_id": 2}]
        }
    }


class SupplierClaimSent(InputModel):
    """A person records that the claim went out (the formal letter does this by itself)."""

    channel: SupplierClaimChannel = Field(description="How it went out")
    sent_on: date | None = Field(
        default=None, description="The day it went out; today when left out"
    )

    model_config = {
        "json_schema_extra": {"examples": [{"channel": "post", "sent_on": "2026-11-20"}]}
    }


class SupplierClaimAcknowledge(InputModel):
    supplier_claim_reference: Trimmed = Field(
        default=None,
        max_length=200,
        description="The supplier's own number for the claim",
        schema_extra={"examples": ["RK-2026/118"]},
    )
    acknowledged_on: date | None = Field(default=None, description="Today when left out")

    model_config = {
        "json_schema_extra": {
            "examples": [
                {"supplier_claim_reference": "RK-2026/118", "acknowledged_on": "2026-11-24"}
            ]
        }
    }


class SupplierClaimAccept(InputModel):
    amount_accepted: Decimal = Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        description="What the supplier agrees to pay; at most the amount claimed",
    )
    supplier_response: Trimmed = Field(default=None, max_length=20000)

    model_config = {"json_schema_extra": {"examples": [{"amount_accepted": "1000.00"}]}}


class SupplierClaimReject(InputModel):
    supplier_response: Description = Field(
        description="The supplier's reasons, as they gave them",
        schema_extra={"examples": ["The bearings were damaged by overload, not by a defect."]},
    )

    model_config = {
        "json_schema_extra": {
            "examples": [{"supplier_response": "Damaged by overload, not by a defect."}]
        }
    }


class SupplierClaimSettle(InputModel):
    amount_recovered: Decimal = Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        description="What the supplier paid or credited in all; at most the amount accepted",
    )
    recovered_on: date = Field(description="When the money came in (its year is the report's)")

    model_config = {
        "json_schema_extra": {
            "examples": [{"amount_recovered": "1000.00", "recovered_on": "2026-12-10"}]
        }
    }


class SupplierClaimReopen(InputModel):
    reason: Description = Field(
        description="Why the company disputes the rejection",
        schema_extra={"examples": ["The laboratory report shows a material defect."]},
    )

    model_config = {"json_schema_extra": {"examples": [{"reason": "Lab report: material defect."}]}}


ACTION_BODIES: dict[SupplierClaimAction, type[InputModel]] = {
    SupplierClaimAction.mark_sent: SupplierClaimSent,
    SupplierClaimAction.acknowledge: SupplierClaimAcknowledge,
    SupplierClaimAction.accept: SupplierClaimAccept,
    SupplierClaimAction.reject: SupplierClaimReject,
    SupplierClaimAction.settle: SupplierClaimSettle,
    SupplierClaimAction.reopen: SupplierClaimReopen,
}


class SupplierRef(SQLModel):
    id: int
    name: str


class SupplierClaimLinkedClaim(SQLModel):
    number: str = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    state: str
    title: str | None


class SupplierClaimListItem(SQLModel):
    number: str = Field(schema_extra={"examples": [SC_NUMBER_EXAMPLE]})
    state: SupplierClaimState
    supplier: SupplierRef
    component: str
    corrective_action: str | None = Field(description="The corrective action's number")
    currency: str
    amount_claimed: Money
    amount_accepted: Money | None
    amount_recovered: Money
    owner: str | None
    sent_at: datetime | None
    overdue: bool = Field(
        description="Sent, and no answer (acceptance or rejection) within "
        "CLAIMS_SUPPLIER_CLAIM_ANSWER_DAYS"
    )
    created_at: datetime
    version: int


class SupplierClaimEventRead(SQLModel):
    id: int
    at: datetime
    actor: str
    action: str = Field(schema_extra={"examples": ["accept"]})
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any] | None


class SupplierClaimRead(SupplierClaimListItem):
    contact: ContactRead | None
    supplier_reference: str | None
    defect_description: str
    claims: list[SupplierClaimLinkedClaim] = Field(description="The customer claims it is made for")
    evidence: list[AttachmentRead] = Field(description="The attachments offered as evidence")
    language: str
    sent_channel: SupplierClaimChannel | None
    supplier_claim_reference: str | None
    acknowledged_on: date | None
    supplier_response: str | None
    recovered_on: date | None
    settled_at: datetime | None
    created_by: str
    updated_at: datetime
    allowed_actions: list[SupplierClaimAction] = Field(
        description="What the caller's key may do now"
    )
    events: list[SupplierClaimEventRead] = Field(description="The audit trail, oldest first")


class SupplierClaimPage(SQLModel):
    items: list[SupplierClaimListItem]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page")


class SupplierActionInfo(SQLModel):
    name: SupplierClaimAction
    path: str
    description: str
    roles: list[Role]
    from_states: list[SupplierClaimState]
    leads_to: SupplierClaimState


class SupplierTransitionInfo(SQLModel):
    action: SupplierClaimAction
    from_state: SupplierClaimState
    to_state: SupplierClaimState


class SupplierWorkflowRead(SQLModel):
    states: list[SupplierClaimState]
    final_states: list[SupplierClaimState]
    readers: list[Role]
    actions: list[SupplierActionInfo]
    transitions: list[SupplierTransitionInfo]
    mermaid: str = Field(description="A Mermaid stateDiagram of the machine")
