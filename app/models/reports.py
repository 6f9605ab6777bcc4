"""Claim costs (recorded by the service centre) and the reports' response schemas."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

import pydantic
from pydantic import BaseModel
from sqlalchemy import Index, Numeric, String
from sqlmodel import Field, SQLModel

from app.enums import CostBearer
from app.models.types import Money, UTCDateTime, utcnow


class CostKind(StrEnum):
    repair = "repair"
    replacement = "replacement"
    field_visit = "field_visit"
    transport = "transport"


class ClaimCost(SQLModel, table=True):
    __tablename__ = "claim_costs"
    __table_args__ = (Index("ix_claim_costs_incurred_on", "incurred_on"),)

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="claims.id", index=True)
    # The claim's model, copied so that the costs report reads the year's cost rows alone.
    # Database triggers (migration `cost_models`) set it on every write and follow every
    # change of the claim's model: no writer sets it.
    product_model_id: int | None = Field(default=None)
    kind: CostKind = Field(sa_type=String(20))
    amount: Decimal = Field(sa_type=Numeric(14, 2))
    currency: str = Field(sa_type=String(3))
    # NULL while the claim is disputed: no bearer is agreed yet (see record_cost).
    cost_bearer: CostBearer | None = Field(default=None, sa_type=String(20), nullable=True)
    incurred_on: date
    note: str | None = Field(default=None, max_length=2000)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)


# ---- costs: request and response ----------------------------------------------------------


class ClaimCostCreate(SQLModel):
    kind: CostKind = Field(description="What the money was spent on")
    amount: Decimal = Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        description="Amount, at most 2 decimals",
        schema_extra={"examples": ["245.50"]},
    )
    currency: str | None = Field(
        default=None,
        description="ISO 4217 code; defaults to CLAIMS_REPORTS_CURRENCY",
        schema_extra={"pattern": "^[A-Z]{3}$", "examples": ["EUR"]},
    )
    cost_bearer: CostBearer | None = Field(
        default=None,
        description="Who pays (the vocabulary of the inspection act). Defaults from the claim: "
        "its cost bearer, or none while the claim is disputed (booked as not agreed yet); "
        "required when the claim has no cost bearer",
    )
    incurred_on: date | None = Field(
        default=None,
        description="Date the cost was incurred (the accounting year); defaults to today",
        schema_extra={"examples": ["2026-03-14"]},
    )
    note: str | None = Field(
        default=None,
        max_length=2000,
        schema_extra={"examples": ["Motor replaced on site, 2 technicians"]},
    )


class ClaimCostRead(SQLModel):
    id: int
    claim_number: str = Field(schema_extra={"examples": ["CLM-2026-000123"]})
    kind: CostKind
    amount: Money
    currency: str
    cost_bearer: CostBearer | None = Field(
        description="Who pays; null: not agreed yet (booked while the claim was disputed)"
    )
    incurred_on: date
    note: str | None
    recorded_at: datetime
    recorded_by: str


class CurrencyTotal(SQLModel):
    currency: str
    amount: Money


class ClaimCostList(SQLModel):
    items: list[ClaimCostRead]
    totals: list[CurrencyTotal] = Field(description="Sum per currency (never across currencies)")


# ---- summary report --------------------------------------------------------------------------


class CountRow(SQLModel):
    key: str | None = Field(description="The value counted; null when not set (e.g. no cause yet)")
    claims: int


class DurationStats(SQLModel):
    claims: int = Field(description="Claims with a measured duration")
    median_hours: float | None
    p90_hours: float | None = Field(description="90th percentile (continuous, as percentile_cont)")


class Compliance(SQLModel):
    met: int = Field(description="Acknowledged on or before the due date")
    missed: int = Field(description="Acknowledged late, or not acknowledged and the date passed")
    pending: int = Field(description="Not acknowledged yet, due date not passed")
    share: float | None = Field(description="met / (met + missed); null when nothing is decided")


class SatisfactionRow(SQLModel):
    key: str | None = Field(
        description="The month of closure (YYYY-MM, company time) or the product model's code; "
        "null: no model known"
    )
    closed_claims: int
    rated: int = Field(description="Closed claims the customer rated")
    response_rate: float | None = Field(description="rated / closed_claims; null when none closed")
    average_rating: float | None = Field(description="Mean of the ratings (1 to 5); null if none")


class Satisfaction(SQLModel):
    """The customers' ratings of the handling, among the report's claims that are closed."""

    closed_claims: int = 0
    rated: int = 0
    response_rate: float | None = None
    average_rating: float | None = None
    by_month: list[SatisfactionRow] = Field(
        default_factory=list, description="By the month the claim was closed, oldest first"
    )
    by_product_model: list[SatisfactionRow] = Field(
        default_factory=list, description="Most closed claims first"
    )


class SummaryReport(SQLModel):
    received_from: date | None
    received_to: date | None
    channel: str | None
    product_model: str | None
    as_of: date = Field(description="Today in the company's time zone, for pending deadlines")
    total_claims: int
    by_state: list[CountRow]
    by_channel: list[CountRow]
    by_product_model: list[CountRow]
    by_defect_cause: list[CountRow]
    by_resolution: list[CountRow]
    time_to_acknowledge: DurationStats
    time_to_close: DurationStats
    acknowledged_within_3_working_days: Compliance
    acknowledged_within_5_working_days: Compliance
    satisfaction: Satisfaction = Field(
        default_factory=Satisfaction,
        description="Ratings asked for at closure (claims received in the period and closed)",
    )


# ---- recurring defects -----------------------------------------------------------------------


# A plain pydantic model, as the listing's items are (app/models/claims.py): a year's report at
# 1M claims holds ~16,000 batches, and SQLModel's __init__ took twice a plain model's CPU
# (~4 against ~2 µs each, 60-70 against 26-33 ms), all of it on the event loop.
class Batch(BaseModel):
    batch: str = pydantic.Field(description="Serial-number prefix standing for a production batch")
    claims: int
    serial_min: str
    serial_max: str
    systematic: bool


class RecurringGroup(SQLModel):
    product_model: str
    product_model_name: str
    defect_cause: str
    claims: int
    model_claims: int = Field(description="All claims on this model in the window")
    share_of_model: float
    systematic: bool = Field(description="claims >= threshold")
    first_received_at: datetime
    last_received_at: datetime
    serial_min: str | None
    serial_max: str | None
    batches: list[Batch] = Field(description="Serial prefixes with 2+ of these claims")
    claim_numbers: list[str]


class SimilarGroup(SQLModel):
    product_model: str | None
    claims: int
    systematic: bool
    common_terms: list[str] = Field(description="Words at least half the descriptions share")
    sample_description: str
    claim_numbers: list[str]


class SimilarDescriptions(SQLModel):
    method: str = Field(description="`pg_trgm` (PostgreSQL trigram similarity) or `token_jaccard`")
    min_similarity: float
    candidates: int = Field(description="Uncoded claims compared (the newest, at most the limit)")
    candidate_limit: int
    groups: list[SimilarGroup]


class RecurringReport(SQLModel):
    received_from: date
    received_to: date
    product_model: str | None
    threshold: int
    min_claims: int
    by_cause: list[RecurringGroup]
    similar_descriptions: SimilarDescriptions


# ---- costs -----------------------------------------------------------------------------------


class CostRow(SQLModel):
    key: str | None = Field(
        description="Cost bearer or model code; null: no bearer agreed yet (the claim was "
        "disputed), or the model is unknown"
    )
    currency: str
    entries: int
    repair: Money
    replacement: Money
    field_visit: Money
    transport: Money
    total: Money


class RecoveredRow(SQLModel):
    """Money recovered from a supplier on claims against it (paid or credited)."""

    supplier_id: int | None = Field(description="Null in the per-currency totals")
    supplier: str | None = Field(schema_extra={"examples": ["Elektromotor AD"]})
    currency: str
    supplier_claims: int = Field(description="Settled supplier claims counted")
    amount: Money


class NetCostRow(SQLModel):
    currency: str
    costs: Money = Field(description="The claims' costs of the year (the `totals` row)")
    recovered: Money = Field(description="Recovered from suppliers in the year")
    net: Money = Field(description="costs - recovered")


class CostReport(SQLModel):
    year: int
    by_cost_bearer: list[CostRow]
    by_product_model: list[CostRow]
    totals: list[CostRow] = Field(description="One row per currency; key is null")
    recovered_by_supplier: list[RecoveredRow] = Field(
        default_factory=list,
        description="Recovered from suppliers, by the year of `recovered_on`, per supplier and "
        "currency",
    )
    recovered: list[RecoveredRow] = Field(
        default_factory=list, description="Recovered from suppliers, one row per currency"
    )
    net_costs: list[NetCostRow] = Field(
        default_factory=list,
        description="Per currency: the claims' costs less what suppliers paid back",
    )
