"""The `claims` command: serve, migrate, worker, check, create-api-key, seed-demo, dev-certificate,
rollup-reports.

A mistake in the configuration or the environment ends the command with one line on stderr
and exit status 1, never a traceback (docs/operations.md).
"""

import argparse
import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from app.config import DEFAULT_DATABASE_URL, Settings, get_settings, in_language
from app.enums import Role
from app.errors import DatabaseUnavailable
from app.preflight import (
    MIGRATE,
    StartupError,
    check_storage,
    connection_problem,
    database_state,
    settings_problem,
    sqlite_path,
)

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlmodel.ext.asyncio.session import AsyncSession

ROOT = Path(__file__).resolve().parent.parent
_T = TypeVar("_T")


def alembic_config() -> "Config":
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    return cfg


def migrate(revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(), revision)


async def _with_session(work: "Callable[[AsyncSession], Awaitable[_T]]") -> _T:
    from app.db import create_engine, create_session_factory

    engine = create_engine(get_settings())
    try:
        async with create_session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def create_api_key(
    name: str,
    roles: list[str],
    *,
    full_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    titles: dict[str, str] | None = None,
    acting_for: str | None = None,
) -> str:
    """Raises InvalidInput for a phone number or an email that is not valid."""
    from app.auth.api_keys import ApiKeyCreate, create_key, person_phone

    # The same checks as the admin API's.
    data = ApiKeyCreate(
        name=name,
        roles=roles,  # type: ignore[arg-type]
        full_name=full_name,
        phone=phone,
        email=email,
        titles=titles,
        acting_for=acting_for,  # type: ignore[arg-type]
    )
    e164 = person_phone(data.phone, get_settings().phone_default_region, field="--phone")
    created = asyncio.run(
        _with_session(
            lambda s: create_key(
                s,
                name=data.name,
                roles=data.roles,
                full_name=data.full_name,
                phone=e164,
                email=data.email,
                titles=data.titles,
                acting_for=data.acting_for,
            )
        )
    )
    return created.key


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's handling of X-Forwarded-For and -Proto: only from CLAIMS_TRUSTED_PROXIES.

    uvicorn's own default believes 127.0.0.1, so a client on the same host (or any client,
    behind a local proxy that passes the header on) could name its own address.
    """
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(settings.trusted_proxies)}


class _Help(argparse.ArgumentDefaultsHelpFormatter):
    """Every option's help ends with its default."""


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    parser = argparse.ArgumentParser(
        prog="claims",
        description=__doc__,
        formatter_class=_Help,
        epilog="Settings come from CLAIMS_* environment variables (and ./.env); "
        "`claims check` shows how they stand.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, formatter_class=_Help)

    serve = command(
        "serve",
        "apply migrations and run the API server (on the default SQLite, creates ./claims.db)",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument("--workers", type=int, default=1, help="server processes (uvicorn workers)")
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="do not migrate; refuse to start unless the database is migrated",
    )
    command("migrate", "apply database migrations (alembic upgrade head); creates a SQLite file")
    worker = command("worker", "deliver the outbox (webhooks, email) and run the SLA clock")
    worker.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    command(
        "check",
        "print each configuration item and its state; exit 1 when one is an error",
    )
    key = command("create-api-key", "create an API key and print it (last line)")
    key.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="the key's role; repeat for several roles",
    )
    key.add_argument("--name", required=True, help="the key's name (a person or a system)")
    key.add_argument(
        "--full-name", default=None, help="the person, printed in letters as the executor"
    )
    key.add_argument("--phone", default=None, help="the person's phone, printed in letters")
    key.add_argument("--email", default=None, help="the person's email, printed in letters")
    key.add_argument(
        "--title",
        action="append",
        default=[],
        metavar="LANG=TITLE",
        help="the title printed under the person's name when they sign; repeat per language",
    )
    key.add_argument(
        "--acting-for",
        choices=["head", "director"],
        default=None,
        help="a deputy who approves and signs letters as acting head or director",
    )
    command("seed-demo", "add demo product models and units")
    command(
        "rollup-reports",
        "bring the summary report's monthly rollups up to date at once (after an import)",
    )
    dev_cert = command(
        "dev-certificate",
        "make a self-signed CA and a letter-signing certificate (development only)",
    )
    dev_cert.add_argument("--out", required=True, type=Path, help="directory for the files")
    dev_cert.add_argument(
        "--organisation",
        default=None,
        help="the certificate's organisation; unset: CLAIMS_LETTER_COMPANY_NAME",
    )
    dev_cert.add_argument("--name", default="Quality Control Department", help="the signer")
    return parser, {"create-api-key": key}


def main(argv: list[str] | None = None) -> int:
    parser, subparsers = _parser()
    args = parser.parse_args(argv)
    try:
        return _run(args, subparsers)
    except StartupError as exc:
        _fail(args.command, str(exc))
    except ValidationError as exc:
        _fail(args.command, str(settings_problem(exc)))
    except KeyboardInterrupt:
        return 130
    except (SQLAlchemyError, DatabaseUnavailable, OSError) as exc:
        # A database that went away after the checks, or one alembic met first.
        _fail(args.command, connection_problem(get_settings().database_url, exc))
    return 1


