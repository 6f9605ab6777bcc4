"""Corrective actions in the 8D discipline: the record, the claims it answers for, its tasks
(containment, corrective and preventive actions), their evidence files and the audit trail.

The D1–D8 parts that are lists of free structure (the team, the five whys) are JSON; the tasks
are rows, because the SLA sweep and the `overdue` filter query them by due date and status."""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, StringConstraints, model_validator
from pydantic import Field as PField
from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.enums import (
    CorrectiveState,
    CorrectiveTaskKind,
    CorrectiveTaskStatus,
    DefectCause,
    IshikawaCategory,
)
from app.models.base import InputModel
from app.models.types import JSONType, UTCDateTime, utcnow


class CorrectiveAction(SQLModel, table=True):
    __tablename__ = "corrective_actions"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(sa_column=Column(String(20), unique=True, nullable=False))
    year: int
    seq: int
    state: CorrectiveState = Field(default=CorrectiveState.open, sa_type=String(20), index=True)
    title: str = Field(max_length=300)
    # The responsible person: an API key's name, like a claim's owner.
    owner: str | None = Field(default=None, max_length=100, index=True)
    product_model_id: int | None = Field(default=None, foreign_key="product_models.id", index=True)
    # The serial-number prefix standing for a production batch (reports' `Batch.batch`).
    batch: str | None = Field(default=None, max_length=64)
    # What it was opened from: {"kind": "claims" | "model" | "batch" | "similar", ...}.
    source: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    # D1: [{"name", "role", "function"}].
    team: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # D2: the problem as the linked claims describe it (model, batch, serial range, count,
    # first and last date, countries, customers, symptoms), refreshed as claims are linked;
    # `problem_statement` is the team's own wording.
    problem: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    problem_statement: str | None = Field(default=None, sa_type=Text)
    # D4: the five-whys chain and the fishbone category.
    root_cause_whys: list[str] = Field(default_factory=list, sa_type=JSONType)
    root_cause_category: IshikawaCategory | None = Field(default=None, sa_type=String(20))
    root_cause: str | None = Field(default=None, sa_type=Text)
    # A purchased component at the root: a claim against its supplier follows.
    purchased_component: str | None = Field(default=None, max_length=200)
    # When the fix took effect, and optionally the first serial or batch made after it.
    fix_effective_on: date | None = None
    fix_first_serial: str | None = Field(default=None, max_length=64)
    fix_first_batch: str | None = Field(default=None, max_length=64)
    effectiveness_due_on: date | None = Field(default=None, index=True)
    # The before/after figures of the last effectiveness check (app/corrective).
    effectiveness: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    effectiveness_checked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The last day the SLA sweep reminded the owner of the due effectiveness check.
    effectiveness_reminded_on: date | None = None
    # D8.
    closure_summary: str | None = Field(default=None, sa_type=Text)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=100)
    created_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = 1


