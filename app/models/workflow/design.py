"""Request bodies of the design stage: the referral memo, the designers' answer, the customer's confirmation."""

from datetime import date
from typing import Any

from pydantic import Field, model_validator

from app.enums import (
    DefectCause,
    RemedyKind,
    Urgency,
)
from app.models.workflow.base import NOTE, ActionBody


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
