"""`claims check`: each configuration item and its state, one line each.

`error` lines make the command exit 1 (the service would not start, or would fail its first
request); `warning` lines are things that work but may not be what was meant (no email
gateway: letters cannot be emailed, only marked as sent by post).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from app.config import Settings
from app.db import create_engine, create_session_factory
from app.events.status import Channel, email_channel, webhooks_channel
from app.preflight import database_location, database_state, storage_problem

Level = Literal["ok", "warning", "error"]


@dataclass(frozen=True)
class Item:
    name: str
    level: Level
    state: str
    detail: str


async def _channels(settings: Settings) -> tuple[Channel, Channel]:
    engine = create_engine(settings, pooled=False)
    try:
        async with create_session_factory(engine)() as session:
            return await email_channel(session, settings), await webhooks_channel(session)
    finally:
        await engine.dispose()


def _channel_item(name: str, channel: Channel) -> Item:
    level: Level = "ok" if channel.state == "configured" else "warning"
    return Item(name, level, channel.state, channel.detail)


async def _signing(settings: Settings) -> Item:
    if settings.signing_pkcs12 is None:
        return Item(
            "signing certificate",
            "warning",
            "not_configured",
            "letters are issued unsigned; set CLAIMS_SIGNING_PKCS12 (docs/signing.md)",
        )
    from app.letters.signed_pdf import load_certificate  # WeasyPrint: only when needed

    try:
        cert = await load_certificate(settings)
    except RuntimeError as exc:
        return Item("signing certificate", "error", "failing", str(exc))
    assert cert is not None
    if cert.valid_until <= datetime.now(UTC):
        return Item(
            "signing certificate", "error", "failing", f"expired on {cert.valid_until:%Y-%m-%d}"
        )
    return Item(
        "signing certificate",
        "ok",
        "configured",
        f"{cert.subject}, valid until {cert.valid_until:%Y-%m-%d}",
    )


async def collect(settings: Settings, *, head: str) -> list[Item]:
    items = [Item("environment", "ok", settings.environment, "settings parse")]
    db = await database_state(settings, head=head)
    items.append(
        Item(
            "database",
            "ok" if db.ok else "error",
            db.state,
            db.detail if not db.ok else f"{database_location(settings.database_url)}, migrated",
        )
    )
    problem = storage_problem(settings.storage_dir, create=False)
    where = str(settings.storage_dir.absolute())
    if not problem and not settings.storage_dir.exists():
        where += " (created at start)"
    items.append(
        Item(
            "storage",
            "error" if problem else "ok",
            "not_writable" if problem else "writable",
            problem or where,
        )
    )
    if db.ok:
        email, hooks = await _channels(settings)
        items += [_channel_item("email gateway", email), _channel_item("webhooks", hooks)]
    else:
        gateway = "configured" if settings.email_gateway_url else "not_configured"
        items.append(Item("email gateway", "warning", gateway, "not checked: no database"))
    items.append(await _signing(settings))
    country = settings.calendar_country or "none (weekends only)"
    extra = len(settings.holidays) + len(settings.working_dates)
    items.append(
        Item(
            "calendar",
            "ok",
            "configured",
            f"country {country}, time zone {settings.timezone}, {extra} company date(s)",
        )
    )
    items.append(
        Item(
            "worker",
            "ok",
            "in_process" if settings.worker_in_process else "separate",
            "the server runs it" if settings.worker_in_process else "run `claims worker`",
        )
    )
    return items


def run_checks(settings: Settings, *, head: str) -> int:
    items = asyncio.run(collect(settings, head=head))
    width = max(len(item.name) for item in items)
    for item in items:
        print(f"{item.level:<7}  {item.name:<{width}}  {item.state:<14}  {item.detail}")
    errors = sum(item.level == "error" for item in items)
    print(f"{errors} error(s)" if errors else "ready")
    return 1 if errors else 0
