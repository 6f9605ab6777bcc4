"""Corrective actions (8D): open from claims or a recurring-defect group, edit D1–D8, tasks,
evidence, the state machine and the effectiveness check."""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Header, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse

from app.auth.principal import Principal
from app.claims import attachments
from app.corrective import listing, machine, records, tasks
from app.corrective import service as corrective
from app.corrective.machine import EDITORS, READERS, CorrectiveActionName
from app.deps import SessionDep, SettingsDep, etag, get_principal, parse_if_match, require
from app.enums import CorrectiveState, Role
from app.errors import problem_responses
from app.models.corrective import (
    CREATE_EXAMPLES,
    UPDATE_EXAMPLE,
    CorrectiveActionBody,
    CorrectiveActionCreate,
    CorrectiveActionPage,
    CorrectiveActionRead,
    CorrectiveActionUpdate,
    CorrectiveClaimLinks,
    CorrectiveEventRead,
    CorrectiveFileRead,
    CorrectiveTaskCreate,
    CorrectiveTaskRead,
    CorrectiveTaskUpdate,
    CorrectiveWorkflowRead,
)

TAG = "Corrective actions"
TAGS = [
    {
        "name": TAG,
        "description": "8D records that turn a recurring defect into a verified fix: opened "
        "from claims or a recurring-defect group, D2 filled from the claims, root cause, "
        "containment, corrective and preventive tasks with evidence, and an effectiveness "
        "check that compares the claim rate before and after the fix. "
        "`GET /api/v1/corrective-actions/workflow` returns the state machine.",
    }
]
router = APIRouter(prefix="/api/v1/corrective-actions", tags=[TAG])

Number = Annotated[str, Path(max_length=20, description="The record's number, e.g. CA-2026-000001")]
Reader = Annotated[Principal, Depends(require(*READERS))]
Editor = Annotated[Principal, Depends(require(*EDITORS))]
# The quality department, and design for the root cause and corrective/preventive tasks.
Contributor = Annotated[Principal, Depends(require(*EDITORS, Role.design))]
Caller = Annotated[Principal, Depends(get_principal)]
READ_PROBLEMS = problem_responses(401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 422)
VERSIONED_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422, 428)


async def ca_version(
    _: Caller,
    ca_number: Number,
    session: SessionDep,
    if_match: Annotated[
        str | None, Header(description='The record\'s ETag (its version), e.g. "3"')
    ] = None,
) -> int:
    # Checked before the body is read (auth, role, If-Match, body); again under the lock.
    expected = parse_if_match(if_match, what="corrective action")
    await records.check_fresh(session, ca_number, expected)
    return expected


Version = Annotated[int, Depends(ca_version)]
# An action's body may be left out: its fields all have defaults.
OPTIONAL_BODY = Body(
    None,
    openapi_examples={
        "none": {"summary": "No body (most actions)", "value": {}},
        "early": {"summary": "check_effectiveness early (head)", "value": {"early": True}},
        "cancel": {"summary": "cancel", "value": {"reason": "A duplicate of CA-2026-000004"}},
    },
)


def _with_etag(response: Response, read: CorrectiveActionRead) -> CorrectiveActionRead:
    response.headers["ETag"] = etag(read.version)
    return read


@router.get(
    "/workflow",
    response_model=CorrectiveWorkflowRead,
    summary="The corrective-action state machine",
    responses=problem_responses(401),
)
async def read_workflow(principal: Caller) -> Any:
    """States, and for each action the states it starts from and leads to, the roles that may
    take it and its guards in words."""
    return {
        "states": [s.value for s in CorrectiveState],
        "initial": CorrectiveState.open.value,
        "final": sorted(s.value for s in machine.FINAL),
        "actions": machine.describe(),
    }


