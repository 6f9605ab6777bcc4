"""Events out: webhook subscriptions, deliveries and their attempts, the per-claim SLA clock."""

from datetime import date, datetime
from typing import Any

from pydantic import AnyHttpUrl, field_validator
from sqlalchemy import Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow

# Event types the service emits; subscriptions may also name "*" for all of them.
KNOWN_EVENT_TYPES = (
    "claim.registered",
    "claim.state_changed",
    "claim.updated",
    "claim.message_received",
    "claim.overdue",
    "claim.due_soon",
    "claim.reminder_sent",
    "claim.rated",
    "letter.issued",
    "letter.sent",
    "customer.created",
    "customer.updated",
    "customer.merged",
    "corrective_action.task_overdue",
    "corrective_action.effectiveness_due",
    "corrective_action.opened",
    "corrective_action.updated",
    "corrective_action.state_changed",
    "corrective_action.claims_linked",
    "corrective_action.task_changed",
    "corrective_action.file_added",
)
# Outbox types that are emails for the gateway rather than webhooks.
EMAIL_EVENT_TYPES = ("email.outbound",)


class WebhookSubscription(SQLModel, table=True):
    __tablename__ = "webhook_subscriptions"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    url: str = Field(max_length=2000)
    event_types: list[str] = Field(sa_type=JSONType)
    secret: str = Field(max_length=200, description="HMAC key; needed in clear to sign")
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Delivery(SQLModel, table=True):
    """One outbox event to one target: a webhook subscription or the email gateway."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("outbox_id", "target", name="uq_deliveries_outbox_target"),)

    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="outbox.id", index=True)
    event_id: str = Field(max_length=36, index=True)
    event_type: str = Field(max_length=60)
    target: str = Field(max_length=40, description='"webhook:<id>" or "email"')
    subscription_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("webhook_subscriptions.id", ondelete="SET NULL"),
            index=True,
            nullable=True,
        ),
    )
    url: str = Field(max_length=2000)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=2000)
    message_id: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="deliveries.id", index=True)
    number: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    ok: bool
    status_code: int | None = None
    duration_ms: int = 0
    error: str | None = Field(default=None, max_length=2000)
    response_excerpt: str | None = Field(default=None, max_length=500)


class ClaimSla(SQLModel, table=True):
    """The resolution clock and the SLA flags of one claim (kept by the worker and the hook)."""

    __tablename__ = "claim_sla"

    claim_id: int = Field(foreign_key="claims.id", primary_key=True)
    state: str = Field(max_length=40, description="The claim state the clock last saw")
    resolution_started_at: datetime = Field(sa_type=UTCDateTime)
    resolution_due_at: datetime = Field(sa_type=UTCDateTime)
    resolution_paused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution_remaining_seconds: int | None = None
    resolution_paused_seconds: int = 0
    ack_status: str = Field(default="on_track", max_length=16)
    resolution_status: str = Field(default="on_track", max_length=16, index=True)
    overdue: bool = Field(default=False, index=True)
    waiting_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminders_sent: int = 0
    last_reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SlaBreach(SQLModel, table=True):
    """One row per claim and missed deadline: the unique key makes `claim.overdue` fire once."""

    __tablename__ = "sla_breaches"
    __table_args__ = (
        UniqueConstraint("claim_id", "kind", "deadline", name="uq_sla_breaches_claim_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    kind: str = Field(max_length=30)
    deadline: str = Field(sa_column=Column(String(40), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# ---- request and response schemas ------------------------------------------------------------


def _check_event_types(value: list[str]) -> list[str]:
    allowed = set(KNOWN_EVENT_TYPES) | {"*"}
    unknown = [t for t in value if t not in allowed]
    if unknown:
        raise ValueError(
            f"unknown event types: {', '.join(unknown)}; known: "
            + ", ".join(KNOWN_EVENT_TYPES)
            + ' or "*"'
        )
    return sorted(set(value))


class WebhookCreate(SQLModel):
    name: str = Field(min_length=1, max_length=100, schema_extra={"examples": ["ERP"]})
    url: AnyHttpUrl = Field(
        description="Where to POST the signed events",
        schema_extra={"examples": ["https://erp.example.lv/hooks/claims"]},
    )
    event_types: list[str] = Field(
        min_length=1,
        max_length=20,
        description='Event types wanted, or ["*"] for all',
        schema_extra={"examples": [["claim.registered", "claim.overdue"]]},
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=200,
        description="The signing secret; generated when omitted (`whsec_` and base64, as "
        "Standard Webhooks libraries take it) and shown once in the response",
    )
    active: bool = True

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        return _check_event_types(value)

    @field_validator("url")
    @classmethod
    def _length(cls, value: AnyHttpUrl) -> AnyHttpUrl:
        if len(str(value)) > 2000:
            raise ValueError("at most 2000 characters")
        return value


class WebhookUpdate(SQLModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    url: AnyHttpUrl | None = None
    event_types: list[str] | None = Field(default=None, min_length=1, max_length=20)
    secret: str | None = Field(default=None, min_length=16, max_length=200)
    active: bool | None = None

    @field_validator("event_types")
    @classmethod
    def _known(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_event_types(value)

    @field_validator("url")
    @classmethod
    def _length(cls, value: AnyHttpUrl | None) -> AnyHttpUrl | None:
        if value is not None and len(str(value)) > 2000:
            raise ValueError("at most 2000 characters")
        return value


class WebhookRead(SQLModel):
    id: int
    name: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="Shown only here; keep it to verify signatures")


class AttemptRead(SQLModel):
    number: int
    at: datetime
    ok: bool
    status_code: int | None
    duration_ms: int
    error: str | None
    response_excerpt: str | None


class DeliveryRead(SQLModel):
    id: int
    event_id: str
    event_type: str
    target: str
    subscription_id: int | None
    url: str
    status: str = Field(schema_extra={"examples": ["delivered"]})
    attempts: int
    last_status_code: int | None
    last_error: str | None
    message_id: str | None
    created_at: datetime
    delivered_at: datetime | None
    attempt_log: list[AttemptRead] = Field(default_factory=list)


class OutboxEventRead(SQLModel):
    event_id: str
    type: str
    claim_id: int | None
    status: str
    attempts: int
    available_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]


class SlaRead(SQLModel):
    """A claim's SLA clock as of now."""

    acknowledgement: str = Field(
        description="on_track | due_soon | overdue | met", schema_extra={"examples": ["due_soon"]}
    )
    ack_due_date: date
    ack_deadline_date: date
    resolution: str = Field(
        description="on_track | due_soon | overdue | paused | met",
        schema_extra={"examples": ["paused"]},
    )
    resolution_started_at: datetime
    resolution_due_at: datetime | None = Field(description="None while the clock is paused")
    paused_since: datetime | None
    paused_seconds: int = Field(description="Time spent waiting for the customer, in seconds")
    overdue: bool
    reminders_sent: int
    last_reminder_at: datetime | None