class CorrectiveActionClaim(SQLModel, table=True):
    """A customer claim the corrective action answers for."""

    __tablename__ = "corrective_action_claims"
    __table_args__ = (UniqueConstraint("corrective_action_id", "claim_id"),)

    id: int | None = Field(default=None, primary_key=True)
    corrective_action_id: int = Field(foreign_key="corrective_actions.id", index=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    linked_by: str = Field(max_length=100)
    linked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CorrectiveTask(SQLModel, table=True):
    """A containment, corrective or preventive action (D3, D5–D7)."""

    __tablename__ = "corrective_tasks"

    id: int | None = Field(default=None, primary_key=True)
    corrective_action_id: int = Field(foreign_key="corrective_actions.id", index=True)
    kind: CorrectiveTaskKind = Field(sa_type=String(20))
    description: str = Field(sa_type=Text)
    owner: str | None = Field(default=None, max_length=100, index=True)
    due_date: date | None = Field(default=None, index=True)
    status: CorrectiveTaskStatus = Field(default=CorrectiveTaskStatus.planned, sa_type=String(20))
    done_on: date | None = None
    result: str | None = Field(default=None, sa_type=Text)
    # Ids of the corrective action's files that prove it done.
    evidence_file_ids: list[int] = Field(default_factory=list, sa_type=JSONType)
    # The last day the SLA sweep reminded the owner (one reminder per day at most).
    reminded_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CorrectiveFile(SQLModel, table=True):
    """Evidence uploaded to a corrective action, stored like a claim's attachments."""

    __tablename__ = "corrective_files"

    id: int | None = Field(default=None, primary_key=True)
    corrective_action_id: int = Field(foreign_key="corrective_actions.id", index=True)
    filename: str = Field(max_length=255)
    content_type: str = Field(max_length=120)
    size: int
    sha256: str = Field(max_length=64)
    storage_key: str = Field(max_length=300)
    uploaded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class CorrectiveEvent(SQLModel, table=True):
    """The audit trail of a corrective action: who changed what, from which state to which."""

    __tablename__ = "corrective_events"

    id: int | None = Field(default=None, primary_key=True)
    corrective_action_id: int = Field(foreign_key="corrective_actions.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60)
    from_state: str | None = Field(default=None, max_length=20)
    to_state: str | None = Field(default=None, max_length=20)
    payload: dict[str, Any] | None = Field(default=None, sa_type=JSONType)


# ==== The 8D report (app/corrective/report.py): read-only schemas, no tables =================


class EightDHeader(SQLModel):
    number: str = Field(schema_extra={"examples": ["CA-2026-000007"]})
    title: str = Field(schema_extra={"examples": ["Pump PMP-200 stops after ten minutes"]})
    state: CorrectiveState
    owner: str | None = Field(
        default=None, description="The responsible person (an API key's name)"
    )
    owner_name: str | None = Field(
        default=None, description="The owner's full name, from their key"
    )
    product_model: str | None = Field(
        default=None,
        description="The model's catalogue code",
        schema_extra={"examples": ["PMP-200"]},
    )
    product_model_name: str | None = None
    batch: str | None = Field(
        default=None,
        description="The serial-number prefix standing for the batch",
        schema_extra={"examples": ["PMP200-2025-03"]},
    )
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None


class EightDTeamMember(SQLModel):
    name: str
    role: str | None = Field(default=None, schema_extra={"examples": ["champion"]})
    function: str | None = Field(default=None, schema_extra={"examples": ["Design department"]})


class EightDProblem(SQLModel):
    """D2: the team's statement, the facts recorded on the record (`problem`) and what the
    linked claims themselves show."""

    statement: str | None = None
    recorded: dict[str, Any] = Field(
        default_factory=dict, description="The record's `problem` as stored (D2 as filled in)"
    )
    claims: int = Field(description="Linked claims")
    first_received_on: date | None = None
    last_received_on: date | None = None
    serial_min: str | None = None
    serial_max: str | None = None
    countries: list[str] = Field(default_factory=list, description="ISO 3166 codes")
    customers: list[str] = Field(default_factory=list)
    symptoms: list[str] = Field(
        default_factory=list, description="The defects as the customers described them"
    )


class EightDTask(SQLModel):
    id: int
    description: str
    owner: str | None = None
    owner_name: str | None = Field(
        default=None, description="The owner's full name, from their key"
    )
    due_date: date | None = None
    status: CorrectiveTaskStatus
    done_on: date | None = None
    result: str | None = None
    evidence_file_ids: list[int] = Field(default_factory=list)
    overdue: bool = Field(description="Past its due date and neither done nor cancelled")


class EightDRootCause(SQLModel):
    """D4."""

    whys: list[str] = Field(default_factory=list, description="The five-whys chain, in order")
    category: IshikawaCategory | None = Field(default=None, description="The Ishikawa category")
    statement: str | None = None
    purchased_component: str | None = None


class EightDValidation(SQLModel):
    """D6: when the fix took effect and what the effectiveness check found."""

    fix_effective_on: date | None = None
    fix_first_serial: str | None = None
    fix_first_batch: str | None = None
    effectiveness_due_on: date | None = None
    effectiveness_checked_at: datetime | None = None
    result: str | None = Field(
        default=None,
        description="effective or not_effective once checked",
        schema_extra={"examples": ["effective"]},
    )
    rate_before: float | None = Field(default=None, description="Claims per unit sold before")
    rate_after: float | None = Field(default=None, description="Claims per unit sold after")
    figures: dict[str, Any] | None = Field(
        default=None, description="The effectiveness check's figures as stored"
    )


class EightDClosure(SQLModel):
    """D8."""

    summary: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None


class EightDClaim(SQLModel):
    number: str = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    received_on: date
    customer: str
    country: str | None = Field(default=None, schema_extra={"examples": ["LV"]})
    serial_number: str | None = None


class EightDReport(SQLModel):
    """A corrective action as an 8D report: D1–D8 and the claims it answers for."""

    header: EightDHeader
    d1_team: list[EightDTeamMember]
    d2_problem: EightDProblem
    d3_containment: list[EightDTask]
    d4_root_cause: EightDRootCause
    d5_corrective: list[EightDTask]
    d6_implementation: EightDValidation
    d7_preventive: list[EightDTask]
    d8_closure: EightDClosure
    claims: list[EightDClaim]
    as_of: date = Field(description="The local date the report was built on (overdue is as of it)")


# ------------------------------------------------------------------ request and response schemas

ClaimNumber = Annotated[str, StringConstraints(min_length=1, max_length=20, strip_whitespace=True)]
Text300 = Annotated[str, StringConstraints(min_length=1, max_length=300, strip_whitespace=True)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=100, strip_whitespace=True)]
Why = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]
LongText = Annotated[str, StringConstraints(max_length=20000)]
Serial = Annotated[str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True)]
ClaimNumbers = Annotated[
    list[ClaimNumber],
    PField(min_length=1, max_length=500, examples=[["CLM-2026-000123", "CLM-2026-000130"]]),
]


