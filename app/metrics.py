"""Prometheus metrics kept in the process: requests, delivery failures, PDF render time.

Counters and histograms live here, at the bottom of the imports, so that any package can
count what happens to it. The gauges that need the database (outbox depth, the failed-email
queue, overdue claims) are not kept here: they are read at scrape time
(`app/reports/operations.py`) into a registry of their own, so that nothing another replica
would need is kept in memory.

With several server processes (`uvicorn --workers`), set `PROMETHEUS_MULTIPROC_DIR` to an
empty folder shared by them before they start: prometheus-client then writes each process's
values there and `exposition` sums them (docs/operations.md).
"""

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _multiprocess
from prometheus_client.registry import REGISTRY, Collector

CONTENT_TYPE = CONTENT_TYPE_LATEST

# Labels are route templates ("/api/v1/claims/{number}"), never raw paths: one series per
# endpoint, whatever the callers send. Anything that matched no route is "unmatched".
UNMATCHED_ROUTE = "unmatched"

REQUESTS = Counter(
    "claims_http_requests",
    "HTTP requests answered, by method, route template and status",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "claims_http_request_duration_seconds",
    "Time to answer an HTTP request, by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DELIVERY_FAILURES = Counter(
    "claims_delivery_failures",
    "Failed delivery attempts of outbox events, by kind (webhook, email)",
    ["kind"],
)
PDF_RENDER_SECONDS = Histogram(
    "claims_pdf_render_seconds",
    "Time to render a PDF in the process pool, waiting for a free worker included",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60),
)

CORRECTIVE_REMINDERS = Counter(
    "claims_corrective_reminders",
    "Reminders the SLA sweep queued to corrective actions' owners, by kind "
    "(task_overdue, effectiveness_due)",
    ["kind"],
)

# Admission control (app/middleware.py, CLAIMS_MAX_REQUESTS_IN_PROGRESS). With several
# processes the gauges add up over the live ones.
ADMISSION_WAITING = Gauge(
    "claims_admission_waiting",
    "Requests waiting for a slot (CLAIMS_MAX_REQUESTS_IN_PROGRESS) before the app runs",
    multiprocess_mode="livesum",
)
ADMISSION_IN_PROGRESS = Gauge(
    "claims_admission_in_progress",
    "Requests holding a slot (CLAIMS_MAX_REQUESTS_IN_PROGRESS)",
    multiprocess_mode="livesum",
)
ADMISSION_WAIT_SECONDS = Histogram(
    "claims_admission_wait_seconds",
    "Time a request waited for a slot, whether it got one or was refused",
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ADMISSION_REFUSED = Counter(
    "claims_admission_refused",
    "Requests answered 503 because no slot came free within CLAIMS_ADMISSION_WAIT_SECONDS",
)


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    REQUEST_SECONDS.labels(method, route, str(status)).observe(seconds)


def _process_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        _multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition(extra: Iterable[Collector] = ()) -> bytes:
    """The text format: this process's (or all processes') metrics, then `extra` collectors,
    each collected once in a registry of its own."""
    scraped = CollectorRegistry(auto_describe=False)
    for collector in extra:
        scraped.register(collector)
    return generate_latest(_process_registry()) + generate_latest(scraped)
