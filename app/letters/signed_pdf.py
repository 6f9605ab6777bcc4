"""The server's side of signing: the pool calls for issuing and checking a PDF, and what their
failures mean to a caller (signing.py runs in the workers and knows nothing of HTTP)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import anyio.to_thread

from app.config import Settings
from app.errors import DomainError, InvalidInput
from app.letters.pdf import Archive, IssuedPdf, in_pool, render_issued_pdf
from app.letters.seal import Seal
from app.letters.signing import (
    Certificate,
    NotAPdf,
    SigningFailed,
    SigningKey,
    certificate,
    inspect,
    signing_key,
)
from app.models.letters import DocumentSignatures


class SigningUnavailable(DomainError):
    """The configured certificate, trust anchors or timestamp authority cannot be used now."""

    status, type_slug, title = 503, "signing-unavailable", "Signing unavailable"


class UnreadablePdf(InvalidInput):
    type_slug, title = "unreadable-pdf", "Not a readable PDF"


async def issue_pdf(
    html: str, archive: Archive, key: SigningKey | None, seal: Seal | None
) -> IssuedPdf:
    """The issued letter's PDF/A, signed with `key` when there is one."""
    try:
        return await render_issued_pdf(html, archive, key, seal if key else None)
    except SigningFailed as exc:
        raise SigningUnavailable(str(exc)) from None


async def check_pdf(data: bytes, settings: Settings) -> DocumentSignatures:
    """What `data`'s signatures say against the configured trust anchors."""
    anchors: tuple[Path, ...] = tuple(settings.signing_trust_anchors)
    try:
        found = await in_pool(inspect, data, anchors)
    except NotAPdf as exc:
        raise UnreadablePdf(
            str(exc), errors=[{"field": "file", "message": str(exc), "type": "pdf"}]
        ) from None
    except SigningFailed as exc:
        raise SigningUnavailable(str(exc)) from None
    return DocumentSignatures.model_validate(dataclasses.asdict(found))


async def load_certificate(settings: Settings) -> Certificate | None:
    """The configured signing certificate, loaded once at start: a wrong path or password stops
    the process there rather than failing the first issue."""
    key = signing_key(settings)
    if key is None:
        return None
    try:
        return await anyio.to_thread.run_sync(certificate, key)
    except SigningFailed as exc:
        raise RuntimeError(str(exc)) from None
