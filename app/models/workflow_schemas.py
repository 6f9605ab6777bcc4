"""Request and response bodies of the workflow's endpoints: one request body per action."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models.workflow_records import Culpability
from app.warranty import WarrantyStatus
from app.workflow import (
    Action,
    ClaimState,
    CostBearer,
    DefectCause,
    FieldVisitOutcome,
    LetterHint,
    RemedyKind,
    Resolution,
    Role,
    Urgency,
)

NOTE = Field(default=None, max_length=5000, description="Free-text note for the timeline")


class ActionBody(BaseModel):
    """Base of every action's body; unknown fields are refused (a typo is a 422, not a no-op)."""

    model_config = ConfigDict(extra="forbid")

    def request_facts(self) -> dict[str, Any]:
        """What the body tells the workflow's guards (see `ClaimFacts`)."""
        return {}


class NoteBody(ActionBody):
    note: str | None = NOTE


class CheckWarranty(ActionBody):
    serial_number: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Correct the unit's serial number before checking; defaults to the claim's",
        examples=["PMP200-2025-001234"],
    )


class InformationRequest(ActionBody):
    questions: str = Field(
        min_length=3,
        max_length=5000,
        description="What the customer should clarify",
        examples=["Please send photos of the terminal box and the wiring."],
    )
    photos_requested: bool = False


class CustomerInformation(ActionBody):
    summary: str | None = Field(
        default=None, max_length=5000, description="What the customer answered (when not a message)"
    )


class PaidRepairOffer(ActionBody):
    estimated_cost: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, examples=["450.00"]
    )
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    note: str | None = NOTE


class PaymentGuarantee(ActionBody):
    guarantee_reference: str = Field(
        min_length=1,
        max_length=100,
        description="The customer's payment guarantee letter",
        examples=["GL-2026/117"],
    )
    received_on: date | None = None
    amount: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")


class PaidRepairDeclined(ActionBody):
    reason: str | None = Field(default=None, max_length=5000)


class ReferralMemo(ActionBody):
    memo: str = Field(
        min_length=10,
        max_length=20000,
        description="Detailed description of the defect for the designers",
        examples=[
            "PMP-200 s/n 001234 stops after 10 min; motor at 95 °C; "
            "installed 2025-04, 380 V supply."
        ],
    )
    urgency: Urgency = Field(default=Urgency.normal)
    questions: str | None = Field(
        default=None, max_length=5000, examples=["Cause? Recommendations for the customer?"]
    )


class DesignFindingIn(ActionBody):
    cause: DefectCause = Field(description="`needs_info` asks the customer for more information")
    analysis: str = Field(
        min_length=3,
        max_length=20000,
        description="The designers' reasoning",
        examples=["Supply phase sequence reversed: the motor runs backwards."],
    )
    recommendations: str | None = Field(
        default=None,
        max_length=20000,
        description="What the customer can do on site; without them a defect goes to remedy",
        examples=["Swap two phases at the terminal box and restart."],
    )
    suggested_remedy: RemedyKind | None = Field(default=None, description="When a remedy is needed")
    information_needed: str | None = Field(
        default=None, max_length=5000, description="Required when the cause is `needs_info`"
    )

    @model_validator(mode="after")
    def _consistent(self) -> "DesignFindingIn":
        if self.cause is DefectCause.needs_info and not self.information_needed:
            raise ValueError("information_needed is required when the cause is needs_info")
        if self.cause is DefectCause.misuse and not (self.recommendations or self.analysis):
            raise ValueError("explain the correct use in recommendations")
        return self

    def request_facts(self) -> dict[str, Any]:
        return {"design_cause": self.cause, "has_recommendations": bool(self.recommendations)}


class CustomerConfirmation(ActionBody):
    confirmed_on: date | None = None
    how: str | None = Field(default=None, max_length=200, examples=["phone call with the engineer"])
    note: str | None = NOTE


class NotHelped(ActionBody):
    details: str = Field(
        min_length=3, max_length=5000, examples=["Phases swapped as advised; the pump still stops."]
    )


class RemedyDecision(ActionBody):
    kind: RemedyKind
    instructions: str | None = Field(
        default=None, max_length=10000, description="The designers' instructions for the remedy"
    )

    def request_facts(self) -> dict[str, Any]:
        return {"remedy_kind": self.kind}


class FieldVisitSchedule(ActionBody):
    visit_date: date
    technicians: list[str] = Field(min_length=1, max_length=20, examples=[["A. Ozols"]])
    site_address: str | None = Field(default=None, max_length=500)
    note: str | None = NOTE


class FieldVisitReport(ActionBody):
    visited_on: date
    outcome: FieldVisitOutcome
    report: str = Field(min_length=3, max_length=20000)

    def request_facts(self) -> dict[str, Any]:
        return {"field_visit_outcome": self.outcome}


class Shipment(ActionBody):
    shipped_on: date
    carrier: str | None = Field(default=None, max_length=100, examples=["DHL"])
    tracking_number: str | None = Field(default=None, max_length=100)


class UnitReceipt(ActionBody):
    received_on: date
    condition: str | None = Field(default=None, max_length=5000)


class Participant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200, examples=["I. Petrov"])
    position: str | None = Field(default=None, max_length=200, examples=["service engineer"])


class InspectionActIn(ActionBody):
    act_number: str | None = Field(default=None, max_length=50)
    inspected_on: date
    place: str | None = Field(default=None, max_length=300, examples=["Plant, workshop 2"])
    our_participants: list[Participant] = Field(min_length=1, max_length=50)
    customer_participants: list[Participant] = Field(
        default_factory=list,
        max_length=50,
        description="The customer's representatives, when present (usually they are)",
    )
    findings: str = Field(min_length=3, max_length=50000)
    culpability: Culpability
    cost_bearer: CostBearer = Field(description="Who pays for the inspection and the repair")


