"""The claim aggregate: claims, their audit events, messages and attachments."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import Column, Index, String, Text, false, text
from sqlmodel import Field, SQLModel

from app import msgids
from app.enums import ClaimState, LetterKind, LetterState
from app.models.base import InputModel
from app.models.customers import ContactRead, CustomerIn, CustomerSummary, Discrepancy
from app.models.satisfaction import SatisfactionRead
from app.models.types import JSONType, UTCDateTime, utcnow

# The languages letters are written in.
ClaimLanguage = Literal["ru", "lv", "bg", "en"]


class Channel(StrEnum):
    web = "web"
    phone = "phone"
    email = "email"
    internal = "internal"


class MessageDirection(StrEnum):
    inbound = "inbound"
    outbound = "outbound"
    internal = "internal"


class ReviewReason(StrEnum):
    """Why an inbound email was filed for a person to look at (docs/email-intake.md)."""

    unknown_sender = "unknown_sender"  # not among the customer's contacts
    closed_claim = "closed_claim"  # the claim is closed: reopen it, or open a new one


class MessageChannel(StrEnum):
    email = "email"
    phone = "phone"
    web = "web"
    post = "post"
    internal = "internal"


class Claim(SQLModel, table=True):
    __tablename__ = "claims"
    __table_args__ = (
        Index("ix_claims_received_at_id", "received_at", "id"),
        Index("ix_claims_year_seq", "year", "seq", unique=True),
        # The listing filtered by status, newest first: without it PostgreSQL walks
        # ix_claims_received_at_id past every newer claim of other states (bench/RESULTS.md).
        Index("ix_claims_state_received_at_id", "state", "received_at", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    year: int
    seq: int
    channel: Channel = Field(sa_type=String(16), index=True)
    state: ClaimState = Field(default=ClaimState.new, sa_type=String(40))
    customer_id: int = Field(foreign_key="customers.id", index=True)
    # The contact who raised the claim; letters are addressed to them.
    contact_id: int | None = Field(default=None, foreign_key="contacts.id", index=True)
    # The responsible specialist: an API key's name.
    owner: str | None = Field(default=None, max_length=100, index=True)
    unit_id: int | None = Field(default=None, foreign_key="units.id", index=True)
    product_model_id: int | None = Field(default=None, foreign_key="product_models.id", index=True)
    reported_model: str | None = Field(default=None, max_length=200)
    reported_serial: str | None = Field(default=None, max_length=64, index=True)
    purchase_date: date | None = None
    title: str | None = Field(default=None, max_length=300)
    # The customer's own words, never changed; letters use the edited statement once there is one.
    defect_description: str = Field(sa_type=Text)
    defect_statement: str | None = Field(default=None, sa_type=Text)
    # What the claim said about the customer where it differs from the record (Discrepancy rows).
    customer_discrepancies: list[dict[str, Any]] | None = Field(default=None, sa_type=JSONType)
    language: str = Field(default="en", max_length=8)
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ack_due_date: date
    ack_deadline_date: date
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    warranty_status: str | None = Field(default=None, max_length=20)
    warranty_end_date: date | None = None
    warranty_reasons: list[str] | None = Field(default=None, sa_type=JSONType)
    defect_cause: str | None = Field(default=None, max_length=40, index=True)
    cost_bearer: str | None = Field(default=None, max_length=20)
    resolution: str | None = Field(default=None, max_length=40)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    call_details: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    internal_source: str | None = Field(default=None, max_length=200)
    external_reference: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class ClaimEvent(SQLModel, table=True):
    """The audit trail: every change to a claim, who made it and from which state to which."""

    __tablename__ = "claim_events"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    from_state: str | None = Field(default=None, max_length=40)
    to_state: str | None = Field(default=None, max_length=40)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


class Message(SQLModel, table=True):
    """Every contact with the customer, in either direction, on any channel."""

    __tablename__ = "messages"
    __table_args__ = (
        # The listing's `needs_review` filter; few rows ever wait, so only they are indexed.
        Index(
            "ix_messages_review",
            "claim_id",
            postgresql_where=text("needs_review"),
            sqlite_where=text("needs_review"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    direction: MessageDirection = Field(sa_type=String(16))
    channel: MessageChannel = Field(sa_type=String(16))
    subject: str | None = Field(default=None, max_length=500)
    body: str = Field(sa_type=Text)
    author: str = Field(max_length=200)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    external_message_id: str | None = Field(default=None, max_length=500, index=True)
    # Filed without counting as the customer's answer until a person has looked at it.
    needs_review: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    review_reason: ReviewReason | None = Field(default=None, sa_type=String(20))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Attachment(SQLModel, table=True):
    __tablename__ = "attachments"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="messages.id")
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    uploaded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---- request and response schemas ------------------------------------------------------------


class PhoneCall(InputModel):
    """What the call centre or the telephony system knows about the call."""

    operator: str = Field(min_length=1, max_length=100, schema_extra={"examples": ["Anna K."]})
    call_id: str | None = Field(
        default=None, max_length=100, schema_extra={"examples": ["c-88231"]}
    )
    caller_number: str | None = Field(default=None, max_length=40)
    started_at: datetime | None = None
    duration_seconds: int | None = Field(default=None, ge=0, le=86400)
    notes: str | None = Field(default=None, max_length=5000)


class ProductIn(InputModel):
    model_code: str | None = Field(
        default=None,
        max_length=64,
        description="Catalogue code, if known",
        schema_extra={"examples": ["PMP-200"]},
    )
    model_name: str | None = Field(
        default=None, max_length=200, description="The model as the customer names it"
    )
    serial_number: str | None = Field(
        default=None, max_length=64, schema_extra={"examples": ["PMP200-2025-001234"]}
    )
    purchase_date: date | None = None


class ClaimCreate(InputModel):
    channel: Channel = Field(description="How the claim reached us")
    customer: CustomerIn
    product: ProductIn = Field(default_factory=ProductIn)
    title: str | None = Field(default=None, max_length=300)
    defect_description: str = Field(
        min_length=5,
        max_length=20000,
        description="The defect as the customer describes it",
        schema_extra={"examples": ["The pump stops after 10 minutes and the motor gets hot."]},
    )
    received_at: datetime | None = Field(
        default=None,
        description="When the claim was received, with its offset; defaults to now. Not before "
        "CLAIMS_EARLIEST_RECEIVED_AT, nor more than CLAIMS_RECEIVED_AT_MAX_AHEAD_SECONDS ahead",
    )
    language: str | None = Field(
        default=None,
        description="Letters' language; defaults to the customer's",
        schema_extra={"pattern": r"^[a-z]{2}$", "examples": ["lv"]},
    )
    phone_call: PhoneCall | None = Field(
        default=None,
        description="Required for channel `phone`",
        schema_extra={"validate_default": True},
    )
    internal_source: str | None = Field(
        default=None, max_length=200, description="Department or branch, for channel `internal`"
    )
    external_reference: str | None = Field(default=None, max_length=100)

    # Field validators (not one model validator) so that a 422 names the offending field.
    @field_validator("customer")
    @classmethod
    def _contact_needed(cls, customer: CustomerIn, info: ValidationInfo) -> CustomerIn:
        if info.data.get("channel") != Channel.internal and not (customer.email or customer.phone):
            raise ValueError("an email or a phone number is required to answer the customer")
        return customer

    @field_validator("phone_call")
    @classmethod
    def _phone_call_for_phone(
        cls, call: "PhoneCall | None", info: ValidationInfo
    ) -> "PhoneCall | None":
        channel = info.data.get("channel")
        if channel == Channel.phone and call is None:
            raise ValueError("required for channel phone")
        if channel not in (None, Channel.phone) and call is not None:
            raise ValueError("only for channel phone")
        return call

    @field_validator("received_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a timezone, e.g. 2026-11-23T10:00:00+02:00")
        return value

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "channel": "web",
                    "customer": {
                        "name": "Jānis Bērziņš",
                        "organisation": "SIA Siltums",
                        "email": "janis@siltums.lv",
                        "language": "lv",
                    },
                    "product": {"model_code": "PMP-200", "serial_number": "PMP200-2025-001234"},
                    "defect_description": "The pump stops after 10 minutes; the motor overheats.",
                },
                {
                    "channel": "phone",
                    "customer": {
                        "name": "Иван Петров",
                        "phone": "+7 912 000 00 00",
                        "language": "ru",
                    },
                    "product": {"model_name": "насос ПМП-200"},
                    "defect_description": "Насос не включается после грозы.",
                    "phone_call": {
                        "operator": "Anna K.",
                        "call_id": "c-88231",
                        "duration_seconds": 312,
                    },
                },
            ]
        }
    }


class ProductUpdate(InputModel):
    """The product as corrected: only the fields sent change (an explicit null clears one)."""

    model_code: str | None = Field(
        default=None,
        max_length=64,
        description="Catalogue code; must exist in the catalogue (free text goes in model_name)",
        schema_extra={"examples": ["PMP-200"]},
    )
    model_name: str | None = Field(
        default=None, max_length=200, description="The model as the customer names it"
    )
    serial_number: str | None = Field(
        default=None,
        max_length=64,
        description="A registered unit's serial brings its model and warranty",
        schema_extra={"examples": ["PMP200-2025-001234"]},
    )
    purchase_date: date | None = None


class ClaimUpdate(InputModel):
    """A correction of a claim. Only the fields sent change; an explicit `null` clears a field
    where that is allowed. The customer's own words (`defect_description`) are never changed."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [
                {
                    "defect_statement": "The pump stops after about 10 minutes of operation; "
                    "the motor housing overheats.",
                    "product": {"serial_number": "PMP200-2025-001234"},
                },
                {"owner": "anna.specialist"},
                {"customer_id": 42, "contact_id": 97},
                {"customer_discrepancies": []},
                {"language": "lv"},
            ]
        },
    }

    defect_statement: str | None = Field(
        default=None,
        min_length=1,
        max_length=20000,
        description="The department's edited statement of the defect; letters use it instead "
        "of the customer's words. `null` clears it",
        schema_extra={"examples": ["The pump stops after 10 minutes; the motor overheats."]},
    )
    product: ProductUpdate | None = Field(
        default=None,
        description="Model and serial; the warranty is checked again (as of the day the claim "
        "was received) when they change",
    )
    customer_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="Move the claim to another customer (not a merged one); unless `contact_id` "
        "is sent too, the current contact must belong to it",
    )
    contact_id: int | None = Field(
        default=None,
        ge=1,
        le=2**31 - 1,
        description="A contact of the claim's (new) customer; `null` clears it",
    )
    language: ClaimLanguage | None = Field(
        default=None, description="The letters' language", schema_extra={"examples": ["lv"]}
    )
    owner: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The responsible specialist: the name of a live API key with the specialist "
        "or head role; `null` leaves the claim unassigned",
        schema_extra={"examples": ["anna.specialist"]},
    )
    customer_discrepancies: list[Discrepancy] | None = Field(
        default=None,
        max_length=0,
        description="Only `null` or `[]`: the differences from the customer record were "
        "confirmed (the record updated) or dismissed; clears them",
        schema_extra={"examples": [[]]},
    )

    @field_validator("product", "customer_id", "language")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Reached with None only when the client sent an explicit null: these cannot be cleared.
        if value is None:
            raise ValueError("cannot be cleared")
        return value

    @field_validator("customer_discrepancies", mode="before")
    @classmethod
    def _only_clear(cls, value: Any) -> Any:
        if value:
            raise ValueError("only null or [] (confirmed or dismissed) is accepted")
        return None


