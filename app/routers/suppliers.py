"""Suppliers (kept like customers) and the claims the company makes against them."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Response, status

from app.auth.principal import Principal
from app.deps import SessionDep, SettingsDep, etag, get_principal, parse_if_match, require
from app.enums import SupplierClaimState
from app.errors import problem_responses
from app.models.suppliers import (
    ACTION_BODIES,
    SupplierClaimAction,
    SupplierClaimCreate,
    SupplierClaimEventRead,
    SupplierClaimPage,
    SupplierClaimRead,
    SupplierClaimUpdate,
    SupplierContactIn,
    SupplierContactUpdate,
    SupplierCreate,
    SupplierEventRead,
    SupplierPage,
    SupplierRead,
    SupplierUpdate,
    SupplierWorkflowRead,
)
from app.suppliers import claims as supplier_claims
from app.suppliers import machine
from app.suppliers import records as suppliers

TAGS = [
    {
        "name": "Suppliers",
        "description": "Suppliers of purchased components and their contact persons, kept like "
        "customers. Specialists and heads edit; directors and auditors read.",
    },
    {
        "name": "Supplier claims",
        "description": "Claims against a supplier for a faulty component, linked to the customer "
        "claims and the corrective action. One endpoint per action, each with `If-Match`; "
        "`GET /api/v1/supplier-claims/workflow` returns the machine.",
    },
]

router = APIRouter()
supplier_router = APIRouter(prefix="/api/v1/suppliers", tags=["Suppliers"])
claim_router = APIRouter(prefix="/api/v1/supplier-claims", tags=["Supplier claims"])

Reader = Annotated[Principal, Depends(require(*machine.READERS))]
Editor = Annotated[Principal, Depends(require(*machine.ACTORS))]
SupplierId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The supplier's id")]
SupplierContactId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The id of one of the supplier's contacts")
]
ScNumber = Annotated[
    str, Path(max_length=40, description="The supplier claim's number, e.g. SC-2026-000001")
]
READ_PROBLEMS = problem_responses(401, 403, 404, 422)
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422, 428)


async def supplier_version(
    _: Editor,
    supplier_id: SupplierId,
    session: SessionDep,
    if_match: Annotated[
        str | None, Header(description='The supplier\'s ETag (its version), e.g. "3"')
    ] = None,
) -> int:
    # Checked before the body is read (authentication, role, If-Match, body); the service
    # checks again under its lock.
    expected = parse_if_match(if_match, what="supplier")
    await suppliers.check_fresh(session, supplier_id, expected)
    return expected


async def claim_version(
    _: Annotated[Principal, Depends(get_principal)],
    sc_number: ScNumber,
    session: SessionDep,
    if_match: Annotated[
        str | None, Header(description='The supplier claim\'s ETag (its version), e.g. "3"')
    ] = None,
) -> int:
    expected = parse_if_match(if_match, what="supplier claim")
    await supplier_claims.check_fresh(session, sc_number, expected)
    return expected


SupplierVersion = Annotated[int, Depends(supplier_version)]
ClaimVersion = Annotated[int, Depends(claim_version)]


def _supplier(response: Response, supplier: SupplierRead) -> SupplierRead:
    response.headers["ETag"] = etag(supplier.version)
    return supplier


def _claim(response: Response, sc: SupplierClaimRead) -> SupplierClaimRead:
    response.headers["ETag"] = etag(sc.version)
    return sc


# ---- suppliers ---------------------------------------------------------------------------------


@supplier_router.get(
    "",
    response_model=SupplierPage,
    summary="List and search suppliers",
    responses=problem_responses(401, 403, 422),
)
async def list_suppliers(
    _: Reader,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Part of the name, short name or what it supplies; a registration or "
            "VAT number; a contact's email or phone",
            examples=["elektromotor", "131234567"],
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> SupplierPage:
    """Alphabetical by name, with their contacts; follow `next_cursor` for the next page."""
    return await suppliers.list_suppliers(
        session, q=q, limit=limit, cursor=cursor, region=settings.phone_default_region
    )


@supplier_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplierRead,
    summary="Create a supplier",
    responses=problem_responses(401, 403, 422),
)
async def create_supplier(
    principal: Editor,
    data: SupplierCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierRead:
    """A supplier with its contacts (specialist, head)."""
    supplier = await suppliers.create_supplier(
        session, data=data, principal=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/suppliers/{supplier.id}"
    return _supplier(response, supplier)


@supplier_router.get(
    "/{supplier_id}",
    response_model=SupplierRead,
    summary="Read a supplier",
    responses=READ_PROBLEMS,
)
async def read_supplier(
    supplier_id: SupplierId, _: Reader, session: SessionDep, response: Response
) -> SupplierRead:
    """The record with its contacts and how many claims name it; `ETag` is its version."""
    return _supplier(response, await suppliers.read_supplier(session, supplier_id))


@supplier_router.patch(
    "/{supplier_id}",
    response_model=SupplierRead,
    summary="Change a supplier",
    responses=WRITE_PROBLEMS,
)
async def update_supplier(
    supplier_id: SupplierId,
    principal: Editor,
    version: SupplierVersion,
    data: SupplierUpdate,
    session: SessionDep,
    response: Response,
) -> SupplierRead:
    """Only the fields sent change (specialist, head); needs `If-Match`."""
    supplier = await suppliers.update_supplier(
        session,
        supplier_id=supplier_id,
        data=data,
        expected_version=version,
        principal=principal,
    )
    return _supplier(response, supplier)


@supplier_router.delete(
    "/{supplier_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a supplier",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def delete_supplier(
    supplier_id: SupplierId, principal: Editor, version: SupplierVersion, session: SessionDep
) -> Response:
    """Only while no claim names it (409 otherwise): a record entered by mistake. Its contacts
    and history go with it; a `supplier.deleted` event records who deleted it. Needs
    `If-Match`."""
    await suppliers.delete_supplier(
        session, supplier_id=supplier_id, expected_version=version, principal=principal
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@supplier_router.post(
    "/{supplier_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplierRead,
    summary="Add a contact person",
    responses=WRITE_PROBLEMS,
)
async def add_contact(
    supplier_id: SupplierId,
    principal: Editor,
    version: SupplierVersion,
    data: SupplierContactIn,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierRead:
    """A change to the supplier: needs its `If-Match`, answers with the supplier and its new
    ETag; the new contact is the last of `contacts`."""
    supplier = await suppliers.add_contact(
        session,
        supplier_id=supplier_id,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _supplier(response, supplier)


@supplier_router.patch(
    "/{supplier_id}/contacts/{supplier_contact_id}",
    response_model=SupplierRead,
    summary="Change a contact person",
    responses=WRITE_PROBLEMS,
)
async def update_contact(
    supplier_id: SupplierId,
    supplier_contact_id: SupplierContactId,
    principal: Editor,
    version: SupplierVersion,
    data: SupplierContactUpdate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierRead:
    """Only the fields sent change; needs the supplier's `If-Match`."""
    supplier = await suppliers.update_contact(
        session,
        supplier_id=supplier_id,
        contact_id=supplier_contact_id,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _supplier(response, supplier)


@supplier_router.get(
    "/{supplier_id}/history",
    response_model=list[SupplierEventRead],
    summary="A supplier's history",
    responses=READ_PROBLEMS,
)
async def supplier_history(
    supplier_id: SupplierId, _: Reader, session: SessionDep
) -> list[SupplierEventRead]:
    """Every change with who made it and the values before and after, oldest first."""
    return await suppliers.history(session, supplier_id)


# ---- supplier claims ---------------------------------------------------------------------------


@claim_router.get(
    "/workflow",
    response_model=SupplierWorkflowRead,
    summary="The supplier claim state machine",
    responses=problem_responses(401, 403),
)
async def read_workflow(_: Reader) -> Any:
    """States, actions (with roles and the states they are taken from), transitions and a
    Mermaid diagram."""
    return machine.workflow_read()


@claim_router.get(
    "",
    response_model=SupplierClaimPage,
    summary="List supplier claims",
    responses=problem_responses(401, 403, 422),
)
async def list_claims(
    _: Reader,
    session: SessionDep,
    settings: SettingsDep,
    state: Annotated[SupplierClaimState | None, Query()] = None,
    supplier_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    corrective_action: Annotated[
        str | None,
        Query(
            max_length=40, description="A corrective action's number", examples=["CA-2026-000004"]
        ),
    ] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    overdue: Annotated[
        bool | None,
        Query(description="Sent and not answered within CLAIMS_SUPPLIER_CLAIM_ANSWER_DAYS"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> SupplierClaimPage:
    """Newest first; follow `next_cursor` for the next page."""
    filters = supplier_claims.ClaimFilter(
        state=state,
        supplier_id=supplier_id,
        corrective_action=corrective_action,
        owner=owner,
        overdue=overdue,
    )
    return await supplier_claims.list_claims(
        session, filters=filters, limit=limit, cursor=cursor, settings=settings
    )


@claim_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=SupplierClaimRead,
    summary="Register a claim against a supplier",
    responses=problem_responses(401, 403, 422),
)
async def create_claim(
    principal: Editor,
    data: SupplierClaimCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierClaimRead:
    """A draft numbered SC-YYYY-NNNNNN, linked to the customer claims (at least one) and, when
    given, the corrective action; evidence must be attachments of those claims (specialist,
    head)."""
    sc = await supplier_claims.create_claim(
        session, data=data, principal=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/supplier-claims/{sc.number}"
    return _claim(response, sc)


@claim_router.get(
    "/{sc_number}",
    response_model=SupplierClaimRead,
    summary="Read a supplier claim",
    responses=READ_PROBLEMS,
)
async def read_claim(
    sc_number: ScNumber,
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierClaimRead:
    """With the linked claims, the evidence, the amounts, the actions the caller may take now
    and the audit trail; `ETag` is its version."""
    return _claim(
        response,
        await supplier_claims.read_claim(
            session, sc_number, principal=principal, settings=settings
        ),
    )


@claim_router.patch(
    "/{sc_number}",
    response_model=SupplierClaimRead,
    summary="Change a supplier claim",
    responses=WRITE_PROBLEMS,
)
async def update_claim(
    sc_number: ScNumber,
    principal: Editor,
    version: ClaimVersion,
    data: SupplierClaimUpdate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> SupplierClaimRead:
    """A draft changes freely; once sent only `owner`, `contact_id` and `corrective_action`
    (409 names the frozen fields); once settled, nothing. Needs `If-Match`."""
    sc = await supplier_claims.update_claim(
        session,
        number=sc_number,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _claim(response, sc)


@claim_router.get(
    "/{sc_number}/events",
    response_model=list[SupplierClaimEventRead],
    summary="A supplier claim's audit trail",
    responses=READ_PROBLEMS,
)
async def claim_events(
    sc_number: ScNumber, _: Reader, session: SessionDep
) -> list[SupplierClaimEventRead]:
    """Every change and transition, oldest first."""
    return await supplier_claims.events(session, await supplier_claims.get(session, sc_number))


def _add_action(action: SupplierClaimAction) -> None:
    body_model = ACTION_BODIES[action]
    rule = machine.rule(action)
    required = any(f.is_required() for f in body_model.model_fields.values())
    body_param = Body(...) if required else Body(None)  # an all-optional body may be omitted

    # Parameters in the order of the checks: the key, the role, If-Match, then the body.
    async def endpoint(
        sc_number: ScNumber,
        principal: Editor,
        version: ClaimVersion,
        session: SessionDep,
        settings: SettingsDep,
        response: Response,
        body: body_model = body_param,  # type: ignore[valid-type]
    ) -> SupplierClaimRead:
        sc = await supplier_claims.take_action(
            session,
            number=sc_number,
            action=action,
            body=body or body_model(),
            expected_version=version,
            principal=principal,
            settings=settings,
        )
        return _claim(response, sc)

    endpoint.__name__ = f"supplier_claim_{action.value}"
    sources = ", ".join(rule.sources)
    claim_router.add_api_route(
        f"/{{sc_number}}/actions/{action.value}",
        endpoint,
        methods=["POST"],
        response_model=SupplierClaimRead,
        summary=rule.description,
        description=f"From {sources} to {rule.target} (specialist, head). Needs `If-Match`; "
        "409 from any other state.",
        operation_id=f"supplier_claim_{action.value}",
        responses=WRITE_PROBLEMS,
    )


for _action in SupplierClaimAction:
    _add_action(_action)

router.include_router(supplier_router)
router.include_router(claim_router)
