"""What the signatures of an issued letter's stored PDF, or of an uploaded PDF, say.

The check runs in the PDF process pool (signed_pdf.check_pdf): it parses a file a caller chose,
which is CPU work and may be hostile.
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.errors import InvalidInput
from app.letters.issue import frozen_copy
from app.letters.signed_pdf import UnreadablePdf, check_pdf
from app.letters.storage import sha256_hex
from app.models.letters import DocumentSignatures


async def letter_signature(
    session: AsyncSession, *, letter_id: int, settings: Settings
) -> DocumentSignatures:
    """The issued letter's stored PDF: its signatures, and whether it is still the file whose
    SHA-256 was recorded at issue (a replaced file is `modified` even if validly signed)."""
    data, letter = await frozen_copy(session, letter_id=letter_id, suffix="pdf", settings=settings)
    digest = sha256_hex(data)
    matches = digest == letter.sha256
    try:
        report = await check_pdf(data, settings)
    except UnreadablePdf:
        # Our own file no longer parses: damaged in storage, which is a modification.
        return DocumentSignatures(
            status="modified",
            signed=letter.signer is not None,
            intact=False,
            signatures=[],
            pdfa=None,
            trust_anchors_configured=bool(settings.signing_trust_anchors),
            sha256=digest,
            matches_issued_sha256=matches,
        )
    report.matches_issued_sha256 = matches
    if not matches:
        report.status = "modified"
    return report


async def verify_upload(data: bytes, *, settings: Settings) -> DocumentSignatures:
    """An uploaded PDF (a customer's copy): its signatures against the configured anchors."""
    if not data:
        raise InvalidInput(
            "The file is empty.", errors=[{"field": "file", "message": "empty", "type": "empty"}]
        )
    return await check_pdf(data, settings)