def _fail(command: str, message: str) -> NoReturn:
    """One line on stderr, never a traceback: what is wrong and how to fix it."""
    print(f"claims {command}: error: {message}", file=sys.stderr)
    raise SystemExit(1)


_REVISION = re.compile(r"^revision\b[^=]*=\s*[\"']([^\"']+)", re.M)
_DOWN = re.compile(r"^down_revision\b[^=]*=(.*)$", re.M)


def _head() -> str:
    """The latest migration, read from the files' `revision` and `down_revision` lines: the
    one no other revises. Alembic's own ScriptDirectory imports every migration (a second of
    CPU on each start of every command)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down is not None:
            revised.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - revised
    if len(heads) != 1:
        raise StartupError(f"the migrations have {len(heads)} heads ({', '.join(sorted(heads))})")
    return heads.pop()


def _require_migrated(settings: Settings) -> None:
    """The commands that use the database refuse one that is missing or not migrated, rather
    than create an empty SQLite file in whatever folder they were run from."""
    state = asyncio.run(database_state(settings, head=_head()))
    if not state.ok:
        raise StartupError(state.detail)


def _migrate_checked(settings: Settings, *, create: bool) -> None:
    """Migrate, after making sure that is what the caller meant: a missing SQLite file is
    created only with `create` (migrate; serve on the default URL), in a folder that exists."""
    if settings.is_sqlite:
        path = sqlite_path(settings.database_url)
        if path is not None and not path.exists():
            if not create:
                raise StartupError(
                    f"no database at {path} (working folder {Path.cwd()}): {MIGRATE}"
                )
            if not path.parent.is_dir():
                raise StartupError(
                    f"CLAIMS_DATABASE_URL: the folder {path.parent} does not exist; create it "
                    "or fix the path"
                )
    else:
        state = asyncio.run(database_state(settings, head=_head()))
        if state.state == "unreachable":
            raise StartupError(state.detail)
    migrate()


def _run(args: argparse.Namespace, subparsers: dict[str, argparse.ArgumentParser]) -> int:
    if args.command == "dev-certificate":
        from app.letters.certificates import make_dev_certificate

        made = make_dev_certificate(
            args.out,
            organisation=args.organisation
            or in_language(get_settings().letter_company_name, "en")
            or "",
            signer_name=args.name,
        )
        print(f"CA certificate:      {made.ca_pem}")
        print(f"signing certificate: {made.certificate_pem}")
        print("To sign issued letters with it (development only):")
        print(f"CLAIMS_SIGNING_PKCS12={made.pkcs12.resolve()}")
        print(f"CLAIMS_SIGNING_PASSWORD_FILE={made.password_file.resolve()}")
        print(f"CLAIMS_SIGNING_TRUST_ANCHORS={made.ca_pem.resolve()}")
        return 0
    settings = get_settings()
    if args.command == "check":
        from app.checks import run_checks

        return run_checks(settings, head=_head())
    if args.command == "migrate":
        _migrate_checked(settings, create=True)
        print("database is at the latest migration")
    elif args.command == "serve":
        import uvicorn

        check_storage(settings)
        if args.no_migrate:
            _require_migrated(settings)
        else:
            _migrate_checked(settings, create=settings.database_url == DEFAULT_DATABASE_URL)
        uvicorn.run(
            "app.main:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,
            **proxy_options(settings),
        )
    elif args.command == "create-api-key":
        from app.errors import InvalidInput

        titles = dict(item.partition("=")[::2] for item in args.title)
        if any(not lang or not title for lang, title in titles.items()):
            subparsers["create-api-key"].error(
                "--title takes LANG=TITLE, such as --title 'ru=Начальник ОКК'"
            )
        _require_migrated(settings)
        try:
            key_value = create_api_key(
                args.name,
                args.role,
                full_name=args.full_name,
                phone=args.phone,
                email=args.email,
                titles=titles or None,
                acting_for=args.acting_for,
            )
        except (InvalidInput, ValidationError) as exc:
            subparsers["create-api-key"].error(str(exc))
        print(f"API key for {args.name} ({', '.join(args.role)}); it is shown only once:")
        print(key_value)
    elif args.command == "seed-demo":
        from app.catalog.demo import seed_demo

        _require_migrated(settings)
        print(asyncio.run(_with_session(seed_demo)))
    elif args.command == "rollup-reports":
        from app.reports.rollups import refresh

        _require_migrated(settings)
        done = asyncio.run(_with_session(lambda s: refresh(s, settings=settings)))
        # A month is left when a writer stayed open through its refresh: it is still live.
        left = f", {done.left} left for the next run" if done.left else ""
        print(f"{done.months} months refreshed ({done.claims} claims){left}")
    elif args.command == "worker":
        from app.logging_setup import configure_logging
        from app.runner import run_worker

        check_storage(settings)
        _require_migrated(settings)
        configure_logging(settings.log_level, settings.log_json)
        asyncio.run(run_worker(settings, once=args.once))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
