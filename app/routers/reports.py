"""Reports for the quality department, management and accounting; costs of a claim."""

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, Response, status

from app.auth.principal import Principal
from app.deps import ClaimDep, SessionDep, SettingsDep, require
from app.enums import Role
from app.errors import problem_responses
from app.models.claims import Channel
from app.models.reports import (
    ClaimCostCreate,
    ClaimCostList,
    ClaimCostRead,
    CostReport,
    RecurringReport,
    SummaryReport,
)
from app.reports import costs
from app.reports import service as reports
from app.reports.export import costs_csv, recurring_csv, summary_csv
from app.reports.negotiation import csv_response, wants_csv

router = APIRouter(tags=["reports"])

ReportReader = Annotated[
    Principal, Depends(require(Role.auditor, Role.head, Role.director, Role.specialist))
]
CostRecorder = Annotated[Principal, Depends(require(Role.service, Role.head))]
CostReader = Annotated[
    Principal,
    Depends(require(Role.service, Role.head, Role.specialist, Role.auditor, Role.director)),
]
Format = Annotated[
    Literal["json", "csv"] | None,
    Query(description="`csv` for a CSV file; otherwise chosen by the Accept header"),
]
Accept = Annotated[str | None, Header(include_in_schema=False)]
From = Annotated[date | None, Query(description="First day of receipt (company time zone)")]
To = Annotated[date | None, Query(description="Last day of receipt, inclusive")]
CSV_DOC = {
    "content": {"text/csv": {"schema": {"type": "string"}}},
    "description": "The report (JSON, or CSV with `Accept: text/csv` or `?format=csv`)",
}
READ_ERRORS = problem_responses(401, 403, 422)


@router.get(
    "/api/v1/reports/summary",
    response_model=SummaryReport,
    summary="Claims summary",
    responses={200: CSV_DOC, **READ_ERRORS},
)
async def summary(
    _: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    received_from: From = None,
    received_to: To = None,
    channel: Annotated[Channel | None, Query(description="Only claims from this channel")] = None,
    product_model: Annotated[str | None, Query(max_length=64, examples=["PMP-200"])] = None,
    format: Format = None,
    accept: Accept = None,
) -> SummaryReport | Response:
    """Claims by state, channel, model, cause and resolution; times to acknowledge and close
    (median, 90th percentile); share acknowledged within 3 and 5 working days."""
    report = await reports.summary(
        session,
        settings=settings,
        received_from=received_from,
        received_to=received_to,
        channel=channel,
        product_model=product_model,
    )
    if wants_csv(format, accept):
        return csv_response(summary_csv(report), "claims-summary")
    return report


@router.get(
    "/api/v1/reports/recurring-defects",
    response_model=RecurringReport,
    summary="Recurring defects",
    responses={200: CSV_DOC, **READ_ERRORS},
)
async def recurring_defects(
    _: ReportReader,
    session: SessionDep,
    settings: SettingsDep,
    received_from: From = None,
    received_to: To = None,
    product_model: Annotated[str | None, Query(max_length=64)] = None,
    threshold: Annotated[
        int | None,
        Query(
            ge=2,
            le=10000,
            description=(
                "Claims with one cause on one model that make it systematic; default "
                "CLAIMS_REPORTS_RECURRING_THRESHOLD"
            ),
        ),
    ] = None,
    min_claims: Annotated[int, Query(ge=2, le=10000, description="Smallest group listed")] = 2,
    min_similarity: Annotated[
        float | None,
        Query(
            gt=0,
            le=1,
            description=("Similarity for grouping uncoded descriptions; default per method"),
        ),
    ] = None,
    format: Format = None,
    accept: Accept = None,
) -> RecurringReport | Response:
    """Models (and serial batches) with repeated claims of one cause in the window (default:
    the last CLAIMS_REPORTS_RECURRING_WINDOW_DAYS days), and groups of alike descriptions
    not yet coded with a cause."""
    report = await reports.recurring_defects(
        session,
        settings=settings,
        received_from=received_from,
        received_to=received_to,
        product_model=product_model,
        threshold=threshold,
        min_claims=min_claims,
        min_similarity=min_similarity,
    )
    if wants_csv(format, accept):
        return csv_response(recurring_csv(report), "recurring-defects")
    return report


@router.get(
    "/api/v1/reports/costs",
    response_model=CostReport,
    summary="Costs for accounting",
    responses={200: CSV_DOC, **READ_ERRORS},
)
async def cost_report(
    _: ReportReader,
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100, description="Accounting year (incurred_on)")],
    format: Format = None,
    accept: Accept = None,
) -> CostReport | Response:
    """Repair, replacement, field-visit and transport costs of a year by cost bearer and by
    product model, per currency."""
    report = await reports.costs(session, year=year)
    if wants_csv(format, accept):
        return csv_response(costs_csv(report), f"claim-costs-{year}")
    return report


@router.post(
    "/api/v1/claims/{number}/costs",
    response_model=ClaimCostRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a cost",
    tags=["claims"],
    responses=problem_responses(401, 403, 404, 422),
)
async def record_cost(
    principal: CostRecorder,
    claim: ClaimDep,
    data: ClaimCostCreate,
    session: SessionDep,
    settings: SettingsDep,
) -> ClaimCostRead:
    """Record a repair, replacement, field-visit or transport cost on the claim."""
    return await costs.record_cost(
        session, claim=claim, data=data, principal=principal, settings=settings
    )


@router.get(
    "/api/v1/claims/{number}/costs",
    response_model=ClaimCostList,
    summary="Costs of a claim",
    tags=["claims"],
    responses=problem_responses(401, 403, 404),
)
async def list_costs(_: CostReader, claim: ClaimDep, session: SessionDep) -> ClaimCostList:
    """The costs recorded on the claim, with totals per currency."""
    return await costs.list_costs(session, claim=claim)
