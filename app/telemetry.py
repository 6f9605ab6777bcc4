"""Optional OpenTelemetry tracing: FastAPI requests, SQLAlchemy statements, httpx calls.

Switched on only when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and only if the `otel` extra is
installed (`pip install 'claims-service[otel]'`): the default install stays lean, and nothing
here is imported until then. The exporter reads the standard `OTEL_*` variables itself
(headers, protocol, `OTEL_SERVICE_NAME`, sampling).
"""

import logging
import os
from typing import Any

log = logging.getLogger("app.telemetry")

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
DEFAULT_SERVICE_NAME = "claims-service"


def wanted() -> bool:
    return bool(os.environ.get(ENDPOINT_ENV, "").strip())


def instrument_app(app: Any) -> bool:
    """Set up the tracer provider and trace `app`'s requests and every httpx client.
    False (with a warning naming the fix) when the extra is not installed."""
    if not wanted():
        return False
    try:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        log.warning(
            "tracing not started: %s is set but the OpenTelemetry packages are missing "
            "(pip install 'claims-service[otel]')",
            ENDPOINT_ENV,
            extra={"error": str(exc)},
        )
        return False
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        name = os.environ.get("OTEL_SERVICE_NAME") or DEFAULT_SERVICE_NAME
        provider = TracerProvider(resource=Resource.create({SERVICE_NAME: name}))
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    HTTPXClientInstrumentor().instrument()
    app.state.tracing = True
    log.info("tracing to %s", os.environ[ENDPOINT_ENV])
    return True


def instrument_engine(engine: Any) -> None:
    """Trace the statements of an async engine, when tracing is on."""
    if not wanted():
        return
    try:
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError:
        return  # instrument_app has said why
    # Its declared range ends before SQLAlchemy 2.1, whose engine events it uses unchanged.
    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, skip_dep_check=True)