@router.get(
    "",
    response_model=CorrectiveActionPage,
    summary="List corrective actions",
    responses=problem_responses(401, 403, 422),
)
async def list_actions(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[CorrectiveState | None, Query()] = None,
    product_model: Annotated[
        str | None, Query(max_length=64, description="A model code", examples=["PMP-200"])
    ] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: with a task past its due date, not done or cancelled"),
    ] = None,
    opened_from: Annotated[date | None, Query(description="Opened on or after (local day)")] = None,
    opened_to: Annotated[date | None, Query(description="Opened on or before (local day)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CorrectiveActionPage:
    """Newest first; follow `next_cursor` for the next page."""
    filters = listing.Filter(state, product_model, owner, overdue, opened_from, opened_to)
    return await listing.list_actions(
        session, filters=filters, limit=limit, cursor=cursor, settings=settings
    )


@router.post(
    "",
    status_code=201,
    response_model=CorrectiveActionRead,
    summary="Open a corrective action",
    responses=problem_responses(401, 403, 422),
)
async def open_action(
    principal: Editor,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    data: Annotated[CorrectiveActionCreate, Body(openapi_examples=CREATE_EXAMPLES)],
) -> CorrectiveActionRead:
    """From claims (all must exist) or from a recurring-defect group as the report shows it;
    D2 is filled from the claims (head, specialist)."""
    read = await corrective.open_action(session, data=data, principal=principal, settings=settings)
    response.headers["Location"] = f"/api/v1/corrective-actions/{read.number}"
    return _with_etag(response, read)


@router.get(
    "/{ca_number}",
    response_model=CorrectiveActionRead,
    summary="Read a corrective action",
    responses=READ_PROBLEMS,
)
async def read_action(
    ca_number: Number,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CorrectiveActionRead:
    """D1–D8, the linked claims, tasks, files and the actions you may take; `ETag` is its
    version."""
    read = await corrective.read(session, number=ca_number, principal=principal, settings=settings)
    return _with_etag(response, read)


@router.patch(
    "/{ca_number}",
    response_model=CorrectiveActionRead,
    summary="Change a corrective action",
    responses=VERSIONED_PROBLEMS,
)
async def update_action(
    ca_number: Number,
    principal: Contributor,
    version: Version,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    data: Annotated[CorrectiveActionUpdate, Body(examples=[UPDATE_EXAMPLE])],
) -> CorrectiveActionRead:
    """Only the fields sent change; needs `If-Match`. Head and specialist change any field;
    design only the root cause (whys, category, root_cause, purchased_component). A closed or
    cancelled record is 409."""
    read = await corrective.update_action(
        session,
        number=ca_number,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, read)


@router.post(
    "/{ca_number}/claims",
    response_model=CorrectiveActionRead,
    summary="Link more claims",
    responses=WRITE_PROBLEMS,
)
async def link_claims(
    ca_number: Number,
    principal: Editor,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    data: Annotated[CorrectiveClaimLinks, Body(examples=[{"claim_numbers": ["CLM-2026-000141"]}])],
) -> CorrectiveActionRead:
    """A claim linked already is no change; new ones refresh D2 and the version (head,
    specialist)."""
    read = await corrective.link_claims(
        session,
        number=ca_number,
        claim_numbers=data.claim_numbers,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, read)


def _action_endpoint(action: CorrectiveActionName) -> None:
    async def may_take(principal: Caller) -> Principal:
        machine.check_role(action, principal.roles)
        return principal

    async def endpoint(
        ca_number: Number,
        principal: Annotated[Principal, Depends(may_take)],
        version: Version,
        session: SessionDep,
        settings: SettingsDep,
        response: Response,
        body: CorrectiveActionBody | None = OPTIONAL_BODY,
    ) -> CorrectiveActionRead:
        read = await corrective.take_action(
            session,
            number=ca_number,
            action=action,
            body=body or CorrectiveActionBody(),
            expected_version=version,
            principal=principal,
            settings=settings,
        )
        return _with_etag(response, read)

    move = machine.MOVES[action]
    guards = "\n\nGuards:\n" + "".join(f"\n- {g}" for g in move.guards) if move.guards else ""
    endpoint.__name__ = f"corrective_{action.value}"
    router.add_api_route(
        f"/{{ca_number}}/actions/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=CorrectiveActionRead,
        summary=move.summary,
        description=(
            f"From {', '.join(move.sources)} to {' or '.join(move.targets)}; roles: "
            f"{', '.join(sorted(move.roles))}. Needs `If-Match`.{guards}"
        ),
        operation_id=f"corrective_{action.value}",
        responses=VERSIONED_PROBLEMS,
    )


for _action in CorrectiveActionName:
    _action_endpoint(_action)


@router.post(
    "/{ca_number}/tasks",
    status_code=201,
    response_model=CorrectiveTaskRead,
    summary="Add a task",
    responses=WRITE_PROBLEMS,
)
async def add_task(
    ca_number: Number,
    principal: Contributor,
    session: SessionDep,
    settings: SettingsDep,
    data: Annotated[
        CorrectiveTaskCreate,
        Body(
            examples=[
                {
                    "kind": "containment",
                    "description": "Check the seals of the pumps in stock",
                    "owner": "warehouse",
                    "due_date": "2026-12-15",
                }
            ]
        ),
    ],
) -> CorrectiveTaskRead:
    """Containment (head, specialist), corrective or preventive (also design)."""
    return await tasks.add_task(
        session, number=ca_number, data=data, principal=principal, settings=settings
    )


@router.patch(
    "/{ca_number}/tasks/{task_id}",
    response_model=CorrectiveTaskRead,
    summary="Change a task",
    responses=WRITE_PROBLEMS,
)
async def update_task(
    ca_number: Number,
    task_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Contributor,
    session: SessionDep,
    settings: SettingsDep,
    data: Annotated[
        CorrectiveTaskUpdate,
        Body(
            examples=[{"status": "done", "result": "New fixture fitted", "evidence_file_ids": [1]}]
        ),
    ],
) -> CorrectiveTaskRead:
    """Only the fields sent change; `done` takes `done_on` (by default today); evidence must be
    this record's files."""
    return await tasks.update_task(
        session,
        number=ca_number,
        task_id=task_id,
        data=data,
        principal=principal,
        settings=settings,
    )


@router.post(
    "/{ca_number}/files",
    status_code=201,
    response_model=CorrectiveFileRead,
    summary="Upload evidence",
    responses=problem_responses(401, 403, 404, 409, 413, 415, 422),
)
async def upload_evidence(
    ca_number: Number,
    principal: Contributor,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Photo, PDF, document; as claim attachments")],
) -> CorrectiveFileRead:
    """multipart/form-data, field `file`; the same types and size limit as claim attachments."""
    return await tasks.add_file(
        session,
        number=ca_number,
        source=file.file,
        filename=file.filename or "file",
        content_type=file.content_type or "application/octet-stream",
        principal=principal,
        settings=settings,
    )


@router.get(
    "/{ca_number}/files/{file_id}",
    response_class=FileResponse,
    summary="Download evidence",
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {}}},
        **READ_PROBLEMS,
    },
)
async def download_evidence(
    ca_number: Number,
    file_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    """The stored file with its name and checked type."""
    found = await tasks.get_file(session, number=ca_number, file_id=file_id)
    return FileResponse(
        attachments.open_stored(settings, found.storage_key),
        media_type=found.content_type,
        headers={"Content-Disposition": attachments.content_disposition(found.filename)},
    )


@router.get(
    "/{ca_number}/events",
    response_model=list[CorrectiveEventRead],
    summary="The audit trail",
    responses=READ_PROBLEMS,
)
async def read_events(
    ca_number: Number, principal: Reader, session: SessionDep
) -> list[CorrectiveEventRead]:
    """Every change, who made it, the states before and after, oldest first."""
    return await corrective.events(session, ca_number)