class EventRead(SQLModel):
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any] | None


class MessageCreate(InputModel):
    direction: MessageDirection = MessageDirection.inbound
    channel: MessageChannel = Field(schema_extra={"examples": ["phone"]})
    subject: str | None = Field(default=None, max_length=500)
    body: str = Field(
        min_length=1,
        max_length=100000,
        schema_extra={"examples": ["Customer called: photos sent by email."]},
    )
    author: str | None = Field(
        default=None, max_length=200, description="Defaults to the caller's key name"
    )
    at: datetime | None = Field(
        default=None, description="When it happened, with its offset; defaults to now"
    )
    external_message_id: str | None = Field(
        default=None,
        max_length=500,
        description="The email's Message-ID, an RFC 5322 msg-id with or without its angle "
        "brackets; stored without them",
        schema_extra={"examples": ["<CAF=abc123@mail.example.com>"]},
    )

    @field_validator("external_message_id")
    @classmethod
    def _msg_id(cls, value: str | None) -> str | None:
        # It is copied into outbound In-Reply-To and References headers (app/msgids.py).
        return None if value is None else msgids.parse(value)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("must carry a timezone, e.g. 2026-11-23T10:00:00+02:00")
        return value


class MessageRead(SQLModel):
    id: int
    direction: MessageDirection
    channel: MessageChannel
    subject: str | None
    body: str
    author: str
    at: datetime
    external_message_id: str | None = Field(description="The email's Message-ID, without <>")
    needs_review: bool = Field(
        default=False,
        description="Filed for review: it has not changed the claim's state (the claims "
        "listing's `needs_review` filter finds these claims)",
    )
    review_reason: ReviewReason | None = Field(
        default=None,
        description="unknown_sender: not among the customer's contacts; closed_claim: the "
        "claim is closed (reopen it, or POST …/messages/{id}/new-claim)",
    )


