"""What the actions recorded, for `GET /api/v1/claims/{number}/records`."""

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.enums import (
    ClaimState,
    CostBearer,
    DefectCause,
    RemedyKind,
    Urgency,
)
from app.models.types import Money
from app.models.workflow.closure import Expertise
from app.models.workflow.remedy import Participant
from app.models.workflow_records import Culpability


class _Record(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ReferralRecord(_Record):
    id: int
    memo: str
    urgency: Urgency
    questions: str | None
    status: str
    created_by: str
    created_at: datetime
    answered_at: datetime | None


class DesignFindingRecord(_Record):
    id: int
    referral_id: int | None
    cause: DefectCause
    analysis: str
    recommendations: str | None
    suggested_remedy: RemedyKind | None
    information_needed: str | None
    author: str
    created_at: datetime


class InspectionActRecord(_Record):
    id: int
    act_number: str | None
    inspected_on: date
    place: str | None
    our_participants: list[Participant]
    customer_participants: list[Participant]
    findings: str
    culpability: Culpability
    cost_bearer: CostBearer
    author: str
    created_at: datetime


class ServiceJobRecord(_Record):
    id: int
    kind: str = Field(
        examples=["repair"], description="field_visit, return_to_plant, repair, substitute_loan"
    )
    status: str
    planned_on: date | None
    done_on: date | None
    outcome: str | None
    serial_number: str | None
    carrier: str | None
    tracking_number: str | None
    cost: Money | None
    details: dict[str, Any]
    created_by: str
    created_at: datetime
    updated_at: datetime


class ReplacementRecord(_Record):
    id: int
    faulty_serial: str
    replacement_serial: str
    warranty_mode: str
    shipped_on: date | None
    carrier: str | None
    tracking_number: str | None
    created_by: str
    created_at: datetime


class DisputeRecord(_Record):
    id: int
    customer_position: str
    contested_cost_bearer: CostBearer | None
    legal_review_requested: bool
    opened_by: str
    opened_at: datetime
    outcome: str | None
    cost_bearer: CostBearer | None
    legal_review: str | None
    expertise: Expertise | None
    settled_by: str | None
    settled_at: datetime | None


class ClaimRecords(BaseModel):
    number: str
    state: ClaimState
    version: int
    facts: dict[str, Any] = Field(description="What the workflow's conditions look at")
    referrals: list[ReferralRecord]
    design_findings: list[DesignFindingRecord]
    inspection_acts: list[InspectionActRecord]
    service_jobs: list[ServiceJobRecord]
    replacements: list[ReplacementRecord]
    disputes: list[DisputeRecord]
