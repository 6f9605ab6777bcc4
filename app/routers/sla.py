"""A claim's SLA clock: acknowledgement and resolution deadlines, pauses, reminders."""

from fastapi import APIRouter

from app.deps import AnyPrincipal, ClaimDep, SessionDep, SettingsDep
from app.errors import problem_responses
from app.models.events import SlaRead
from app.models.types import utcnow
from app.sla import service as sla

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])


@router.get(
    "/{number}/sla",
    response_model=SlaRead,
    summary="A claim's SLA clock",
    responses=problem_responses(401, 403, 404),
)
async def read_sla(
    principal: AnyPrincipal, claim: ClaimDep, session: SessionDep, settings: SettingsDep
) -> SlaRead:
    """Deadlines and their status now; the resolution clock pauses while the customer is awaited."""
    return await sla.read_sla(session, claim=claim, settings=settings, now=utcnow())
