"""CPU per registration and per listing with the claims routes' dependencies resolved as the
routers do (five: role check, principal, session, API-key header, settings) against one
dependency yielding principal, session and settings (`call_as` below; the API-key header stays
its sub-dependency), measured in-process in alternating blocks (issue 20, round two continued).

    PYTHONPATH=$PWD python bench/route_cpu.py [--n 600] [--block 50] [--sqlite] [--new-first]

Both ways are mounted on the real app (create_app, httpx ASGITransport) at the head of its route
table, under /old (the routers' signatures) and /one; the handlers' bodies and the services are
the same. Blocks of --block requests alternate, the first block of each discarded as warm-up.
Registrations use bench/fixtures.py's bodies with an Idempotency-Key; listings ask for 50 claims
of one state after the registrations. CPU is time.process_time, the client's share included in
both alike. --profile writes a cProfile of the one-dependency way's requests.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, Header, Query, Request, status
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import email_cpu  # noqa: E402
import fixtures  # noqa: E402

from app.auth.principal import Principal  # noqa: E402
from app.claims import listing, registration  # noqa: E402
from app.config import Settings  # noqa: E402
from app.deps import (  # noqa: E402
    READERS,
    AnyPrincipal,
    Registrar,
    SessionDep,
    SettingsDep,
    api_key_header,
    etag,
    principal_of,
    refuse_roles,
)
from app.enums import ClaimState, Role  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models.claims import Channel, ClaimCreate, ClaimPage  # noqa: E402
from app.routers import claims as claims_router  # noqa: E402
from app.workdays import today  # noqa: E402
from app.workflow import service as workflow_service  # noqa: E402

old = APIRouter(prefix="/old")


@old.post("/claims", status_code=status.HTTP_201_CREATED)
async def register_old(
    principal: Registrar,
    data: ClaimCreate,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    return await _register(principal, data, session, settings, idempotency_key)


async def _register(
    principal: Principal,
    data: ClaimCreate,
    session: Any,
    settings: Settings,
    idempotency_key: str | None,
) -> JSONResponse:
    result = await registration.register_claim(
        session,
        data=data,
        principal=principal,
        settings=settings,
        idempotency_key=idempotency_key,
        allowed=workflow_service.allowed_on_new(principal),
    )
    return JSONResponse(
        result.body,
        status_code=200 if result.replayed else result.status_code,
        headers={
            "ETag": etag(result.body["version"]),
            "Location": f"/api/v1/claims/{result.body['number']}",
        },
    )


@old.get("/claims", response_model=ClaimPage)
async def list_old(
    principal: AnyPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    status_: Annotated[list[ClaimState] | None, Query(alias="status")] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    model: Annotated[str | None, Query(max_length=64)] = None,
    serial: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[bool | None, Query()] = None,
    created_from: Annotated[datetime | None, Query()] = None,
    created_to: Annotated[datetime | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    needs_review: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ClaimPage:
    return await _list(principal, session, settings, locals())


async def _list(
    principal: Principal, session: Any, settings: Settings, p: dict[str, Any]
) -> ClaimPage:
    filters = listing.ClaimFilter(
        status=p["status_"],
        channel=p["channel"],
        customer=p["customer"],
        customer_id=p["customer_id"],
        owner=claims_router._owner(p["owner"], principal),
        model=p["model"],
        serial=p["serial"],
        overdue=p["overdue"],
        created_from=listing.filter_moment(
            p["created_from"], field="created_from", settings=settings
        ),
        created_to=listing.filter_moment(p["created_to"], field="created_to", settings=settings),
        q=p["q"],
        needs_review=p["needs_review"],
    )
    return await listing.list_claims(
        session, filters=filters, limit=p["limit"], cursor=p["cursor"], today=today(settings)
    )


@dataclass(slots=True, frozen=True)
class Call:
    """What the claims routes need, from one dependency: the caller, a session, the settings."""

    principal: Principal
    session: Any
    settings: Settings


def call_as(*roles: Role) -> Callable[..., object]:
    """`require(*roles)` with the session and the settings in one dependency: the same checks
    in the same order (401, then 403); the API-key header stays a sub-dependency, so that
    OpenAPI still names the security scheme."""
    allowed = frozenset(roles)

    async def dependency(
        request: Request, key: Annotated[str | None, Depends(api_key_header)]
    ) -> AsyncIterator[Call]:
        async with request.app.state.session_factory() as session:
            principal = await principal_of(request, session, key)
            refuse_roles(principal, allowed)
            yield Call(principal, session, request.app.state.settings)

    return dependency


RegistrarCall = Annotated[Call, Depends(call_as(Role.intake, Role.specialist, Role.head))]
ReaderCall = Annotated[Call, Depends(call_as(*READERS))]
one = APIRouter(prefix="/one")


@one.post("/claims", status_code=status.HTTP_201_CREATED)
async def register_one(
    call: RegistrarCall,
    data: ClaimCreate,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    return await _register(call.principal, data, call.session, call.settings, idempotency_key)


@one.get("/claims", response_model=ClaimPage)
async def list_one(
    call: ReaderCall,
    status_: Annotated[list[ClaimState] | None, Query(alias="status")] = None,
    channel: Annotated[list[Channel] | None, Query()] = None,
    customer: Annotated[str | None, Query(max_length=200)] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    owner: Annotated[str | None, Query(max_length=100)] = None,
    model: Annotated[str | None, Query(max_length=64)] = None,
    serial: Annotated[str | None, Query(max_length=64)] = None,
    overdue: Annotated[bool | None, Query()] = None,
    created_from: Annotated[datetime | None, Query()] = None,
    created_to: Annotated[datetime | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    needs_review: Annotated[bool | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> ClaimPage:
    params = locals()
    return await _list(call.principal, call.session, call.settings, params)


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="route-cpu-"))
    name = None
    if args.sqlite:
        url = f"sqlite+aiosqlite:///{tmp / 'claims.db'}"
    else:
        name = f"route_cpu_{uuid.uuid4().hex[:8]}"
        await email_cpu._pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(email_cpu.PG).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(email_cpu._migrate, url)
        settings = Settings(
            environment="test",
            database_url=url,
            storage_dir=tmp / "storage",
            holidays=[],
            email_hmac_secret=SecretStr(email_cpu.SECRET),
        )
        app = create_app(settings)
        # First in the table, as the app's own claims routes are near its top: routing walks
        # the routes in order, and neither way must pay more for the walk.
        for router in (one, old):
            app.include_router(router)
            added = app.router.routes[-1:]
            del app.router.routes[-1:]
            app.router.routes[:0] = added
        async with app.router.lifespan_context(app):
            await measure(app, args)
    finally:
        if name:
            await email_cpu._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(app: Any, args: argparse.Namespace) -> None:
    from app.auth.api_keys import create_key

    async with app.state.session_factory() as s:
        key = (await create_key(s, name="bench", roles=[Role.specialist])).key
    rng = random.Random(7)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

        def register(path: str) -> Callable[[int], Awaitable[None]]:
            async def call(i: int) -> None:
                r = await client.post(
                    path,
                    json=fixtures.claim_body(i, rng),
                    headers={"X-API-Key": key, "Idempotency-Key": uuid.uuid4().hex},
                )
                assert r.status_code == 201, r.text

            return call

        def list_new(path: str) -> Callable[[int], Awaitable[None]]:
            async def call(i: int) -> None:
                r = await client.get(
                    path, params={"status": "new", "limit": 50}, headers={"X-API-Key": key}
                )
                assert r.status_code == 200 and len(r.json()["items"]) == 50, r.text

            return call

        order = ["new", "old"] if args.new_first else ["old", "new"]
        paths = {"old": "/old/claims", "new": "/one/claims"}
        await compare("registration", {k: register(paths[k]) for k in order}, args)
        await compare("listing", {k: list_new(paths[k]) for k in order}, args)


async def compare(
    what: str, ways: dict[str, Callable[[int], Awaitable[None]]], args: argparse.Namespace
) -> None:
    samples: dict[str, list[float]] = {label: [] for label in ways}
    profiler = cProfile.Profile(time.process_time) if args.profile == what else None
    for block in range(-1, args.n // args.block):
        for label, call in ways.items():
            for i in range(args.block):
                if profiler and label == "new" and block >= 0:
                    profiler.enable()
                t = time.process_time()
                await call(i)
                spent = time.process_time() - t
                if profiler:
                    profiler.disable()
                if block >= 0:  # the first block of each warms up
                    samples[label].append(spent)
    if profiler:
        profiler.dump_stats(f"/tmp/route_cpu_{what}.prof")
        print(f"profile of the new {what} requests in /tmp/route_cpu_{what}.prof")
    for label, values in samples.items():
        print(
            f"{what} {label}: CPU per request mean {statistics.mean(values) * 1000:.3f} ms, "
            f"median {statistics.median(values) * 1000:.3f} ms over {len(values)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600, help="requests each way")
    parser.add_argument("--block", type=int, default=50, help="requests per alternating block")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    parser.add_argument(
        "--profile", choices=["registration", "listing"], help="cProfile the new route's requests"
    )
    parser.add_argument("--new-first", action="store_true", help="each pair of blocks new, old")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
