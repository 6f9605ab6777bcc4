"""Optional OpenTelemetry tracing: on only with OTEL_EXPORTER_OTLP_ENDPOINT, spans exported to a
real OTLP/HTTP receiver on 127.0.0.1 (a bare HTTP server that keeps what it is sent)."""

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from app.enums import Role
from app.main import create_app
from tests.conftest import claim_payload

pytest.importorskip("opentelemetry.sdk", reason="the otel extra: pip install '.[otel]'")


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 (the handler's name is the method's)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Receiver.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_no_endpoint_no_tracing(settings, monkeypatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert not getattr(create_app(settings).state, "tracing", False)


async def test_requests_and_statements_are_traced_when_an_endpoint_is_set(
    settings, keys, collector, monkeypatch
) -> None:
    from opentelemetry import trace
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
    monkeypatch.setenv("OTEL_SERVICE_NAME", "claims-test")
    traced = create_app(settings)
    assert traced.state.tracing is True
    try:
        async with traced.router.lifespan_context(traced):
            transport = httpx.ASGITransport(app=traced)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                r = await c.get("/api/v1/claims?limit=1", headers={"X-API-Key": keys[Role.auditor]})
                assert r.status_code == 200
                # Registration's write and the listing run on the driver on PostgreSQL: their
                # statements are traced too, and tracing does not break them.
                r = await c.post(
                    "/api/v1/claims",
                    json=claim_payload(),
                    headers={"X-API-Key": keys[Role.intake]},
                )
                assert r.status_code == 201, r.text
        provider: Any = trace.get_tracer_provider()
        assert provider.force_flush(10_000)
    finally:
        # The rest of the run is not traced: httpx unpatched, the exporter stopped.
        HTTPXClientInstrumentor().uninstrument()
        SQLAlchemyInstrumentor().uninstrument()
        getattr(trace.get_tracer_provider(), "shutdown", lambda: None)()
    exported = b"".join(body for path, body in Receiver.received if path == "/v1/traces")
    assert b"claims-test" in exported  # the service name
    assert b"GET /api/v1/claims" in exported  # the request's span, by route template
    assert b"SELECT" in exported  # a statement's span
