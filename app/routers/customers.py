"""Customers: organisations and private persons, their contacts, merges and history."""

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from app.auth.principal import Principal
from app.customers import listing, merging
from app.customers import service as customers
from app.customers.rules import EDITORS, PATCHERS
from app.deps import (
    AnyPrincipal,
    SessionDep,
    SettingsDep,
    etag,
    get_principal,
    parse_if_match,
    require,
)
from app.errors import problem_responses
from app.models.customers import (
    ContactIn,
    ContactUpdate,
    CustomerCreate,
    CustomerEventRead,
    CustomerKind,
    CustomerMerge,
    CustomerPage,
    CustomerRead,
    CustomerUpdate,
)

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])

CustomerId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The customer's id")]
ContactId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The contact's id")]
Editor = Annotated[Principal, Depends(require(*EDITORS))]
# Editors, and the director for the key-customer flag alone (app/customers/rules.py).
Patcher = Annotated[Principal, Depends(require(*PATCHERS))]


async def customer_version(
    _: Annotated[Principal, Depends(get_principal)],
    customer_id: CustomerId,
    session: SessionDep,
    if_match: Annotated[
        str | None, Header(description='The customer\'s ETag (its version), e.g. "3"')
    ] = None,
) -> int:
    # Checked against the customer before the body is read (authentication, role, If-Match,
    # body); the service checks again under its lock.
    expected = parse_if_match(if_match, what="customer")
    await customers.check_fresh(session, customer_id, expected)
    return expected


CustomerVersion = Annotated[int, Depends(customer_version)]
WRITE_PROBLEMS = problem_responses(401, 403, 404, 409, 412, 422, 428)


def _with_etag(response: Response, customer: CustomerRead) -> CustomerRead:
    response.headers["ETag"] = etag(customer.version)
    return customer


@router.get(
    "",
    response_model=CustomerPage,
    summary="List and search customers",
    responses=problem_responses(401, 403, 422),
)
async def list_customers(
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    q: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Part of the name or short name (case and quotes aside), a registration "
            "or VAT number, or a contact's email or phone (any notation)",
            examples=["siltums", "40003012345", "+371 2000 0000"],
        ),
    ] = None,
    kind: Annotated[CustomerKind | None, Query()] = None,
    key_customer: Annotated[bool | None, Query(description="Only key customers, or none")] = None,
    include_merged: Annotated[
        bool, Query(description="Also the duplicates merged into another record")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> CustomerPage:
    """Alphabetical by name, with their contacts; follow `next_cursor` for the next page."""
    filters = listing.CustomerFilter(
        q=q, kind=kind, key_customer=key_customer, include_merged=include_merged
    )
    return await listing.list_customers(
        session,
        filters=filters,
        limit=limit,
        cursor=cursor,
        region=settings.phone_default_region,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerRead,
    summary="Create a customer",
    responses=problem_responses(401, 403, 422),
)
async def create_customer(
    principal: Editor,
    data: CustomerCreate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CustomerRead:
    """An organisation or a private person, with its contacts (specialist, head; only a head
    may create it as a key customer)."""
    customer = await customers.create_customer(
        session, data=data, principal=principal, settings=settings
    )
    response.headers["Location"] = f"/api/v1/customers/{customer.id}"
    return _with_etag(response, customer)


@router.get(
    "/{customer_id}",
    response_model=CustomerRead,
    summary="Read a customer",
    responses=problem_responses(401, 403, 404, 422),
)
async def read_customer(
    customer_id: CustomerId, principal: AnyPrincipal, session: SessionDep, response: Response
) -> CustomerRead:
    """The record with its contacts and most recent claims; `ETag` is its version. A merged
    duplicate still reads, with `merged_into_id`."""
    return _with_etag(response, await customers.read_customer(session, customer_id))


@router.patch(
    "/{customer_id}",
    response_model=CustomerRead,
    summary="Change a customer",
    responses=WRITE_PROBLEMS,
)
async def update_customer(
    customer_id: CustomerId,
    data: CustomerUpdate,
    principal: Patcher,
    version: CustomerVersion,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CustomerRead:
    """Only the fields sent change (specialist, head). The key-customer flag: head and director
    only; a director may change nothing else. Needs `If-Match`; 409 once merged away.

    Setting or clearing the flag moves the acknowledgement due date of the customer's claims
    not yet acknowledged, when CLAIMS_KEY_CUSTOMER_ACK_DUE_WORKING_DAYS is set."""
    customer = await customers.update_customer(
        session,
        customer_id=customer_id,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, customer)


@router.post(
    "/{customer_id}/contacts",
    status_code=status.HTTP_201_CREATED,
    response_model=CustomerRead,
    summary="Add a contact person",
    responses=WRITE_PROBLEMS,
)
async def add_contact(
    customer_id: CustomerId,
    data: ContactIn,
    principal: Editor,
    version: CustomerVersion,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CustomerRead:
    """A change to the customer (specialist, head): needs its `If-Match`, answers with the
    customer and its new ETag; the new contact is the last of `contacts`."""
    customer = await customers.add_contact(
        session,
        customer_id=customer_id,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, customer)


@router.patch(
    "/{customer_id}/contacts/{contact_id}",
    response_model=CustomerRead,
    summary="Change a contact person",
    responses=WRITE_PROBLEMS,
)
async def update_contact(
    customer_id: CustomerId,
    contact_id: ContactId,
    data: ContactUpdate,
    principal: Editor,
    version: CustomerVersion,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CustomerRead:
    """Only the fields sent change (specialist, head); needs the customer's `If-Match` and
    answers with the customer."""
    customer = await customers.update_contact(
        session,
        customer_id=customer_id,
        contact_id=contact_id,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, customer)


@router.post(
    "/{customer_id}/merge",
    response_model=CustomerRead,
    summary="Merge a duplicate into this customer",
    responses=WRITE_PROBLEMS,
)
async def merge_customer(
    customer_id: CustomerId,
    data: CustomerMerge,
    principal: Editor,
    version: CustomerVersion,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> CustomerRead:
    """The duplicate's claims and contacts move here, this record's blank fields are filled
    from it, and the duplicate is marked merged (specialist, head; a head when it makes this a
    key customer). Needs this customer's `If-Match`; merging into itself, or a record already
    merged, is 409."""
    customer = await merging.merge(
        session,
        target_id=customer_id,
        duplicate_id=data.duplicate_id,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    return _with_etag(response, customer)


@router.get(
    "/{customer_id}/history",
    response_model=list[CustomerEventRead],
    summary="A customer's history",
    responses=problem_responses(401, 403, 404, 422),
)
async def customer_history(
    customer_id: CustomerId, principal: AnyPrincipal, session: SessionDep
) -> list[CustomerEventRead]:
    """Every change with who made it and the values before and after, oldest first."""
    return await customers.history(session, customer_id)
