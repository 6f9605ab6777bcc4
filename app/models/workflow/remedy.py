"""Request bodies of the remedy: field visit, return to the plant, inspection act, repair, replacement, substitute unit."""

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.enums import (
    CostBearer,
    FieldVisitOutcome,
    RemedyKind,
)
from app.models.workflow.base import NOTE, ActionBody
from app.models.workflow_records import Culpability


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
    replacement_product: str | None = Field(
        default=None,
        max_length=500,
        description="The new product offered (model and name)",
        examples=["PMP-200 circulation pump"],
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
    replacement_serial: str = Field(
        min_length=1,
        max_length=64,
        examples=["PMP200-2026-000777"],
        description="A new serial, or a unit from stock; a unit of another customer, sold to "
        "an unrecorded owner, or with open claims is refused (409)",
    )
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
