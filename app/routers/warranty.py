"""Warranty status by serial number."""

from typing import Annotated

from fastapi import APIRouter, Path

from app.catalog import warranty_check
from app.deps import AnyPrincipal, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.workflow.responses import WarrantyRead
from app.workdays import today

router = APIRouter(prefix="/api/v1/warranty", tags=["warranty"])


@router.get(
    "/{serial}",
    response_model=WarrantyRead,
    summary="Warranty status of a unit",
    responses=problem_responses(401, 403),
)
async def read_warranty(
    serial: Annotated[str, Path(min_length=1, max_length=64, examples=["PMP200-2025-001234"])],
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> WarrantyRead:
    """In warranty, expired, void or unknown unit, today, with the reasons and the end date."""
    return await warranty_check.warranty_by_serial(session, serial=serial, today=today(settings))
