"""The email gateway's webhook and the queue of deliveries that need a specialist."""

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from app.auth.principal import Principal
from app.deps import SessionDep, SettingsDep, require
from app.enums import Role
from app.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType, problem_responses
from app.mail import failed_queue, intake
from app.mail.gateway_auth import authenticate_delivery
from app.mail.parsing import FormFile
from app.models.email_intake import (
    AssignRequest,
    InboundEmailPage,
    InboundEmailRead,
    InboundSource,
    IntakeResult,
)

router = APIRouter(prefix="/api/v1/intake/email", tags=["email intake"])
log = logging.getLogger("app.email_intake")

Reviewer = Annotated[Principal, Depends(require(Role.specialist, Role.head, Role.admin))]
MAX_ID = 2**31 - 1  # the id columns are 32-bit integers on PostgreSQL
InboundId = Annotated[int, Path(ge=1, le=MAX_ID, description="Inbound email id")]

_KEPT_HEADERS = (
    "content-type",
    "user-agent",
    "x-request-id",
    "x-claims-timestamp",
    "x-forwarded-for",
    "x-mailgun-tag",
)
_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
_REQUEST_BODY: dict[str, Any] = {
    "description": "The message as raw MIME, the gateway's JSON form, or Mailgun's route form.",
    "required": True,
    "content": {
        "message/rfc822": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {
            "schema": {
                "type": "object",
                "example": {
                    "from": "Иван Петров <ivan@example.ru>",
                    "to": ["claims@factory.example"],
                    "subject": "Насос не запускается",
                    "text": "Добрый день! Насос ПМП-200 …",
                    "message_id": "<abc123@example.ru>",
                    "attachments": [],
                },
            }
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {
                    "sender": {"type": "string"},
                    "subject": {"type": "string"},
                    "body-plain": {"type": "string"},
                    "timestamp": {"type": "string"},
                    "token": {"type": "string"},
                    "signature": {"type": "string"},
                },
            }
        },
        "application/x-www-form-urlencoded": {"schema": {"type": "object"}},
    },
}


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 (and a log line) as soon as it passes the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        _refuse_size(request, int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            _refuse_size(request, size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_size(request: Request, size: int, limit: int) -> None:
    log.warning(
        "email refused: too large", extra={"size": size, "limit": limit, "path": request.url.path}
    )
    raise PayloadTooLarge(
        f"The message is larger than {limit} bytes (CLAIMS_EMAIL_MAX_BYTES).", limit=limit
    )


async def _read_form(
    request: Request, body: bytes, limit: int
) -> tuple[dict[str, str], list[FormFile]]:
    async def replay() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    form = await Request(request.scope, replay).form(
        max_files=100, max_fields=500, max_part_size=limit
    )
    fields: dict[str, str] = {}
    files: list[FormFile] = []
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                files.append(FormFile(name, value.filename, value.content_type or "", content))
            else:
                fields.setdefault(name, value)
    finally:
        await form.close()  # the uploads' temporary files
    return fields, files


async def inbound_delivery(
    request: Request, session: SessionDep, settings: SettingsDep
) -> intake.Delivery:
    """Read, size-check, authenticate and classify one webhook call."""
    body = await _read_body(request, settings.email_max_bytes)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    fields: dict[str, str] = {}
    files: list[FormFile] = []
    if ctype in _FORM_TYPES:
        fields, files = await _read_form(request, body, settings.email_max_bytes)
    principal = await authenticate_delivery(
        session,
        headers=request.headers,
        body=body,
        form=fields if ctype in _FORM_TYPES else None,
        settings=settings,
    )
    headers = {k: request.headers[k][:500] for k in _KEPT_HEADERS if k in request.headers}
    if ctype == "message/rfc822":
        source = InboundSource.rfc822
    elif ctype == "application/json":
        source = InboundSource.json  # checked with the parse, off the event loop
    elif ctype in _FORM_TYPES:
        source = InboundSource.mailgun
        if not (fields.get("body-mime") or fields.get("sender") or fields.get("from")):
            raise InvalidInput(
                "A form delivery needs Mailgun's fields: sender or from, "
                "subject, body-plain (or body-mime)."
            )
        body = intake.mailgun_document(fields, files)
    else:
        raise UnsupportedMediaType(
            f"Send message/rfc822, application/json or Mailgun's form, not {ctype or 'nothing'}.",
            accepted=["message/rfc822", "application/json", *_FORM_TYPES],
        )
    if not body.strip():
        raise InvalidInput("The body is empty.")
    return intake.Delivery(source, ctype, body, headers, principal, fields, files)


@router.post(
    "",
    status_code=201,
    response_model=IntakeResult,
    summary="Receive an email (gateway webhook)",
    openapi_extra={
        "requestBody": _REQUEST_BODY,
        # Either the signature headers or an intake key (or Mailgun's fields in the form).
        "security": [{"APIKeyHeader": []}, {}],
        "parameters": [
            {
                "name": "X-Claims-Timestamp",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": "Unix seconds, signed",
            },
            {
                "name": "X-Claims-Signature",
                "in": "header",
                "required": False,
                "schema": {"type": "string"},
                "description": 'Hex HMAC-SHA256 of timestamp + "." + body (or sha256=<hex>)',
            },
        ],
    },
    responses={
        200: {
            "description": "A redelivery: the first result, nothing changed",
            "model": IntakeResult,
        },
        **problem_responses(401, 403, 413, 415, 422),
    },
)
async def receive_email(
    delivery: Annotated[intake.Delivery, Depends(inbound_delivery)],
    session: SessionDep,
    settings: SettingsDep,
) -> JSONResponse:
    """Store the message raw, then register a claim or thread it into one."""
    result = await intake.receive(session, delivery=delivery, settings=settings)
    return JSONResponse(
        result.model_dump(mode="json"), status_code=200 if result.duplicate else 201
    )


@router.get(
    "/failed",
    response_model=InboundEmailPage,
    summary="Emails that need a person",
    responses=problem_responses(401, 403, 422),
)
async def list_failed(
    principal: Reviewer,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Older than this id")] = None,
) -> InboundEmailPage:
    """Deliveries that could not be parsed or matched, newest first, with the reason."""
    return await failed_queue.list_failed(session, limit=limit, before=before)


@router.get(
    "/{inbound_id}",
    response_model=InboundEmailRead,
    summary="One inbound email",
    responses=problem_responses(401, 403, 404, 422),
)
async def read_inbound(
    principal: Reviewer, inbound_id: InboundId, session: SessionDep
) -> InboundEmailRead:
    """Status, outcome, error and claim of one delivery."""
    return await failed_queue.get_inbound(session, inbound_id=inbound_id)


@router.post(
    "/{inbound_id}/retry",
    response_model=InboundEmailRead,
    summary="Process again",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def retry(
    principal: Reviewer, inbound_id: InboundId, session: SessionDep, settings: SettingsDep
) -> InboundEmailRead:
    """Run a failed delivery through parsing and matching again (e.g. after fixing its claim)."""
    return await failed_queue.retry(
        session, inbound_id=inbound_id, principal=principal, settings=settings
    )


@router.post(
    "/{inbound_id}/assign",
    response_model=InboundEmailRead,
    summary="Put on a claim",
    responses=problem_responses(401, 403, 404, 409, 422),
)
async def assign(
    principal: Reviewer,
    inbound_id: InboundId,
    data: AssignRequest,
    session: SessionDep,
    settings: SettingsDep,
) -> InboundEmailRead:
    """Add a failed or ignored delivery to the named claim as a customer message."""
    return await failed_queue.assign(
        session,
        inbound_id=inbound_id,
        claim_number=data.claim_number.strip().upper(),
        principal=principal,
        settings=settings,
    )
