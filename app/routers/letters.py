"""Letters: draft from a claim, edit, preview, sign-off, issue, send, and the frozen copies."""

import base64
import hashlib
from collections.abc import Awaitable, Callable
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, Header, Path, Response, status

from app.auth.principal import Principal
from app.deps import (
    AnyPrincipal,
    SessionDep,
    SettingsDep,
    etag,
    parse_if_match,
    refuse_roles,
    require,
)
from app.enums import Role
from app.errors import problem_responses
from app.letters import delivery, issue, storage
from app.letters import service as letters
from app.letters.lifecycle import LetterAction, effective_roles, may_ever
from app.models.letters import (
    LetterCreate,
    LetterMarkSent,
    LetterRead,
    LetterReject,
    LetterSend,
    LetterUpdate,
)

router = APIRouter(tags=["letters"])

ClaimNumber = Annotated[
    str,
    Path(
        max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="Claim number, e.g. CLM-2026-000123"
    ),
]
LetterId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The letter's id")]
Specialist = Annotated[Principal, Depends(require(Role.specialist))]

PDF = {"content": {"application/pdf": {}}, "description": "The PDF"}
HTML = {"content": {"text/html": {}}, "description": "The HTML document"}
# A letter is shown inside a page of ours at most; it never needs scripts or outside content.
HTML_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}


async def letter_version(
    if_match: Annotated[
        str | None, Header(description='Optional: the letter\'s ETag (its version), e.g. "3"')
    ] = None,
) -> int | None:
    return parse_if_match(if_match) if if_match else None


LetterVersion = Annotated[int | None, Depends(letter_version)]


def letter_gate(action: LetterAction) -> Callable[..., Awaitable[int | None]]:
    """The checks before a change's body is read, in order: the key, a role that may ever
    take `action`, then the optional If-Match against the letter (docs/api.md). The service
    checks all again, for the letter at hand and under its lock."""
    roles = may_ever(action)

    async def gate(
        principal: AnyPrincipal, letter_id: LetterId, session: SessionDep, version: LetterVersion
    ) -> int | None:
        # A deputy acting for the head or the director stands in for approval and rejection.
        if not effective_roles(action, principal.roles, principal.acting_for) & roles:
            refuse_roles(principal, roles)
        await letters.check_fresh(session, letter_id, version)
        return version

    return gate


def _with_etag(response: Response, letter: LetterRead) -> LetterRead:
    response.headers["ETag"] = etag(letter.version)
    return letter


def _file(data: bytes, media_type: str, filename: str, *, frozen: bool) -> Response:
    # An ASCII name for old clients, the real one (an act's "АО-117/2026") per RFC 6266.
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    headers = {
        "Content-Disposition": f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    }
    if media_type == "text/html":
        headers.update(HTML_HEADERS)
    if frozen:
        # RFC 9530: lets the receiver check the bytes against the stored SHA-256.
        headers["Repr-Digest"] = (
            f"sha-256=:{base64.b64encode(hashlib.sha256(data).digest()).decode()}:"
        )
        headers["Cache-Control"] = "private, max-age=31536000, immutable"
    else:
        headers["Cache-Control"] = "no-store"
    media = f"{media_type}; charset=utf-8" if media_type == "text/html" else media_type
    return Response(content=data, media_type=media, headers=headers)


