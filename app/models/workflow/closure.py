"""Request bodies of disputes, the written withdrawal, closure and reopening."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.enums import (
    CostBearer,
    Resolution,
)
from app.models.workflow.base import ActionBody


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
