"""What must hold before the service starts: settings that parse, a storage folder it can
write, a database it can reach and that is migrated. Each failure is one line that says what
is wrong and how to fix it (`claims` prints it instead of a traceback; `claims check` and
`/readyz` report the same findings)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from app.config import Settings
from app.db import create_engine
from app.errors import DatabaseUnavailable


class StartupError(Exception):
    """A mistake in the configuration or the environment: one line, with the fix."""


def settings_problem(exc: ValidationError) -> StartupError:
    """Pydantic's multi-line report as one line naming each CLAIMS_ variable."""
    parts = []
    for error in exc.errors():
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        loc = [str(item) for item in error.get("loc", ()) if item != "__root__"]
        if loc and not message.startswith("CLAIMS_"):
            message = f"CLAIMS_{loc[0].upper()}: {message}"
        parts.append(message)
    return StartupError("configuration: " + "; ".join(parts))


def storage_problem(path: Path, *, create: bool = True) -> str | None:
    """Why files cannot be stored under `path` (created if missing), or None. Writes and
    removes a small file: permissions, a read-only mount and a full disk all show. Without
    `create` (`claims check`) a missing folder is judged by the folder it would be made in."""
    if not create and not path.exists():
        parent = next((p for p in path.absolute().parents if p.exists()), None)
        if parent is not None and parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
            return None
        return (
            f"CLAIMS_STORAGE_DIR={path} does not exist and cannot be created: create it, "
            "writable for this user, or point CLAIMS_STORAGE_DIR at a folder that is"
        )
    try:
        path.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=path, prefix=".write-check-")
        try:
            os.write(fd, b"ok")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.unlink(name)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return (
            f"CLAIMS_STORAGE_DIR={path} cannot be written to ({reason}): make it writable "
            "for this user, or point CLAIMS_STORAGE_DIR at a folder that is"
        )
    return None


def check_storage(settings: Settings) -> None:
    problem = storage_problem(settings.storage_dir)
    if problem:
        raise StartupError(problem)


def database_location(url: str) -> str:
    """The database as a person names it, without the password."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return "CLAIMS_DATABASE_URL"
    if parsed.drivername.startswith("sqlite"):
        return f"SQLite file {sqlite_path(url) or ':memory:'}"
    port = parsed.port or 5432
    return f"{parsed.database or '?'} on {parsed.host or 'localhost'}:{port}"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (resolved against the working folder); None in memory."""
    parsed = make_url(url)
    database = parsed.database or ""
    if not database or database == ":memory:" or "mode=memory" in url:
        return None
    return Path(database).resolve()


@dataclass(frozen=True)
class DatabaseState:
    state: Literal["ok", "missing", "not_migrated", "outdated", "unreachable"]
    detail: str

    @property
    def ok(self) -> bool:
        return self.state == "ok"


MIGRATE = "run `claims migrate` (with the same CLAIMS_DATABASE_URL)"


async def database_state(settings: Settings, *, head: str) -> DatabaseState:
    """Reachable and at migration `head`? Never creates a SQLite file that is not there."""
    url, where = settings.database_url, database_location(settings.database_url)
    if settings.is_sqlite:
        path = sqlite_path(url)
        if path is not None and not path.exists():
            return DatabaseState(
                "missing", f"no database at {path} (working folder {Path.cwd()}): {MIGRATE}"
            )
    try:
        engine = create_engine(settings, pooled=False, statement_timeouts=False)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        return DatabaseState("unreachable", url_problem(url, exc))
    try:
        async with engine.connect() as conn:
            has_table = await conn.run_sync(
                lambda sync: sync.dialect.has_table(sync, "alembic_version")
            )
            if not has_table:
                return DatabaseState("not_migrated", f"{where} has no tables yet: {MIGRATE}")
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    except (SQLAlchemyError, DatabaseUnavailable, OSError) as exc:
        return DatabaseState("unreachable", connection_problem(url, exc))
    finally:
        await engine.dispose()
    if version != head:
        return DatabaseState(
            "outdated", f"{where} is at migration {version or 'none'}, not {head}: {MIGRATE}"
        )
    return DatabaseState("ok", f"{where}, at migration {head}")


def url_problem(url: str, exc: BaseException) -> str:
    scheme = url.split(":", 1)[0]
    return (
        f"CLAIMS_DATABASE_URL: {scheme}:// is not a database this service can use ({exc}); "
        "use postgresql+asyncpg://user@host:5432/name or sqlite+aiosqlite:///./claims.db"
    )


def connection_problem(url: str, exc: BaseException) -> str:
    """One line for a failed connection: a missing database, a refused port, a login."""
    where = database_location(url)
    cause: BaseException = exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        cause = exc.orig
    if isinstance(cause, DatabaseUnavailable) and cause.__cause__ is not None:
        cause = cause.__cause__  # the refusal or timeout the driver met
    name = type(cause).__name__
    said = " ".join(str(cause).split())[:200]
    if name == "InvalidCatalogNameError" or "does not exist" in said and "database" in said:
        database = make_url(url).database
        return (
            f"database {database!r} does not exist on {where.split(' on ')[-1]}: create it "
            f"(createdb {database}, or CREATE DATABASE), then {MIGRATE}"
        )
    if isinstance(cause, ConnectionRefusedError) or "refused" in said.lower():
        return (
            f"cannot connect to {where}: connection refused; is PostgreSQL running there? "
            "Check the host and port in CLAIMS_DATABASE_URL"
        )
    if name in ("InvalidPasswordError", "InvalidAuthorizationSpecificationError"):
        return (
            f"cannot log in to {where}: {said}; check the user and password in CLAIMS_DATABASE_URL"
        )
    if isinstance(cause, TimeoutError) or "timeout" in name.lower():
        return (
            f"cannot connect to {where}: no answer within CLAIMS_DATABASE_CONNECT_TIMEOUT; "
            "check the host in CLAIMS_DATABASE_URL and the network"
        )
    return f"cannot use {where}: {name}: {said}"