class CorrectiveTeamMember(InputModel):
    name: Name = Field(schema_extra={"examples": ["Ilze Ozola"]})
    role: str | None = Field(
        default=None, max_length=100, description="Her part in the team: leader, member, champion"
    )
    function: str | None = Field(
        default=None,
        max_length=100,
        description="Her department or job: quality, design, production",
    )


class _Window(InputModel):
    received_from: date | None = Field(
        default=None,
        description="As the report's filter: the first local day; by default "
        "CLAIMS_REPORTS_RECURRING_WINDOW_DAYS before received_to",
    )
    received_to: date | None = Field(default=None, description="The last day; by default today")


class RecurringModelGroup(_Window):
    """A (model, cause) group of GET /api/v1/reports/recurring-defects."""

    kind: Literal["model"]
    product_model: str = Field(min_length=1, max_length=64, schema_extra={"examples": ["PMP-200"]})
    defect_cause: DefectCause = Field(schema_extra={"examples": ["manufacturing_defect"]})


class RecurringBatchGroup(RecurringModelGroup):
    """A batch of a (model, cause) group: serials without their last characters."""

    kind: Literal["batch"]  # type: ignore[assignment]
    batch: Serial = Field(schema_extra={"examples": ["PMP200-2025-001"]})


class RecurringSimilarGroup(InputModel):
    """A group of look-alike descriptions: its claim numbers as the report lists them."""

    kind: Literal["similar"]
    claim_numbers: ClaimNumbers


RecurringGroupRef = Annotated[
    RecurringModelGroup | RecurringBatchGroup | RecurringSimilarGroup, PField(discriminator="kind")
]


class CorrectiveActionCreate(InputModel):
    """Open from claims (`claim_numbers`) or from a recurring-defect group (`group`): one of
    the two."""

    claim_numbers: ClaimNumbers | None = None
    group: RecurringGroupRef | None = None
    title: Text300 | None = Field(
        default=None, description="By default the model, batch, cause and number of claims"
    )
    owner: Name | None = Field(default=None, description="By default you")
    team: list[CorrectiveTeamMember] = Field(default_factory=list, max_length=30)
    problem_statement: LongText | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "CorrectiveActionCreate":
        if (self.claim_numbers is None) == (self.group is None):
            raise ValueError("send either claim_numbers or group, not both and not neither")
        return self


CREATE_EXAMPLES = {
    "group": {
        "summary": "From a recurring-defect group",
        "value": {
            "group": {
                "kind": "model",
                "product_model": "PMP-200",
                "defect_cause": "manufacturing_defect",
                "received_from": "2026-01-01",
                "received_to": "2026-03-31",
            },
            "team": [{"name": "Ilze Ozola", "role": "leader", "function": "quality"}],
        },
    },
    "claims": {
        "summary": "From claims",
        "value": {"claim_numbers": ["CLM-2026-000123", "CLM-2026-000130"], "title": "Seal leaks"},
    },
}


class CorrectiveClaimLinks(InputModel):
    claim_numbers: ClaimNumbers


class CorrectiveActionUpdate(InputModel):
    """Only the fields sent change; null clears one."""

    title: Text300 | None = None
    owner: Name | None = None
    team: list[CorrectiveTeamMember] | None = Field(default=None, max_length=30)
    problem_statement: LongText | None = None
    root_cause_whys: list[Why] | None = Field(
        default=None, max_length=10, description="The five-whys chain, first why first"
    )
    root_cause_category: IshikawaCategory | None = None
    root_cause: LongText | None = None
    purchased_component: str | None = Field(default=None, max_length=200)
    fix_effective_on: date | None = Field(default=None, description="Not in the future")
    fix_first_serial: Serial | None = None
    fix_first_batch: Serial | None = None
    closure_summary: LongText | None = None