class AttachmentRead(SQLModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime
    message_id: int | None


class Deadlines(SQLModel):
    ack_due_date: date = Field(
        description="Acknowledgement due: 3 working days, or CLAIMS_KEY_CUSTOMER_ACK_DUE_WORKING_DAYS "
        "for a key customer"
    )
    ack_deadline_date: date = Field(description="Hard deadline (5 working days)")
    acknowledged_at: datetime | None
    overdue: bool = Field(description="Not acknowledged and the due date has passed")
    acknowledged_in_time: bool | None = Field(
        default=None,
        description="Whether the written acknowledgement was issued by the due date; "
        "null until it is issued",
    )


class UnsentLetter(SQLModel):
    """A letter asked to be emailed that the gateway has not (yet) taken."""

    id: int
    number: str | None = Field(schema_extra={"examples": ["L-2026-000045"]})
    kind: LetterKind
    state: LetterState = Field(description="sending: on its way; send_failed: not sent")
    sent_to: str | None
    send_error: str | None = Field(
        description="Why it was not sent; send it again or mark it as sent by post",
        schema_extra={"examples": ["HTTP 400: recipient address rejected"]},
    )


# The listing's page is a plain pydantic model, not an SQLModel: SQLModel overrides __init__, so
# pydantic-core calls back into Python for every nested item it validates (4x the CPU for a page of
# 50, bench/RESULTS.md §2).
class ClaimSummary(BaseModel):
    number: str = pydantic.Field(examples=["CLM-2026-000123"])
    channel: Channel
    state: ClaimState
    customer_name: str = pydantic.Field(description="The organisation, or the private person")
    contact_name: str | None = pydantic.Field(description="Who raised the claim")
    owner: str | None = pydantic.Field(description="The responsible specialist's key name")
    model_code: str | None
    serial_number: str | None
    title: str | None
    received_at: datetime
    ack_due_date: date
    acknowledged_at: datetime | None
    letter_send_failed: str | None = pydantic.Field(
        default=None,
        description="A letter of the claim the email gateway did not take: its number and the "
        "reason (the latest such letter); null when none failed",
        examples=["L-2026-000045: HTTP 400: recipient address rejected"],
    )
    version: int


class ClaimPage(BaseModel):
    items: list[ClaimSummary]
    next_cursor: str | None = pydantic.Field(description="Pass as `cursor` to get the next page")


class ClaimRead(SQLModel):
    number: str
    channel: Channel
    state: ClaimState
    version: int
    customer: CustomerSummary
    contact: ContactRead | None = Field(description="Who raised the claim")
    customer_discrepancies: list[Discrepancy] = Field(
        description="What the claim said about the customer that differs from the record, "
        "kept for a person to confirm: update the customer, or clear them with PATCH"
    )
    owner: str | None = Field(description="The responsible specialist's key name")
    model_code: str | None
    model_name: str | None
    serial_number: str | None
    purchase_date: date | None
    title: str | None
    defect_description: str = Field(description="The customer's own words, never changed")
    defect_statement: str | None = Field(
        description="The department's edited statement of the defect; letters use it when set"
    )
    language: str
    received_at: datetime = Field(
        description="When the customer's claim was received, as the caller gave it (or the "
        "registration time); deadlines run from its local date"
    )
    registered_at: datetime = Field(
        description="When the service registered the claim; the number's year is its year "
        "in the company's time zone"
    )
    deadlines: Deadlines
    warranty_status: str | None
    warranty_end_date: date | None
    warranty_reasons: list[str] | None
    defect_cause: str | None
    cost_bearer: str | None
    resolution: str | None
    closed_at: datetime | None
    phone_call: dict[str, Any] | None
    internal_source: str | None
    external_reference: str | None
    created_by: str
    allowed_actions: list[str] = Field(description="Workflow actions the caller may take now")
    timeline: list[EventRead]
    messages: list[MessageRead]
    attachments: list[AttachmentRead]
    unsent_letters: list[UnsentLetter] = Field(
        default_factory=list,
        description="Letters asked to be emailed that the gateway has not taken: `sending`, or "
        "`send_failed` with the reason",
    )
    satisfaction: SatisfactionRead | None = Field(
        default=None,
        description="The customer's rating of the handling, asked for at closure; null until "
        "they answer (by the status page, a reply to the closure letter, or on the phone)",
    )
    corrective_actions: list[str] = Field(
        default_factory=list,
        description="Numbers of the corrective actions (8D) this claim is linked to",
        schema_extra={"examples": [["CA-2026-000001"]]},
    )
