"""Workflow endpoints: one typed POST per action under /api/v1/claims/{number}/…, and the
machine itself at GET /api/v1/workflow. Includes the warranty and referral routers, so the app
needs one include line for the whole area."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Response

from app.auth.principal import Principal
from app.deps import (
    AnyPrincipal,
    FreshClaimVersion,
    SessionDep,
    SettingsDep,
    etag,
    get_principal,
)
from app.enums import Action
from app.errors import problem_responses
from app.models.workflow.base import ActionBody
from app.models.workflow.bodies import BODIES
from app.models.workflow.records import ClaimRecords
from app.models.workflow.responses import ActionResult, WorkflowRead
from app.routers import referrals, warranty
from app.workflow import service as workflow
from app.workflow.info import action_path, claim_records, describe_action, workflow_read

TAGS = [
    {
        "name": "workflow",
        "description": "The claim's process: one endpoint per action. Each needs "
        "`If-Match` with the claim's ETag; the claim's `allowed_actions` lists what you may do now. "
        "`GET /api/v1/workflow` returns the whole machine and its diagram.",
    },
    {"name": "warranty", "description": "Warranty status of a unit by serial number."},
    {"name": "referrals", "description": "The design department's inbox of referral memos."},
]

router = APIRouter()
actions = APIRouter(prefix="/api/v1/claims", tags=["workflow"])
Caller = Annotated[Principal, Depends(get_principal)]
ACTION_RESPONSES = problem_responses(401, 403, 404, 409, 412, 422, 428)


def _add_action_endpoint(action: Action, body_model: type[ActionBody]) -> None:
    required = any(f.is_required() for f in body_model.model_fields.values())
    body_param = Body(...) if required else Body(None)  # an all-optional body may be omitted

    async def may_take(principal: Caller) -> Principal:
        workflow.check_role(action, principal)
        return principal

    # Parameters in the order of the checks: the key, the role, If-Match, then the body.
    async def endpoint(
        number: Annotated[str, Path(description="Claim number, e.g. CLM-2026-000123")],
        principal: Annotated[Principal, Depends(may_take)],
        version: FreshClaimVersion,
        session: SessionDep,
        settings: SettingsDep,
        response: Response,
        body: body_model = body_param,  # type: ignore[valid-type]
    ) -> ActionResult:
        result = await workflow.take_action(
            session,
            number=number,
            action=action,
            body=body or body_model(),
            expected_version=version,
            principal=principal,
            settings=settings,
        )
        response.headers["ETag"] = etag(result.version)
        return result

    endpoint.__name__ = f"{action.value}_endpoint"
    actions.add_api_route(
        action_path(action).removeprefix("/api/v1/claims"),
        endpoint,
        methods=["POST"],
        response_model=ActionResult,
        summary=describe_action(action)[0],
        description=describe_action(action)[1],
        operation_id=f"claim_{action.value}",
        responses=ACTION_RESPONSES,
    )


for _action, _body in BODIES.items():
    _add_action_endpoint(_action, _body)


@actions.get(
    "/{number}/records",
    response_model=ClaimRecords,
    summary="What the workflow recorded",
    responses=problem_responses(401, 403, 404),
)
async def read_records(
    number: Annotated[str, Path(description="Claim number, e.g. CLM-2026-000123")],
    principal: AnyPrincipal,
    session: SessionDep,
) -> ClaimRecords:
    """Referrals, design findings, inspection acts, service jobs, replacements and disputes."""
    return await claim_records(session, number=number)


@router.get(
    "/api/v1/workflow",
    response_model=WorkflowRead,
    tags=["workflow"],
    summary="The claim state machine",
    responses=problem_responses(401),
)
async def read_workflow(principal: Caller) -> Any:
    """States, actions (with roles, guards and letters), transitions and a Mermaid diagram."""
    return workflow_read()


router.include_router(actions)
router.include_router(warranty.router)
router.include_router(referrals.router)
