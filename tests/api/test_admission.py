"""Admission control (app/middleware.py, CLAIMS_MAX_REQUESTS_IN_PROGRESS): at most N requests in
progress per process, the rest waiting before the app runs; probes never wait; a slow upload
holds no slot; no slot is lost to an error, a disconnect or a cancelled request.

The middleware's own behaviour is tested around a small ASGI app written here, whose requests
block on an event the test controls; the wiring into the service (which paths never wait, the
503, the metrics) on the real app with a test-only route added to it. Assertions are on counts
and order, never on durations."""

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest

from app.enums import Role
from app.main import create_app
from app.middleware import AdmissionMiddleware
from tests.conftest import claim_payload
from tests.support.outbound import offline_policy

LIMIT = 3


def bounded(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., Any]:
    """A lost slot makes a request wait for ever: the test fails after a while instead of
    hanging the run."""

    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        async with asyncio.timeout(30):
            await test(*args, **kwargs)

    return run


async def until(condition: Callable[[], bool], what: str) -> None:
    """Lets the loop run until `condition` holds; fails (rather than hangs) if it never does."""
    for _ in range(5000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


async def settle() -> None:
    """Enough loop iterations for any request that could get further to do so."""
    for _ in range(50):
        await asyncio.sleep(0)


class Backend:
    """An ASGI app that reads the whole body, then holds the request until `release` is set
    (path /block), raises (path /boom), or answers at once; it counts who is inside."""

    def __init__(self) -> None:
        self.inside = 0
        self.most_inside = 0
        self.entered: list[str] = []
        self.release = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        self.entered.append(scope["path"] + (":" + body.decode() if body else ""))
        try:
            if scope["path"] == "/boom":
                raise RuntimeError("the handler failed")
            if scope["path"] == "/block":
                await self.release.wait()
            if scope["path"] == "/stream":
                await send({"type": "http.response.start", "status": 200, "headers": []})
                await send({"type": "http.response.body", "body": b"a", "more_body": True})
                await self.release.wait()
                await send({"type": "http.response.body", "body": b"b"})
                return
            if scope["path"] == "/wait-disconnect":
                while (await receive())["type"] != "http.disconnect":
                    pass
                return
        finally:
            self.inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def admitted(backend: Backend, limit: int = LIMIT, wait_seconds: float = 0) -> Any:
    return AdmissionMiddleware(
        backend, limit=limit, wait_seconds=wait_seconds, exempt_paths=frozenset({"/healthz"})
    )


def client_for(app: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


@bounded
async def test_no_more_than_the_limit_run_at_once_and_the_rest_follow_in_order() -> None:
    backend = Backend()
    async with client_for(admitted(backend)) as client:
        tasks = [
            asyncio.create_task(client.post("/block", content=str(i).encode()))
            for i in range(LIMIT + 5)
        ]
        await until(lambda: backend.inside == LIMIT, "the first requests enter")
        await settle()
        assert backend.inside == LIMIT
        backend.release.set()
        responses = await asyncio.gather(*tasks)
    assert [r.status_code for r in responses] == [200] * (LIMIT + 5)
    assert backend.most_inside == LIMIT
    # Waiters are let in in the order their bodies arrived.
    assert backend.entered == [f"/block:{i}" for i in range(LIMIT + 5)]


@bounded
async def test_limit_zero_lets_everything_in() -> None:
    backend = Backend()
    async with client_for(admitted(backend, limit=0)) as client:
        tasks = [asyncio.create_task(client.get("/block")) for _ in range(LIMIT + 5)]
        await until(lambda: backend.inside == LIMIT + 5, "every request enters")
        backend.release.set()
        assert {r.status_code for r in await asyncio.gather(*tasks)} == {200}


@bounded
async def test_an_exempt_path_answers_while_every_slot_is_taken() -> None:
    backend = Backend()
    async with client_for(admitted(backend)) as client:
        tasks = [asyncio.create_task(client.get("/block")) for _ in range(LIMIT + 1)]
        await until(lambda: backend.inside == LIMIT, "the slots are taken")
        assert (await asyncio.wait_for(client.get("/healthz"), 10)).status_code == 200
        backend.release.set()
        await asyncio.gather(*tasks)


async def all_slots_free(backend: Backend, client: httpx.AsyncClient) -> None:
    """All LIMIT slots can be taken at once (none was lost), then given back."""
    backend.release.clear()
    tasks = [asyncio.create_task(client.get("/block")) for _ in range(LIMIT)]
    await until(lambda: backend.inside == LIMIT, f"{LIMIT} requests enter together")
    backend.release.set()
    assert {r.status_code for r in await asyncio.gather(*tasks)} == {200}


@bounded
async def test_a_failing_request_gives_its_slot_back() -> None:
    backend = Backend()
    async with client_for(admitted(backend)) as client:
        for _ in range(LIMIT + 1):
            with pytest.raises(RuntimeError):
                await client.post("/boom", content=b"x")
            with pytest.raises(RuntimeError):
                await client.get("/boom")
        await all_slots_free(backend, client)


@bounded
async def test_cancelled_requests_give_their_slots_back_whether_in_or_waiting() -> None:
    backend = Backend()
    async with client_for(admitted(backend)) as client:
        inside = [asyncio.create_task(client.get("/block")) for _ in range(LIMIT)]
        await until(lambda: backend.inside == LIMIT, "the slots are taken")
        waiting = [asyncio.create_task(client.post("/block", content=b"w")) for _ in range(2)]
        await settle()
        for task in inside + waiting:  # the client goes away: the server's task is cancelled
            task.cancel()
        await asyncio.gather(*inside, *waiting, return_exceptions=True)
        assert backend.inside == 0
        await all_slots_free(backend, client)
    assert "/block:w" not in backend.entered


@bounded
async def test_a_client_that_disconnects_gives_its_slot_back() -> None:
    backend = Backend()
    app = admitted(backend, limit=1)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def scope(path: str, body: bool) -> dict[str, Any]:
        headers = [(b"content-length", b"10")] if body else []
        return {"type": "http", "method": "POST", "path": path, "headers": headers}

    # Holding the slot, the app waits for the client, which goes away.
    held = asyncio.Queue[dict[str, Any]]()
    await held.put({"type": "http.request", "body": b"", "more_body": False})
    call = asyncio.create_task(app(scope("/wait-disconnect", False), held.get, send))
    await until(lambda: backend.inside == 1, "the request holds the slot")
    await held.put({"type": "http.disconnect"})
    await call

    # Halfway through its body, the client goes away.
    parts = iter(
        [{"type": "http.request", "body": b"12345", "more_body": True}, {"type": "http.disconnect"}]
    )

    async def receive() -> dict[str, Any]:
        return next(parts)

    await app(scope("/block", True), receive, send)
    assert sent == []
    async with client_for(app) as client:  # the one slot is free: a request goes through
        assert (await asyncio.wait_for(client.get("/"), 10)).status_code == 200


@bounded
async def test_a_slow_upload_holds_no_slot_until_its_body_has_arrived() -> None:
    backend = Backend()
    app = admitted(backend, limit=1)
    rest = asyncio.Event()
    first_chunk_read = asyncio.Event()
    sent: list[dict[str, Any]] = []

    async def slow_receive() -> dict[str, Any]:
        if not first_chunk_read.is_set():
            first_chunk_read.set()
            return {"type": "http.request", "body": b"part1-", "more_body": True}
        await rest.wait()  # the client is still sending
        return {"type": "http.request", "body": b"part2", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    upload_scope = {
        "type": "http",
        "method": "POST",
        "path": "/upload",
        "headers": [(b"content-length", b"11")],
    }
    upload = asyncio.create_task(app(upload_scope, slow_receive, send))
    await first_chunk_read.wait()
    async with client_for(app) as client:
        # With one slot, others are served while the upload is under way.
        for _ in range(3):
            assert (await client.get("/")).status_code == 200
        # Once its body is in, the upload waits for the slot like any request.
        blocker = asyncio.create_task(client.get("/block"))
        await until(lambda: backend.inside == 1, "the blocker holds the slot")
        rest.set()
        await settle()
        assert "/upload:part1-part2" not in backend.entered
        backend.release.set()
        await upload
        assert (await blocker).status_code == 200
    assert backend.entered[-2:] == ["/block", "/upload:part1-part2"]
    assert sent[0]["status"] == 200


@bounded
async def test_a_streamed_response_gives_its_slot_back_at_its_first_chunk() -> None:
    backend = Backend()
    async with client_for(admitted(backend, limit=1)) as client:
        # httpx's ASGITransport collects the whole response: run the stream as its own task.
        stream = asyncio.create_task(client.get("/stream"))
        await until(lambda: backend.inside == 1, "the stream has begun")
        assert (await client.get("/")).status_code == 200
        backend.release.set()
        assert (await stream).content == b"ab"


@bounded
async def test_a_request_that_waits_too_long_is_answered_503_with_problem_details() -> None:
    backend = Backend()
    async with client_for(admitted(backend, limit=1, wait_seconds=0.05)) as client:
        blocker = asyncio.create_task(client.get("/block"))
        await until(lambda: backend.inside == 1, "the slot is taken")
        for response in (await client.get("/"), await client.post("/", content=b"body")):
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) > 0
            problem = response.json()
            assert problem["status"] == 503 and problem["type"].endswith("/service-unavailable")
        assert backend.entered == ["/block"]  # neither reached the app
        backend.release.set()
        assert (await blocker).status_code == 200
        assert (await client.get("/")).status_code == 200


# The service itself: the middleware's place in it, probes and docs never queued.


@pytest.fixture
async def busy_app(settings: Any) -> AsyncIterator[tuple[Any, asyncio.Event, list[str]]]:
    """The real app with two slots and a test-only route that holds its slot until released."""
    application = create_app(
        settings.model_copy(update={"max_requests_in_progress": 2, "admission_wait_seconds": 0})
    )
    application.state.outbound = offline_policy(settings.outbound_allow)
    release = asyncio.Event()
    inside: list[str] = []

    async def hold() -> dict[str, str]:
        inside.append("hold")
        await release.wait()
        return {"held": "yes"}

    application.add_api_route("/test/hold", hold, include_in_schema=False)
    async with application.router.lifespan_context(application):
        yield application, release, inside


@bounded
async def test_the_service_queues_work_but_never_its_probes_metrics_or_docs(
    busy_app: tuple[Any, asyncio.Event, list[str]], auth: Any
) -> None:
    application, release, inside = busy_app
    async with client_for(application) as client:
        holders = [asyncio.create_task(client.get("/test/hold")) for _ in range(2)]
        await until(lambda: len(inside) == 2, "both slots are held")
        listing = asyncio.create_task(client.get("/api/v1/claims", headers=auth(Role.auditor)))
        registration = asyncio.create_task(
            client.post("/api/v1/claims", json=claim_payload(), headers=auth(Role.intake))
        )
        for path in ("/healthz", "/readyz", "/openapi.json", "/docs"):
            assert (await asyncio.wait_for(client.get(path), 10)).status_code == 200, path
        scrape = await asyncio.wait_for(client.get("/metrics", headers=auth(Role.auditor)), 10)
        assert scrape.status_code == 200
        samples = {
            line.split(" ")[0]: float(line.split(" ")[1])
            for line in scrape.text.splitlines()
            if line.startswith("claims_admission_")
        }
        # The gauges are the process's: this app's two waiters at least.
        assert samples["claims_admission_waiting"] >= 2
        assert samples["claims_admission_in_progress"] >= 2
        await settle()
        assert not listing.done() and not registration.done()
        release.set()
        assert [(await t).status_code for t in holders] == [200, 200]
        assert (await listing).status_code == 200
        assert (await registration).status_code == 201
