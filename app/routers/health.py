"""Liveness and readiness."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.errors import RETRY_AFTER_SECONDS
from app.events.status import email_channel, webhooks_channel
from app.preflight import storage_problem

router = APIRouter(tags=["health"])

# A probe that hangs is worse than one that fails: orchestrators time probes out (often at
# 1 to 2 s) and act on the timeout as on a failure, without the reason. So the check gives up
# first, within 2 s with room to spare, whatever the database does (refuses, stalls, holds a lock).
READY_TIMEOUT_SECONDS = 1.2


@router.get("/healthz", summary="Liveness")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Readiness",
    responses={503: {"description": "Database unreachable, or the storage folder not writable"}},
)
async def readyz(request: Request) -> JSONResponse:
    """The database answers and the storage folder takes files. `channels` says how each way
    out stands (email gateway, webhooks, signing certificate: configured, not_configured or
    failing), without making the service unready; `documents` says whether issued letters are
    signed."""
    documents = _documents(request)
    check = _ready_check(request.app.state)
    try:
        # Shielded: cancelling the check would wait for its clean-up, and a driver blocked in
        # SQLite's busy wait or on a silent socket cleans up only when its own timeout ends.
        found = await asyncio.wait_for(asyncio.shield(check), READY_TIMEOUT_SECONDS)
    except TimeoutError:
        return _unavailable({"database": "TimeoutError"}, documents)
    except Exception as exc:  # any failure means "not ready"; the reason goes to the body
        return _unavailable({"database": type(exc).__name__}, documents)
    channels = {**found["channels"], "signing_certificate": _signing(request)}
    body = {"database": "ok", "storage": found["storage"] or "ok", "channels": channels}
    if found["storage"]:
        return _unavailable(body, documents)
    return JSONResponse({"status": "ok", **body, "documents": documents})


def _ready_check(state: object) -> "asyncio.Task[dict[str, Any]]":
    """The check under way, or a new one: probes that keep coming while the database does not
    answer wait on one check, rather than each leaving one more behind."""
    running: asyncio.Task[dict[str, Any]] | None = getattr(state, "ready_check", None)
    if running is None or running.done():
        running = asyncio.create_task(_probe(state))
        # Retrieved, so that a check nobody waits for any more is not reported as lost.
        running.add_done_callback(lambda task: task.cancelled() or task.exception())
        state.ready_check = running  # type: ignore[attr-defined]
    return running


async def _probe(state: Any) -> dict[str, Any]:
    settings = state.settings
    await _select_one(state.engine)
    storage = await anyio.to_thread.run_sync(storage_problem, settings.storage_dir)
    async with state.session_factory() as session:
        email = await email_channel(session, settings)
        hooks = await webhooks_channel(session)
    return {
        "storage": storage,
        "channels": {
            "email_gateway": {"state": email.state, "detail": email.detail},
            "webhooks": {"state": hooks.state, "detail": hooks.detail},
        },
    }


async def _select_one(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def _unavailable(found: dict[str, Any], documents: dict[str, Any]) -> JSONResponse:
    return JSONResponse(
        {"status": "unavailable", **found, "documents": documents},
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _signing(request: Request) -> dict[str, str]:
    cert = request.app.state.signing_certificate
    if cert is None:
        return {
            "state": "not_configured",
            "detail": "letters are issued unsigned; set CLAIMS_SIGNING_PKCS12 (docs/signing.md)",
        }
    if cert.valid_until <= datetime.now(UTC):
        return {"state": "failing", "detail": f"the certificate expired on {cert.valid_until}"}
    return {"state": "configured", "detail": f"letters are signed by {cert.subject}"}


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
