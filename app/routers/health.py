"""Liveness and readiness."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz", summary="Readiness", responses={503: {"description": "Database unreachable"}}
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers; `documents` says whether issued letters are signed."""
    documents = _documents(request)
    try:
        async with request.app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "not ready"; the reason goes to the body
        body = {"status": "unavailable", "database": type(exc).__name__, "documents": documents}
        return JSONResponse(body, 503)
    return JSONResponse({"status": "ok", "database": "ok", "documents": documents})


def _documents(request: Request) -> dict[str, Any]:
    """Issued letters' format and signature; an expired certificate still signs, so it is
    reported rather than refused."""
    cert = request.app.state.signing_certificate
    if cert is None:
        return {"format": "PDF/A-3b", "signed": False}
    return {
        "format": "PDF/A-3b",
        "signed": True,
        "signer": cert.subject,
        "certificate_valid_until": cert.valid_until.isoformat(),
        "certificate_expired": cert.valid_until <= datetime.now(UTC),
        "timestamped": request.app.state.settings.signing_tsa_url is not None,
    }
