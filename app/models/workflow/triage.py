"""Request bodies of triage: the warranty check, information from the customer, paid repair."""

from datetime import date
from decimal import Decimal

from pydantic import Field

from app.models.workflow.base import NOTE, ActionBody


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
    response_due: date | None = Field(
        default=None, description="The date by which the customer is asked to answer"
    )


class CustomerInformation(ActionBody):
    summary: str | None = Field(
        default=None, max_length=5000, description="What the customer answered (when not a message)"
    )


class PaidRepairOffer(ActionBody):
    estimated_cost: Decimal | None = Field(
        default=None, ge=0, max_digits=12, decimal_places=2, examples=["450.00"]
    )
    currency: str = Field(default="EUR", pattern=r"^[A-Z]{3}$")
    repair_duration: str | None = Field(
        default=None, max_length=200, description="How long the repair takes", examples=["10 days"]
    )
    guarantee_due: date | None = Field(
        default=None, description="The date by which the payment guarantee is expected"
    )
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
