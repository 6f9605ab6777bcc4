"""CPU per listing request on PostgreSQL, three ways in alternating blocks in one process
(issue 20, the listing's hot path):

- `tx`: the session in a transaction (BEGIN … ROLLBACK), the statement through the session:
  the listing as it was before;
- `ro`: the read session (autocommit: no BEGIN, no ROLLBACK), the statement through the session;
- `drv`: the read session, the statement on the asyncpg driver (app/claims/listing.py now);

and, `--ways claim_tx claim_ro --what read` or `--ways customers_tx customers_ro --what
customers`, a claim's read view and the customers' list in a transaction and on the read
session.

    PYTHONPATH=$PWD python bench/listing_ro.py [--n 1200] [--block 50] [--claims 200]

All three are mounted on the real app (create_app, httpx ASGITransport) at the head of its route
table with the listing route's dependencies; the handlers differ only in the session and in how
the statement is executed. Claims are registered through the API first; each request asks for
50 claims of one state. CPU is time.process_time, the client's share included alike; the load
average is printed before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter
from pydantic import SecretStr
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import email_cpu  # noqa: E402
import fixtures  # noqa: E402
import route_cpu  # noqa: E402

from app.claims import listing  # noqa: E402
from app.config import Settings  # noqa: E402
from app.customers import listing as customers_listing  # noqa: E402
from app.deps import (  # noqa: E402
    AnyPrincipal,
    AnyReader,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from app.enums import ClaimState, Role  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models.claims import ClaimPage, ClaimRead  # noqa: E402
from app.models.customers import CustomerPage  # noqa: E402
from app.workflow import claim_view  # noqa: E402

ways = APIRouter(prefix="/bench")


async def through_session(
    session: Any, *, filters: listing.ClaimFilter, limit: int, today: date
) -> ClaimPage:
    """list_claims with its statement executed through the session (the way before)."""
    conditions, params = listing._bind(filters, None, today)
    conditions = tuple("q_indexed" if c == "q" else c for c in conditions)
    result = await session.execute(listing._statement(conditions), {**params, "limit": limit + 1})
    keys = list(result.keys())
    rows = result.all()
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = listing.encode_cursor(last.received_at, last.id)
    return ClaimPage.model_validate(
        {
            "items": [dict(zip(keys, row, strict=True)) for row in rows[:limit]],
            "next_cursor": next_cursor,
        }
    )


@ways.get("/tx", response_model=ClaimPage)
async def in_transaction(
    principal: AnyPrincipal, session: SessionDep, status: ClaimState, limit: int = 50
) -> ClaimPage:
    filters = listing.ClaimFilter(status=[status])
    return await through_session(session, filters=filters, limit=limit, today=date.today())


@ways.get("/ro", response_model=ClaimPage)
async def read_only(
    principal: AnyReader, session: ReadSessionDep, status: ClaimState, limit: int = 50
) -> ClaimPage:
    filters = listing.ClaimFilter(status=[status])
    return await through_session(session, filters=filters, limit=limit, today=date.today())


@ways.get("/claim_tx/{number}", response_model=ClaimRead)
async def claim_in_transaction(
    number: str, principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> ClaimRead:
    return await claim_view.read_claim(
        session, number=number, principal=principal, settings=settings
    )


@ways.get("/claim_ro/{number}", response_model=ClaimRead)
async def claim_read_only(
    number: str, principal: AnyReader, session: ReadSessionDep, settings: SettingsDep
) -> ClaimRead:
    return await claim_view.read_claim(
        session, number=number, principal=principal, settings=settings
    )


@ways.get("/customers_tx", response_model=CustomerPage)
async def customers_in_transaction(
    principal: AnyPrincipal, session: SessionDep, settings: SettingsDep
) -> CustomerPage:
    return await customers_listing.list_customers(
        session,
        filters=customers_listing.CustomerFilter(),
        limit=50,
        cursor=None,
        region=settings.phone_default_region,
    )


@ways.get("/customers_ro", response_model=CustomerPage)
async def customers_read_only(
    principal: AnyReader, session: ReadSessionDep, settings: SettingsDep
) -> CustomerPage:
    return await customers_listing.list_customers(
        session,
        filters=customers_listing.CustomerFilter(),
        limit=50,
        cursor=None,
        region=settings.phone_default_region,
    )


@ways.get("/drv", response_model=ClaimPage)
async def on_driver(
    principal: AnyReader, session: ReadSessionDep, status: ClaimState, limit: int = 50
) -> ClaimPage:
    filters = listing.ClaimFilter(status=[status])
    return await listing.list_claims(
        session, filters=filters, limit=limit, cursor=None, today=date.today()
    )


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="listing-ro-"))
    name = f"listing_ro_{uuid.uuid4().hex[:8]}"
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
        app.include_router(ways)
        added = app.router.routes[-len(ways.routes) :]
        del app.router.routes[-len(ways.routes) :]
        app.router.routes[:0] = added
        async with app.router.lifespan_context(app):
            await measure(app, args)
    finally:
        await email_cpu._pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def measure(app: Any, args: argparse.Namespace) -> None:
    from app.auth.api_keys import create_key

    async with app.state.session_factory() as s:
        key = (await create_key(s, name="bench", roles=[Role.specialist])).key
    rng = random.Random(7)
    headers = {"X-API-Key": key}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for i in range(args.claims):
            r = await client.post(
                "/api/v1/claims", json=fixtures.claim_body(i, rng), headers=headers
            )
            assert r.status_code == 201, r.text
        number = r.json()["number"]
        paths = {
            "tx": "/bench/tx?status=new",
            "ro": "/bench/ro?status=new",
            "drv": "/bench/drv?status=new",
            "claim_tx": f"/bench/claim_tx/{number}",
            "claim_ro": f"/bench/claim_ro/{number}",
            "customers_tx": "/bench/customers_tx",
            "customers_ro": "/bench/customers_ro",
        }
        pages: dict[str, set[bytes]] = {}
        for way in args.ways:
            r = await client.get(paths[way], headers=headers)
            assert r.status_code == 200, r.text
            pages.setdefault(way.split("_")[0] if "_" in way else "listing", set()).add(r.content)
        assert all(len(answers) == 1 for answers in pages.values()), "the ways answer differently"

        def get(way: str) -> Callable[[int], Awaitable[None]]:
            async def call(i: int) -> None:
                r = await client.get(paths[way], headers=headers)
                assert r.status_code == 200, r.text

            return call

        print(f"load average before: {os.getloadavg()}")
        await route_cpu.compare(args.what, {way: get(way) for way in args.ways}, args)
        print(f"load average after: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1200, help="requests each way")
    parser.add_argument("--block", type=int, default=50, help="requests per alternating block")
    parser.add_argument("--claims", type=int, default=200, help="claims registered first")
    parser.add_argument(
        "--ways",
        nargs="+",
        default=["tx", "ro", "drv"],
        choices=["tx", "ro", "drv", "claim_tx", "claim_ro", "customers_tx", "customers_ro"],
    )
    parser.add_argument("--what", default="listing", help="the label of the figures")
    parser.set_defaults(profile=None)  # route_cpu.compare's profile is of its own ways
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
