"""ASGI middleware: request ids on every log line, one structured access line and the request
metrics per request; an input guard; admission control."""

import asyncio
import json
import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import metrics
from app.errors import PROBLEM_JSON, RETRY_AFTER_SECONDS, TYPE_BASE
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


class AdmissionRefused(Exception):
    pass


class _Gate:
    """The slots of one event loop. An asyncio.Semaphore belongs to the loop it first waited
    in; the app object may outlive a loop (tests run apps in several), so a loop gets its own."""

    def __init__(self, limit: int) -> None:
        self.loop = asyncio.get_running_loop()
        self.semaphore = asyncio.Semaphore(limit)


class _Slot:
    """One request's claim on a slot: taken at most once, given back at most once."""

    def __init__(self, gate: _Gate, wait_seconds: float) -> None:
        self.gate = gate
        self.wait_seconds = wait_seconds
        self.held = False

    async def take(self) -> bool:
        """Waits in arrival order (asyncio.Semaphore lets no newcomer pass a waiter); False when
        the wait ran out. A wait cancelled or timed out after the slot was handed over gives it
        back (the semaphore's own rule), so no path leaks one."""
        started = time.perf_counter()
        metrics.ADMISSION_WAITING.inc()
        try:
            if self.wait_seconds > 0:
                async with asyncio.timeout(self.wait_seconds):
                    await self.gate.semaphore.acquire()
            else:
                await self.gate.semaphore.acquire()
        except TimeoutError:
            metrics.ADMISSION_REFUSED.inc()
            return False
        finally:
            metrics.ADMISSION_WAITING.dec()
            metrics.ADMISSION_WAIT_SECONDS.observe(time.perf_counter() - started)
        self.held = True
        metrics.ADMISSION_IN_PROGRESS.inc()
        return True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            metrics.ADMISSION_IN_PROGRESS.dec()
            self.gate.semaphore.release()


class AdmissionMiddleware:
    """At most `limit` requests in progress in this process; the others wait for a slot, in
    arrival order, before the app runs, so before any database session is opened.

    Why: the loop runs every callback that is ready in one iteration, so with 64 requests in
    progress the loop's lag is 64 requests' CPU, and a transaction waits that long for its
    COMMIT while it holds the claim counter's row lock (bench/RESULTS.md, issue 20).

    A client that sends slowly must not hold a slot: a request with a body takes its slot when
    the app receives the body's last chunk (the app reads the body before it solves any
    dependency, and multipart uploads are spooled to disk as they arrive, as before); one
    without a body (or a GET or HEAD, whose body no route reads) takes it before the app runs.
    A response streamed in several chunks (a file download) gives its slot back at its first
    chunk: the rest is paced by the client. A request whose body the app never reads (a POST
    to an action that takes none, sent with one anyway) runs without a slot. Otherwise the slot is given back when the app
    returns (response sent, session closed) or fails, or the client goes away.

    Probes, /metrics and the docs never wait (`exempt_paths`, `exempt_prefixes`). A request
    that waited `wait_seconds` (0: no limit) is answered 503 with Retry-After."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        wait_seconds: float,
        exempt_paths: frozenset[str] = frozenset(),
        exempt_prefixes: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.exempt_paths = exempt_paths
        self.exempt_prefixes = exempt_prefixes
        self._gate: _Gate | None = None

    def _exempt(self, scope: Scope) -> bool:
        path: str = scope["path"]
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :]
        return path in self.exempt_paths or path.startswith(self.exempt_prefixes)

    def _slot(self) -> _Slot:
        gate = self._gate
        if gate is None or gate.loop is not asyncio.get_running_loop():
            gate = self._gate = _Gate(self.limit)
        return _Slot(gate, self.wait_seconds)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.limit <= 0 or scope["type"] != "http" or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        slot = self._slot()
        if not _has_body(scope):
            if not await slot.take():
                await self._refuse(scope, send)
                return
            try:
                await self.app(scope, receive, _releasing_send(slot, send))
            finally:
                slot.give_back()
            return

        refused = started = False
        taken = False

        async def admitted_receive() -> Message:
            nonlocal refused, taken
            message = await receive()
            if (
                not taken
                and message["type"] == "http.request"
                and not message.get("more_body", False)
            ):
                taken = True
                if not await slot.take():
                    refused = True
                    raise AdmissionRefused
            return message

        streaming_send = _releasing_send(slot, send)

        async def guarded_send(message: Message) -> None:
            nonlocal started
            # As in InputGuardMiddleware: the app answers a failed body read with a 400 of
            # its own, dropped here for the 503.
            if refused and not started:
                return
            if message["type"] == "http.response.start":
                started = True
            await streaming_send(message)

        try:
            await self.app(scope, admitted_receive, guarded_send)
        except Exception:
            if not refused or started:
                raise
        finally:
            slot.give_back()
        if refused and not started:
            await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        logging.getLogger("app.limits").warning(
            "admission refused",
            extra={"path": scope["path"], "limit": self.limit, "waited_s": self.wait_seconds},
        )
        await _send_problem(
            send,
            503,
            "service-unavailable",
            "Service unavailable",
            f"The server is busy: no request slot came free within {self.wait_seconds:g} "
            "seconds; try again after Retry-After seconds.",
            headers=[(b"retry-after", str(RETRY_AFTER_SECONDS).encode())],
        )


def _has_body(scope: Scope) -> bool:
    if scope["method"] in ("GET", "HEAD"):
        return False
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip(b"0 ")):
            return True
    return False


def _releasing_send(slot: _Slot, send: Send) -> Send:
    async def release_when_streaming(message: Message) -> None:
        if message["type"] == "http.response.body" and message.get("more_body", False):
            slot.give_back()
        await send(message)

    return release_when_streaming


async def _send_problem(
    send: Send,
    status: int,
    slug: str,
    title: str,
    detail: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
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
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})
