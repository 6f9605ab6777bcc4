"""GET /metrics: Prometheus's text format (docs/operations.md).

`CLAIMS_METRICS_ACCESS` decides who may read it: an API key with the auditor or admin role
(the default; Prometheus sends it as `Authorization: Bearer`), anyone (`open`, for a port
only the monitoring network reaches), or no one (`off`, 404).
"""

from fastapi import APIRouter, Request, Response

from app import metrics
from app.deps import SessionDep, SettingsDep, principal_of
from app.enums import Role
from app.errors import Forbidden, NotFound
from app.reports.operations import SnapshotCollector, snapshot
from app.workdays import today

router = APIRouter(tags=["health"], include_in_schema=False)

SCRAPERS = frozenset({Role.auditor, Role.admin})


def _presented_key(request: Request) -> str | None:
    key = request.headers.get("x-api-key")
    if key:
        return key
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    return credentials.strip() or None if scheme.lower() == "bearer" else None


@router.get("/metrics")
async def read_metrics(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    if settings.metrics_access == "off":
        raise NotFound("Metrics are switched off (CLAIMS_METRICS_ACCESS=off).")
    if settings.metrics_access == "key":
        principal = await principal_of(
            request,
            session,
            _presented_key(request),
            missing="Send an API key in X-API-Key or as Authorization: Bearer.",
        )
        if not principal.has_any(SCRAPERS):
            raise Forbidden(
                "Metrics need one of the roles: admin, auditor.",
                required_roles=sorted(SCRAPERS),
            )
    await session.rollback()  # the key lookup's transaction: not held through the scrape
    state = request.app.state
    snap = await snapshot(
        state.session_factory,
        state.engine,
        today=today(settings),
        limit_seconds=settings.metrics_query_timeout_seconds,
    )
    return Response(metrics.exposition([SnapshotCollector(snap)]), media_type=metrics.CONTENT_TYPE)
