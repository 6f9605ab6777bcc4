"""Claims: registration, listing, reading, messages and attachments."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Header, Path, Query, Response, UploadFile, status
from fastapi.responses import FileResponse, JSONResponse

from app.auth.principal import Principal
from app.claims import attachments, correction, listing, registration, satisfaction
from app.deps import (
    AnyPrincipal,
    AnyReader,
    ClaimDep,
    Contributor,
    Corrector,
    FreshClaimVersion,
    ReadSessionDep,
    Registrar,
    SessionDep,
    SettingsDep,
    etag,
)
from app.enums import ClaimState
from app.errors import problem_responses
from app.models.claims import (
    AttachmentRead,
    Channel,
    ClaimCreate,
    ClaimPage,
    ClaimRead,
    ClaimUpdate,
    MessageCreate,
    MessageRead,
)
from app.models.satisfaction import RatingChannel, SatisfactionCreate, SatisfactionRead
from app.workdays import today
from app.workflow import claim_view, messages, review
from app.workflow import service as workflow_service

router = APIRouter(prefix="/api/v1/claims", tags=["claims"])

NUMBER_DOC = "Claim number, e.g. CLM-2026-000123"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimRead,
    summary="Register a claim",
    responses={
        200: {
            "description": "Replay of an earlier request with the same Idempotency-Key",
            "model": ClaimRead,
        },
        **problem_responses(401, 403, 409, 413, 422),
    },
)
async def register_claim(
    principal: Registrar,
    data: ClaimCreate,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200, description="Retries with the same key and body return the first result"
        ),
    ] = None,
) -> JSONResponse:
    """Register a claim from the web, phone, email or an internal source."""
    result = await registration.register_claim(
        session,
        data=data,
        principal=principal,
        settings=settings,
        idempotency_key=idempotency_key,
        allowed=workflow_service.allowed_on_new(principal),
    )
    code = 200 if result.replayed else result.status_code
    return JSONResponse(
        result.body,
        status_code=code,
        headers={
            "ETag": etag(result.body["version"]),
            "Location": f"/api/v1/claims/{result.body['number']}",
        },
    )


@router.get(
    "", response_model=ClaimPage, summary="List claims", responses=problem_responses(401, 403, 422)
)
async def list_claims(
    principal: AnyReader,
    session: ReadSessionDep,
    settings: SettingsDep,
    status_: Annotated[list[ClaimState] | None, Query(alias="status")] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    customer: Annotated[
        str | None,
        Query(max_length=200, description="Part of the customer's or contact's name, or an email"),
    ] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    owner: Annotated[
        str | None,
        Query(
            max_length=100,
            description="`me` (your key), `none` (unassigned) or the owner's key name",
            examples=["me"],
        ),
    ] = None,
    model: Annotated[str | None, Query(max_length=64, description="Product model code")] = None,
    serial: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[
        bool | None, Query(description="Acknowledgement or resolution past due")
    ] = None,
    created_from: Annotated[
        datetime | None,
        Query(description="Received at or after; a date or a time without offset is local"),
    ] = None,
    created_to: Annotated[
        datetime | None,
        Query(description="Received before; a date or a time without offset is local"),
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Free text")] = None,
    needs_review: Annotated[
        bool | None,
        Query(description="Has an email filed for review (a stranger's, or on a closed claim)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ClaimPage:
    """Newest first; follow `next_cursor` for the next page."""
    filters = listing.ClaimFilter(
        status=status_,
        channel=channel,
        customer=customer,
        customer_id=customer_id,
        owner=_owner(owner, principal),
        model=model,
        serial=serial,
        overdue=overdue,
        created_from=listing.filter_moment(created_from, field="created_from", settings=settings),
        created_to=listing.filter_moment(created_to, field="created_to", settings=settings),
        q=q,
        needs_review=needs_review,
    )
    return await listing.list_claims(
        session, filters=filters, limit=limit, cursor=cursor, today=today(settings)
    )


def _owner(owner: str | None, principal: Principal) -> str | None:
    match owner:
        case "me":
            return principal.name
        case "none":
            return listing.NO_OWNER
    return owner


@router.get(
    "/{number}",
    response_model=ClaimRead,
    summary="Read a claim",
    responses=problem_responses(401, 403, 404),
)
async def read_claim(
    number: str,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ClaimRead:
    """The claim with its timeline, messages, attachments, deadlines and the actions allowed to you."""
    claim = await claim_view.read_claim(
        session, number=number, principal=principal, settings=settings
    )
    response.headers["ETag"] = etag(claim.version)
    return claim


@router.patch(
    "/{number}",
    response_model=ClaimRead,
    summary="Correct a claim",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 428),
)
async def correct_claim(
    number: Annotated[str, Path(description=NUMBER_DOC)],
    principal: Corrector,
    version: FreshClaimVersion,
    data: ClaimUpdate,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> ClaimRead:
    """Change the edited defect statement, the product (the warranty is checked again), the
    customer and contact, the language or the owner, or clear the customer discrepancies; send
    only what changes, with `If-Match`. Each change is audited with its values before and after.
    A closed claim is not corrected (409): reopen it first."""
    await correction.correct_claim(
        session,
        number=number,
        data=data,
        expected_version=version,
        principal=principal,
        settings=settings,
    )
    claim = await claim_view.read_claim(
        session, number=number, principal=principal, settings=settings
    )
    response.headers["ETag"] = etag(claim.version)
    return claim


@router.post(
    "/{number}/messages",
    status_code=201,
    response_model=MessageRead,
    summary="Add a message",
    responses=problem_responses(401, 403, 404, 422),
)
async def add_message(
    principal: Contributor,
    claim: ClaimDep,
    data: MessageCreate,
    session: SessionDep,
    settings: SettingsDep,
) -> MessageRead:
    """Record a contact with the customer (a call, an email, a letter by post)."""
    return await messages.add_message(
        session, claim=claim, data=data, principal=principal, settings=settings
    )


@router.post(
    "/{number}/satisfaction",
    status_code=201,
    response_model=SatisfactionRead,
    summary="Record the customer's rating given on the phone",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def record_satisfaction(
    principal: Registrar, claim: ClaimDep, data: SatisfactionCreate, session: SessionDep
) -> SatisfactionRead:
    """Record how satisfied the customer is with the handling of a closed claim (1 to 5 and a
    comment), as they said it on the phone. A later answer replaces the earlier one; the
    timeline keeps both. 409 unless the claim is closed."""
    return await satisfaction.rate_closed_claim(
        session,
        claim_id=claim.id or 0,
        rating=data.rating,
        comment=data.comment,
        channel=RatingChannel.phone,
        actor=principal.name,
    )


MessageId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The message's id")]


@router.post(
    "/{number}/messages/{message_id}/reviewed",
    response_model=MessageRead,
    summary="Mark a message reviewed",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def mark_reviewed(
    principal: Corrector, claim: ClaimDep, message_id: MessageId, session: SessionDep
) -> MessageRead:
    """Clear `needs_review` on an email filed for review; the claim's state is not changed
    (take `customer-info-received` or `reopen` if it was the customer's answer)."""
    return await review.mark_reviewed(
        session, claim=claim, message_id=message_id, principal=principal
    )


@router.post(
    "/{number}/messages/{message_id}/new-claim",
    status_code=201,
    response_model=ClaimRead,
    summary="Open a new claim from a message on a closed claim",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def open_follow_up(
    principal: Corrector,
    claim: ClaimDep,
    message_id: MessageId,
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """A new complaint by email on a closed claim: register it as a new claim for the same
    customer and product, linked to this one in both timelines (the alternative is the
    head's `reopen`)."""
    read = await review.open_follow_up(
        session, number=claim.number, message_id=message_id, principal=principal, settings=settings
    )
    return JSONResponse(
        read.model_dump(mode="json"),
        status_code=201,
        headers={"ETag": etag(read.version), "Location": f"/api/v1/claims/{read.number}"},
    )


@router.post(
    "/{number}/attachments",
    status_code=201,
    response_model=AttachmentRead,
    summary="Attach a file",
    responses=problem_responses(401, 403, 404, 413, 415, 422),
)
async def add_attachment(
    principal: Contributor,
    claim: ClaimDep,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="Photo, PDF, document; see the size limit")],
) -> AttachmentRead:
    """Upload a file (multipart/form-data, field `file`)."""
    return await attachments.attach_upload(
        session,
        claim=claim,
        source=file.file,
        filename=file.filename or "file",
        content_type=file.content_type or "application/octet-stream",
        principal=principal,
        settings=settings,
    )


@router.get(
    "/{number}/attachments/{attachment_id}",
    response_class=FileResponse,
    summary="Download an attachment",
    responses={
        200: {"description": "The file", "content": {"application/octet-stream": {}}},
        **problem_responses(401, 403, 404, 422),
    },
)
async def download_attachment(
    principal: AnyPrincipal,
    claim: ClaimDep,
    attachment_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    """The stored file, with its name (RFC 6266 `filename*`) and checked type, never sniffed."""
    found = await attachments.get_attachment(session, claim=claim, attachment_id=attachment_id)
    return FileResponse(
        attachments.open_stored(settings, found.storage_key),
        media_type=found.content_type,
        headers={"Content-Disposition": attachments.content_disposition(found.filename)},
    )