class RepairPlan(ActionBody):
    steps: list[str] = Field(min_length=1, max_length=100, examples=[["Rewind the stator"]])
    location: Literal["plant", "site"] = "plant"
    planned_completion: date | None = None
    estimated_cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class ReplacementOffer(ActionBody):
    reason: str = Field(
        min_length=3,
        max_length=5000,
        examples=["The housing is cracked; a repair costs more than a new pump."],
    )


class RepairReport(ActionBody):
    completed_on: date
    work_done: str = Field(min_length=3, max_length=20000)
    parts_replaced: list[str] = Field(default_factory=list, max_length=100)
    cost: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)


class UnitReturn(Shipment):
    """The repaired unit is back with the customer (shipped, or repaired on site)."""


class ReplacementIn(ActionBody):
    faulty_serial: str | None = Field(
        default=None, min_length=1, max_length=64, description="Defaults to the claim's unit"
    )
    replacement_serial: str = Field(min_length=1, max_length=64, examples=["PMP200-2026-000777"])
    replacement_model_code: str | None = Field(
        default=None, max_length=64, description="Defaults to the faulty unit's model"
    )
    warranty: Literal["transfer", "fresh"] = Field(
        default="transfer",
        description="`transfer`: the new unit keeps the faulty unit's warranty term; "
        "`fresh`: a full period from today",
    )


class SubstituteLoan(ActionBody):
    substitute_serial: str = Field(min_length=1, max_length=64)
    lent_on: date
    expected_return: date | None = None


class SubstituteReturn(ActionBody):
    returned_on: date
    condition: str | None = Field(default=None, max_length=5000)


class DisputeOpened(ActionBody):
    customer_position: str = Field(
        min_length=3, max_length=20000, examples=["The customer denies wrong connection."]
    )
    contested_cost_bearer: CostBearer | None = None
    legal_review_requested: bool = False


class Expertise(BaseModel):
    model_config = ConfigDict(extra="forbid")
    organisation: str = Field(min_length=1, max_length=300)
    conclusion: str = Field(min_length=1, max_length=20000)
    report_reference: str | None = Field(default=None, max_length=100)


class DisputeSettlement(ActionBody):
    outcome: str = Field(min_length=3, max_length=20000, examples=["Costs shared 50/50."])
    cost_bearer: CostBearer
    legal_review: str | None = Field(default=None, max_length=20000)
    independent_expertise: Expertise | None = None


class WithdrawalReceived(ActionBody):
    received_on: date
    document_reference: str | None = Field(default=None, max_length=100)
    resolution: Resolution | None = Field(
        default=None, description="Defaults to what the claim's history implies"
    )

    def request_facts(self) -> dict[str, Any]:
        return {"resolution": self.resolution}


class Closure(ActionBody):
    resolution: Resolution
    reason: str = Field(min_length=3, max_length=5000)

    def request_facts(self) -> dict[str, Any]:
        return {"resolution": self.resolution}


class Reopen(ActionBody):
    reason: str = Field(min_length=3, max_length=5000)


BODIES: dict[Action, type[ActionBody]] = {
    Action.check_warranty: CheckWarranty,
    Action.request_info: InformationRequest,
    Action.customer_info_received: CustomerInformation,
    Action.offer_paid_repair: PaidRepairOffer,
    Action.accept_paid_repair: PaymentGuarantee,
    Action.decline_paid_repair: PaidRepairDeclined,
    Action.refer_to_design: ReferralMemo,
    Action.answer_referral: DesignFindingIn,
    Action.confirm_resolved: CustomerConfirmation,
    Action.report_not_helped: NotHelped,
    Action.choose_remedy: RemedyDecision,
    Action.schedule_field_visit: FieldVisitSchedule,
    Action.field_visit_done: FieldVisitReport,
    Action.return_shipped: Shipment,
    Action.unit_received: UnitReceipt,
    Action.record_inspection_act: InspectionActIn,
    Action.plan_repair: RepairPlan,
    Action.offer_replacement: ReplacementOffer,
    Action.repair_done: RepairReport,
    Action.return_unit: UnitReturn,
    Action.record_replacement: ReplacementIn,
    Action.ship_replacement: Shipment,
    Action.lend_substitute: SubstituteLoan,
    Action.substitute_returned: SubstituteReturn,
    Action.open_dispute: DisputeOpened,
    Action.settle_dispute: DisputeSettlement,
    Action.request_withdrawal: NoteBody,
    Action.remind_withdrawal: NoteBody,
    Action.withdrawal_received: WithdrawalReceived,
    Action.close: Closure,
    Action.reopen: Reopen,
}


# ---- responses -------------------------------------------------------------------------------


class ActionResult(BaseModel):
    number: str = Field(examples=["CLM-2026-000123"])
    action: Action
    from_state: ClaimState
    state: ClaimState
    version: int = Field(description="The claim's new version; send it as If-Match next time")
    letter: LetterHint | None = Field(description="The letter this action calls for, if any")
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
    letters: list[LetterHint]
    guards: list[str]


class TransitionInfo(BaseModel):
    action: Action
    from_state: ClaimState
    to_state: ClaimState
    roles: list[Role]
    guards: list[str]
    letter: LetterHint | None


class WorkflowRead(BaseModel):
    states: list[ClaimState]
    final_states: list[ClaimState]
    roles: list[Role]
    actions: list[ActionInfo]
    transitions: list[TransitionInfo]
    resolutions: list[Resolution]
    mermaid: str = Field(description="A Mermaid stateDiagram of the machine")


# ---- what the actions recorded, for GET /api/v1/claims/{number}/records ---------------------


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
    cost: Decimal | None
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
