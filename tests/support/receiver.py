"""A tiny real HTTP receiver for delivery tests.

It listens on 127.0.0.1 on an ephemeral port in a background thread, records
every request, and answers according to a script: ``receiver.script(500, 500)``
makes the next two requests fail with 500, ``receiver.script("stall")`` holds
the next request for ``stall_seconds`` (so the sender's timeout fires); after
the script runs out it answers ``default_status``. A thread (not asyncio) so it
works from sync tests, async tests and for worker subprocesses alike.

    with Receiver() as rx:
        rx.script(500, "stall")
        ...  # point a webhook at rx.url("/hook")
        requests = rx.wait_for(3)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Action = int | str


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float
    status: int | None = None  # what we answered; None while stalling / if we never answered
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Receiver:
    def __init__(
        self, *, default_status: int = 200, stall_seconds: float = 3.0, delay_seconds: float = 0.0
    ) -> None:
        self.default_status = default_status
        self.stall_seconds = stall_seconds
        self.delay_seconds = delay_seconds  # every answer waits this long (to widen races)
        self.answer: bytes | None = None  # the body of every answer, instead of {"ok":...}
        self.answer_headers: dict[str, str] = {}
        self.requests: list[Recorded] = []
        self._script: deque[Action] = deque()
        self._lock = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # lifecycle -----------------------------------------------------------
    def start(self) -> Receiver:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # control -------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, *actions: Action) -> None:
        """Queue answers: an int status, ``"stall"`` or ``"ok"``; used one per request."""
        with self._lock:
            self._script.extend(actions)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Recorded]:
        """Block until at least ``count`` requests arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"got {len(self.requests)} requests, wanted {count}")
                self._lock.wait(left)
            return list(self.requests)

    def answered(self, status: int = 200) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.status == status]

    def for_event(self, event_id: str) -> list[Recorded]:
        """Requests that carried this event id (webhooks and email gateway calls alike)."""
        with self._lock:
            return [r for r in self.requests if r.header("X-Claims-Event-Id") == event_id]

    # internals -----------------------------------------------------------
    def _next_action(self) -> Action:
        with self._lock:
            return self._script.popleft() if self._script else self.default_status

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)
            self._lock.notify_all()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass  # keep test output clean

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    received_at=time.time(),
                )
                action = receiver._next_action()
                receiver._record(rec)
                if action == "stall":
                    rec.extra["stalled"] = True
                    time.sleep(receiver.stall_seconds)
                    action = 504
                if receiver.delay_seconds:
                    time.sleep(receiver.delay_seconds)
                status = 200 if action == "ok" else int(action)
                payload = b'{"ok":true}' if status < 400 else b'{"ok":false}'
                if receiver.answer is not None:
                    payload = receiver.answer
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for name, value in receiver.answer_headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    rec.status = status
                except OSError:
                    pass  # the client gave up (timeout): that is the point of a stall

            do_POST = _handle  # noqa: N815
            do_PUT = _handle  # noqa: N815
            do_GET = _handle  # noqa: N815

        return Handler