UPDATE_EXAMPLE = {
    "root_cause_whys": [
        "The seal leaks",
        "The seal was pressed crooked",
        "The press fixture is worn",
    ],
    "root_cause_category": "machine",
    "root_cause": "Worn press fixture on line 2",
}


class CorrectiveTaskCreate(InputModel):
    kind: CorrectiveTaskKind
    description: Annotated[str, StringConstraints(min_length=1, max_length=5000)]
    owner: Name | None = None
    due_date: date | None = None


class CorrectiveTaskUpdate(InputModel):
    """Only the fields sent change. `done` needs `done_on`, by default today."""

    description: Annotated[str, StringConstraints(min_length=1, max_length=5000)] | None = None
    owner: Name | None = None
    due_date: date | None = None
    status: CorrectiveTaskStatus | None = None
    done_on: date | None = None
    result: LongText | None = None
    evidence_file_ids: list[Annotated[int, PField(ge=1, le=2**31 - 1)]] | None = Field(
        default=None, max_length=50, description="Ids of this record's files"
    )


class CorrectiveActionBody(InputModel):
    early: bool = Field(
        default=False, description="check_effectiveness before it is due (a head only)"
    )
    reason: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="Why: required to cancel"
    )


class CorrectiveTaskRead(BaseModel):
    id: int
    kind: CorrectiveTaskKind
    description: str
    owner: str | None
    due_date: date | None
    status: CorrectiveTaskStatus
    done_on: date | None
    result: str | None
    evidence_file_ids: list[int]
    overdue: bool = PField(description="Past its due date and neither done nor cancelled")
    created_at: datetime
    updated_at: datetime


class CorrectiveFileRead(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: datetime


class CorrectiveLinkedClaim(BaseModel):
    number: str
    received_at: datetime
    customer: str
    state: str
    product_model: str | None
    serial: str | None


class CorrectiveProblemSection(BaseModel):
    facts: dict[str, Any] = PField(
        description="From the linked claims: claims, product_models, batches, serial_min, "
        "serial_max, first_received_on, last_received_on, countries, customers, symptoms"
    )
    statement: str | None = PField(description="The team's own wording")


class CorrectiveRootCause(BaseModel):
    whys: list[str]
    category: IshikawaCategory | None
    root_cause: str | None
    purchased_component: str | None


class CorrectiveVerification(BaseModel):
    fix_effective_on: date | None
    fix_first_serial: str | None
    fix_first_batch: str | None
    effectiveness_due_on: date | None
    effectiveness: dict[str, Any] | None = PField(
        description="The last check's figures: rate_before, rate_after, claims_before, "
        "claims_after, units_before, units_after, window_days, result"
    )
    effectiveness_checked_at: datetime | None


class CorrectiveClosure(BaseModel):
    summary: str | None
    closed_at: datetime | None
    closed_by: str | None


class CorrectiveActionSummary(BaseModel):
    number: str
    state: CorrectiveState
    title: str
    owner: str | None
    product_model: str | None
    batch: str | None
    overdue_tasks: int = PField(description="Tasks past their due date, not done or cancelled")
    effectiveness_due_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int


class CorrectiveActionPage(BaseModel):
    items: list[CorrectiveActionSummary]
    next_cursor: str | None = PField(description="Pass as `cursor` to get the next page")


class CorrectiveActionRead(BaseModel):
    number: str
    state: CorrectiveState
    version: int
    title: str
    owner: str | None
    product_model: str | None
    product_model_name: str | None
    batch: str | None
    source: dict[str, Any] | None
    d1_team: list[dict[str, Any]]
    d2_problem: CorrectiveProblemSection
    d3_containment: list[CorrectiveTaskRead]
    d4_root_cause: CorrectiveRootCause
    d5_corrective: list[CorrectiveTaskRead]
    d6_verification: CorrectiveVerification
    d7_preventive: list[CorrectiveTaskRead]
    d8_closure: CorrectiveClosure
    claims: list[CorrectiveLinkedClaim]
    files: list[CorrectiveFileRead]
    allowed_actions: list[str] = PField(description="The actions you may take now")
    created_by: str
    created_at: datetime
    updated_at: datetime


class CorrectiveEventRead(BaseModel):
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any] | None


class CorrectiveWorkflowAction(BaseModel):
    action: str
    from_: list[str] = PField(alias="from")
    to: list[str]
    roles: list[str]
    summary: str
    guards: list[str]


class CorrectiveWorkflowRead(BaseModel):
    states: list[str]
    initial: str
    final: list[str]
    actions: list[CorrectiveWorkflowAction]
