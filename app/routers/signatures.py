"""Digital signatures: what an issued letter's PDF says, and what an uploaded PDF says."""

from typing import Annotated

from fastapi import APIRouter, File, UploadFile

from app.deps import AnyPrincipal, SessionDep, SettingsDep
from app.errors import PayloadTooLarge, problem_responses
from app.letters import verification
from app.models.letters import DocumentSignatures
from app.routers.letters import LetterId

router = APIRouter()

TAGS = [
    {
        "name": "documents",
        "description": "Check the digital signature of a PDF, e.g. a copy a customer sent back.",
    }
]


@router.get(
    "/api/v1/letters/{letter_id}/signature",
    response_model=DocumentSignatures,
    tags=["letters"],
    summary="The issued PDF's signature",
    responses=problem_responses(401, 403, 404, 409, 422, 503),
)
async def letter_signature(
    letter_id: LetterId, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> DocumentSignatures:
    """Whether the stored PDF is signed and intact, who signed it and when, and whether the
    certificate chains to the configured trust anchors."""
    return await verification.letter_signature(session, letter_id=letter_id, settings=settings)


@router.post(
    "/api/v1/documents/verify",
    response_model=DocumentSignatures,
    tags=["documents"],
    summary="Verify a PDF's signature",
    responses=problem_responses(401, 403, 413, 422, 503),
)
async def verify_document(
    principal: AnyPrincipal,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The PDF (multipart field `file`)")],
) -> DocumentSignatures:
    """Check an uploaded PDF's signatures against the configured trust anchors; nothing is
    stored and nothing is fetched (no revocation checks). At most CLAIMS_VERIFY_MAX_BYTES."""
    limit = settings.verify_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"The file is larger than {limit} bytes.")
    return await verification.verify_upload(data, settings=settings)
