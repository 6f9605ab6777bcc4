"""Responses of the workflow's endpoints: an action's result, the warranty, referrals, the machine described."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.enums import (
    Action,
    ClaimState,
    LetterKind,
    Resolution,
    Role,
    Urgency,
    WarrantyStatus,
)


class ActionResult(BaseModel):
    number: str = Field(examples=["CLM-2026-000123"])
    action: Action
    from_state: ClaimState
    state: ClaimState
    version: int = Field(description="The claim's new version; send it as If-Match next time")
    letter: LetterKind | None = Field(description="The letter this action calls for, if any")
    resolution: Resolution | None
    allowed_actions: list[Action] = Field(description="What you may do next")
    record_id: int | None = Field(
        default=None, description="The row the action created (referral, act, job…)"
    )
    letter_id: int | None = Field(
        default=None,
        description="The draft letter the action created (see /api/v1/letters/{id})",
    )


class WarrantyRead(BaseModel):
    serial_number: str
    status: WarrantyStatus
    model_code: str | None
    start_date: date | None
    end_date: date | None = Field(description="Last covered day")
    void_reason: str | None
    reasons: list[str]
    checked_on: date


class ReferralRead(BaseModel):
    id: int
    claim_number: str
    claim_state: ClaimState
    claim_version: int = Field(description="Send as If-Match when answering")
    memo: str
    urgency: Urgency
    questions: str | None
    status: str
    created_by: str
    created_at: datetime
    answered_at: datetime | None
    model_code: str | None
    serial_number: str | None
    defect_description: str
    answer_path: str = Field(examples=["/api/v1/claims/CLM-2026-000123/answer-referral"])


class ReferralPage(BaseModel):
    items: list[ReferralRead]
    next_offset: int | None


class ActionInfo(BaseModel):
    name: Action
    method: Literal["POST"] = "POST"
    path: str = Field(examples=["/api/v1/claims/{number}/refer-to-design"])
    description: str
    roles: list[Role]
    from_states: list[ClaimState]
    leads_to: list[ClaimState]
    letters: list[LetterKind]
    guards: list[str]


class TransitionInfo(BaseModel):
    action: Action
    from_state: ClaimState
    to_state: ClaimState
    roles: list[Role]
    guards: list[str]
    letter: LetterKind | None


class WorkflowRead(BaseModel):
    states: list[ClaimState]
    final_states: list[ClaimState]
    roles: list[Role]
    actions: list[ActionInfo]
    transitions: list[TransitionInfo]
    resolutions: list[Resolution]
    mermaid: str = Field(description="A Mermaid stateDiagram of the machine")
