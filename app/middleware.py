"""ASGI middleware: request ids on every log line, one structured access line and the request
metrics per request; an input guard."""

import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.errors import PROBLEM_JSON, TYPE_BASE
from app.logging_setup import request_id_var

access_log = logging.getLogger("app.access")


class RequestContextMiddleware:
    """Gives every request an id (X-Request-ID, taken from the caller when sane) that every log
    line written while serving it carries, returns it with `X-Content-Type-Options: nosniff`,
    logs method, path, status, duration and the caller's key name in one line, and counts the
    request by its route template (app/metrics.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = (
            incoming if 0 < len(incoming) <= 100 and incoming.isprintable() else uuid.uuid4().hex
        )
        scope.setdefault("state", {})["request_id"] = request_id
        context = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = message.setdefault("headers", [])
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", request_id.encode()))
                # Every response is what its Content-Type says: a browser never sniffs an
                # attachment or a JSON body into a page that runs scripts.
                if not any(name.lower() == b"x-content-type-options" for name, _ in headers):
                    headers.append((b"x-content-type-options", b"nosniff"))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or metrics.UNMATCHED_ROUTE
            metrics.observe_request(scope["method"], route, status_holder["status"], elapsed)
            access_log.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "route": route,
                    "status": status_holder["status"],
                    "duration_ms": round(elapsed * 1000, 2),
                    "principal": scope.get("state", {}).get("principal"),
                },
            )
            request_id_var.reset(context)


class BodyTooLarge(Exception):
    pass


class InputGuardMiddleware:
    """Refuses what the app should never see: a NUL character in the URL (422), and a body over
    the limit (413) — by Content-Length when given, else by counting a chunked body."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            await _send_problem(
                send, 422, "validation-error", "Invalid input", "The URL contains a NUL character."
            )
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0
        exceeded = started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # The app may catch the BodyTooLarge and answer with something of its own: FastAPI
            # turns any failure to read a body into 400 "error parsing the body". That answer
            # is dropped for the 413, unless the response had begun before the body ran over.
            if exceeded and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
        if exceeded and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        logging.getLogger("app.limits").warning(
            "body too large", extra={"path": scope["path"], "limit": self.max_bytes}
        )
        await _send_problem(
            send,
            413,
            "payload-too-large",
            "Payload too large",
            f"The request body is larger than {self.max_bytes} bytes.",
        )


async def _send_problem(send: Send, status: int, slug: str, title: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
    }
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(raw)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