@router.post(
    "/api/v1/claims/{number}/letters",
    status_code=status.HTTP_201_CREATED,
    response_model=LetterRead,
    summary="Draft a letter",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_letter(
    number: ClaimNumber,
    data: LetterCreate,
    principal: Specialist,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> LetterRead:
    """Draft a letter of a kind for the claim, prefilled from it, in the customer's language."""
    letter = await letters.create_letter(
        session, claim_number=number, data=data, principal=principal, settings=settings
    )
    response.headers["Location"] = letter.links.self
    return _with_etag(response, letter)


@router.get(
    "/api/v1/claims/{number}/letters",
    response_model=list[LetterRead],
    summary="List a claim's letters",
    responses=problem_responses(401, 403, 404),
)
async def list_letters(
    number: ClaimNumber, principal: AnyPrincipal, session: SessionDep
) -> list[LetterRead]:
    """All letters of the claim, oldest first."""
    return await letters.list_letters(session, claim_number=number, principal=principal)


@router.get(
    "/api/v1/letters/{letter_id}",
    response_model=LetterRead,
    summary="Get a letter",
    responses=problem_responses(401, 403, 404, 422),
)
async def get_letter(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, response: Response
) -> LetterRead:
    """The letter's state, fields, sign-off record and the actions allowed to you."""
    return _with_etag(
        response, await letters.get_letter(session, letter_id=letter_id, principal=principal)
    )


@router.patch(
    "/api/v1/letters/{letter_id}",
    response_model=LetterRead,
    summary="Edit a draft",
    responses=problem_responses(401, 403, 404, 409, 412, 422),
)
async def update_letter(
    letter_id: LetterId,
    data: LetterUpdate,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    version: Annotated[int | None, Depends(letter_gate(LetterAction.edit))],
    response: Response,
) -> LetterRead:
    """Change the draft's free-text fields, language or enclosures (specialist, drafts only)."""
    letter = await letters.update_letter(
        session,
        letter_id=letter_id,
        data=data,
        principal=principal,
        settings=settings,
        expected_version=version,
    )
    return _with_etag(response, letter)


@router.get(
    "/api/v1/letters/{letter_id}/preview.html",
    response_class=Response,
    summary="Preview as HTML",
    responses={200: HTML, **problem_responses(401, 403, 404, 409, 422)},
)
async def preview_html(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The letter as it would be issued today, marked as a draft (before issue only)."""
    html = await issue.preview_html(session, letter_id=letter_id, settings=settings)
    return _file(html.encode(), "text/html", f"letter-{letter_id}-preview.html", frozen=False)


@router.get(
    "/api/v1/letters/{letter_id}/preview.pdf",
    response_class=Response,
    summary="Preview as PDF",
    responses={200: PDF, **problem_responses(401, 403, 404, 409, 422)},
)
async def preview_pdf(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The draft rendered to PDF (A4), marked as a draft (before issue only)."""
    pdf = await issue.preview_pdf(session, letter_id=letter_id, settings=settings)
    return _file(pdf, "application/pdf", f"letter-{letter_id}-preview.pdf", frozen=False)


async def _transition(
    action: LetterAction,
    letter_id: int,
    principal: Principal,
    session: SessionDep,
    version: int | None,
    response: Response,
    comment: str | None = None,
) -> LetterRead:
    letter = await letters.transition(
        session,
        letter_id=letter_id,
        action=action,
        principal=principal,
        comment=comment,
        expected_version=version,
    )
    return _with_etag(response, letter)


TRANSITION_ERRORS = problem_responses(401, 403, 404, 409, 412, 422)


@router.post(
    "/api/v1/letters/{letter_id}/submit",
    response_model=LetterRead,
    summary="Submit for approval",
    responses=TRANSITION_ERRORS,
)
async def submit_letter(
    letter_id: LetterId,
    principal: AnyPrincipal,
    session: SessionDep,
    version: LetterVersion,
    response: Response,
) -> LetterRead:
    """Send the draft for sign-off (specialist); required fields must be filled in."""
    return await _transition(LetterAction.submit, letter_id, principal, session, version, response)


@router.post(
    "/api/v1/letters/{letter_id}/approve",
    response_model=LetterRead,
    summary="Approve",
    responses=TRANSITION_ERRORS,
)
async def approve_letter(
    letter_id: LetterId,
    principal: AnyPrincipal,
    session: SessionDep,
    version: LetterVersion,
    response: Response,
) -> LetterRead:
    """Approve: the head of department, or the director when the customer is a key customer."""
    return await _transition(LetterAction.approve, letter_id, principal, session, version, response)


@router.post(
    "/api/v1/letters/{letter_id}/reject",
    response_model=LetterRead,
    summary="Reject back to draft",
    responses=TRANSITION_ERRORS,
)
async def reject_letter(
    letter_id: LetterId,
    data: LetterReject,
    principal: AnyPrincipal,
    session: SessionDep,
    version: Annotated[int | None, Depends(letter_gate(LetterAction.reject))],
    response: Response,
) -> LetterRead:
    """Return the letter to its author with a comment (whoever may approve it)."""
    return await _transition(
        LetterAction.reject, letter_id, principal, session, version, response, data.comment
    )


@router.post(
    "/api/v1/letters/{letter_id}/issue",
    response_model=LetterRead,
    summary="Issue",
    responses=problem_responses(401, 403, 404, 409, 412, 422, 503),
)
async def issue_letter(
    letter_id: LetterId,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    version: LetterVersion,
    response: Response,
) -> LetterRead:
    """Give the approved letter its number and freeze its HTML and its PDF/A, digitally signed
    when a certificate is configured (503 when it cannot be used; a retry keeps the number)."""
    letter = await issue.issue_letter(
        session,
        letter_id=letter_id,
        principal=principal,
        settings=settings,
        expected_version=version,
    )
    return _with_etag(response, letter)


@router.post(
    "/api/v1/letters/{letter_id}/send",
    response_model=LetterRead,
    summary="Send by email",
    responses=TRANSITION_ERRORS,
)
async def send_letter(
    letter_id: LetterId,
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    version: Annotated[int | None, Depends(letter_gate(LetterAction.send))],
    response: Response,
    data: Annotated[LetterSend | None, Body()] = None,
) -> LetterRead:
    """Email the issued letter's PDF through the outbox; replies thread to the claim."""
    letter = await delivery.send_letter(
        session,
        letter_id=letter_id,
        data=data or LetterSend(),
        principal=principal,
        settings=settings,
        expected_version=version,
    )
    return _with_etag(response, letter)


@router.post(
    "/api/v1/letters/{letter_id}/mark-sent",
    response_model=LetterRead,
    summary="Mark as sent by post",
    responses=TRANSITION_ERRORS,
)
async def mark_sent(
    letter_id: LetterId,
    principal: AnyPrincipal,
    session: SessionDep,
    version: Annotated[int | None, Depends(letter_gate(LetterAction.mark_sent_by_post))],
    response: Response,
    data: Annotated[LetterMarkSent | None, Body()] = None,
) -> LetterRead:
    """Record that the issued letter went out by post."""
    letter = await delivery.mark_sent_by_post(
        session,
        letter_id=letter_id,
        data=data or LetterMarkSent(),
        principal=principal,
        expected_version=version,
    )
    return _with_etag(response, letter)


@router.get(
    "/api/v1/letters/{letter_id}/html",
    response_class=Response,
    summary="The issued HTML",
    responses={200: HTML, **problem_responses(401, 403, 404, 409, 422)},
)
async def letter_html(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The frozen HTML of an issued letter, byte for byte as issued."""
    data, letter = await issue.frozen_copy(
        session, letter_id=letter_id, suffix="html", settings=settings
    )
    return _file(
        data, "text/html", f"{storage.safe_name(letter.number or str(letter.id))}.html", frozen=True
    )


@router.get(
    "/api/v1/letters/{letter_id}/pdf",
    response_class=Response,
    summary="The issued PDF",
    responses={200: PDF, **problem_responses(401, 403, 404, 409, 422)},
)
async def letter_pdf(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> Response:
    """The frozen PDF of an issued letter; `Repr-Digest` carries its SHA-256."""
    data, letter = await issue.frozen_copy(
        session, letter_id=letter_id, suffix="pdf", settings=settings
    )
    return _file(
        data,
        "application/pdf",
        f"{storage.safe_name(letter.number or str(letter.id))}.pdf",
        frozen=True,
    )
