"""What the workflow's actions record: referrals, design findings, inspection acts, service
jobs, replacements, disputes, and the per-claim progress the workflow's guards read."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import Index, Numeric, String, Text
from sqlmodel import Field, SQLModel

from app.models.types import JSONType, UTCDateTime, utcnow


class ReferralStatus(StrEnum):
    open = "open"
    """Waiting for the design department."""
    info_requested = "info_requested"
    """Waiting for the customer's clarification; reopens when the customer answers."""
    answered = "answered"
    cancelled = "cancelled"
    """The claim was closed before the design department answered."""


class Culpability(StrEnum):
    manufacturer = "manufacturer"
    customer = "customer"
    shared = "shared"
    third_party = "third_party"
    undetermined = "undetermined"


class JobKind(StrEnum):
    field_visit = "field_visit"
    return_to_plant = "return_to_plant"
    repair = "repair"
    substitute_loan = "substitute_loan"


class JobStatus(StrEnum):
    scheduled = "scheduled"  # field visit
    done = "done"  # field visit, repair
    awaiting_unit = "awaiting_unit"  # return to plant
    shipped = "shipped"  # return to plant; repaired unit on its way back
    received = "received"  # return to plant
    planned = "planned"  # repair
    returned = "returned"  # repair: unit back with the customer; substitute back with us
    lent = "lent"  # substitute loan


class ClaimProgress(SQLModel, table=True):
    """One row per claim that has entered the workflow: the facts its guards test.

    Kept as plain columns updated in the action's transaction, so that reading a claim's
    allowed actions costs one primary-key lookup instead of a scan of its records.
    """

    __tablename__ = "claim_progress"

    claim_id: int = Field(foreign_key="claims.id", primary_key=True)
    paid_repair_offered: bool = False
    payment_guarantee_received: bool = False
    has_recommendations: bool = False
    remedy_kind: str | None = Field(default=None, max_length=20)
    field_visit_scheduled: bool = False
    has_inspection_act: bool = False
    repair_done: bool = False
    unit_returned: bool = False
    replacement_recorded: bool = False
    replacement_shipped: bool = False
    substitute_out: bool = False
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    def reset(self) -> None:
        """A reopened claim goes through the process again."""
        for name in PROGRESS_FLAGS:
            setattr(self, name, False)
        self.remedy_kind = None


PROGRESS_FLAGS = (
    "paid_repair_offered",
    "payment_guarantee_received",
    "has_recommendations",
    "field_visit_scheduled",
    "has_inspection_act",
    "repair_done",
    "unit_returned",
    "replacement_recorded",
    "replacement_shipped",
    "substitute_out",
)
"""The progress row's flags, each a field of the workflow's `ClaimFacts` of the same name."""


class Referral(SQLModel, table=True):
    """The internal memo (служебная записка) to the design department."""

    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_status_created", "status", "created_at", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    memo: str = Field(sa_type=Text)
    urgency: str = Field(max_length=10)
    questions: str | None = Field(default=None, sa_type=Text)
    status: str = Field(default=ReferralStatus.open, max_length=20)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DesignFinding(SQLModel, table=True):
    """The design department's answer: the cause and the recommendations."""

    __tablename__ = "design_findings"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    referral_id: int | None = Field(default=None, foreign_key="referrals.id", index=True)
    cause: str = Field(max_length=40)
    analysis: str = Field(sa_type=Text)
    recommendations: str | None = Field(default=None, sa_type=Text)
    suggested_remedy: str | None = Field(default=None, max_length=20)
    information_needed: str | None = Field(default=None, sa_type=Text)
    author: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class InspectionAct(SQLModel, table=True):
    """The inspection act (акт ревизии)."""

    __tablename__ = "inspection_acts"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    act_number: str | None = Field(default=None, max_length=50)
    inspected_on: date
    place: str | None = Field(default=None, max_length=300)
    our_participants: list[dict[str, Any]] = Field(sa_type=JSONType)
    customer_participants: list[dict[str, Any]] = Field(sa_type=JSONType)
    findings: str = Field(sa_type=Text)
    culpability: str = Field(max_length=20)
    cost_bearer: str = Field(max_length=20)
    author: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ServiceJob(SQLModel, table=True):
    """The service centre's work on a claim: a field visit, a return to the plant, a repair,
    a substitute unit lent; one row per job, updated as the job progresses."""

    __tablename__ = "service_jobs"
    __table_args__ = (Index("ix_service_jobs_claim_kind", "claim_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id")
    kind: str = Field(sa_type=String(20))
    status: str = Field(sa_type=String(20))
    planned_on: date | None = None
    done_on: date | None = None
    outcome: str | None = Field(default=None, max_length=40)
    serial_number: str | None = Field(default=None, max_length=64)
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    cost: Decimal | None = Field(default=None, sa_type=Numeric(12, 2))
    details: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Replacement(SQLModel, table=True):
    """A new unit in place of the faulty one; the warranty moves to the new unit."""

    __tablename__ = "replacements"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    faulty_unit_id: int = Field(foreign_key="units.id")
    faulty_serial: str = Field(max_length=64)
    replacement_unit_id: int = Field(foreign_key="units.id")
    replacement_serial: str = Field(max_length=64)
    warranty_mode: str = Field(max_length=10)
    shipped_on: date | None = None
    carrier: str | None = Field(default=None, max_length=100)
    tracking_number: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Dispute(SQLModel, table=True):
    """The customer contests who bears the cost; legal review, independent expertise."""

    __tablename__ = "disputes"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    customer_position: str = Field(sa_type=Text)
    contested_cost_bearer: str | None = Field(default=None, max_length=20)
    legal_review_requested: bool = False
    opened_by: str = Field(max_length=100)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, sa_type=Text)
    cost_bearer: str | None = Field(default=None, max_length=20)
    legal_review: str | None = Field(default=None, sa_type=Text)
    expertise: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    settled_by: str | None = Field(default=None, max_length=100)
    settled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
