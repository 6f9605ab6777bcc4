"""The `claims` command: serve, migrate, worker, create-api-key, seed-demo, dev-certificate."""

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from app.config import Settings, get_settings, in_language
from app.enums import Role

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="claims", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="apply migrations and run the API server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-migrate", action="store_true")
    sub.add_parser("migrate", help="apply database migrations (alembic upgrade head)")
    worker = sub.add_parser("worker", help="deliver the outbox and run the SLA clock")
    worker.add_argument("--once", action="store_true", help="deliver what is due, then exit")
    key = sub.add_parser("create-api-key", help="create an API key and print it (last line)")
    key.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="repeat for several roles",
    )
    key.add_argument("--name", required=True)
    key.add_argument("--full-name", help="the person, printed in letters as the executor")
    key.add_argument("--phone", help="the person's phone, printed in letters")
    key.add_argument("--email", help="the person's email, printed in letters")
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
        help="a deputy who approves and signs letters as acting head or director",
    )
    sub.add_parser("seed-demo", help="add demo product models and units")
    dev_cert = sub.add_parser(
        "dev-certificate",
        help="make a self-signed CA and a letter-signing certificate (development only)",
    )
    dev_cert.add_argument("--out", required=True, type=Path, help="directory for the files")
    dev_cert.add_argument(
        "--organisation", default=None, help="default: CLAIMS_LETTER_COMPANY_NAME"
    )
    dev_cert.add_argument("--name", default="Quality Control Department", help="the signer")
    args = parser.parse_args(argv)

    if args.command == "migrate":
        migrate()
        print("database is at the latest migration")
    elif args.command == "serve":
        import uvicorn

        if not args.no_migrate:
            migrate()
        uvicorn.run(
            "app.main:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            access_log=False,
            **proxy_options(get_settings()),
        )
    elif args.command == "create-api-key":
        from pydantic import ValidationError

        from app.errors import InvalidInput

        titles = dict(item.partition("=")[::2] for item in args.title)
        if any(not lang or not title for lang, title in titles.items()):
            key.error("--title takes LANG=TITLE, such as --title 'ru=Начальник ОКК'")
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
            key.error(str(exc))
        print(f"API key for {args.name} ({', '.join(args.role)}); it is shown only once:")
        print(key_value)
    elif args.command == "seed-demo":
        from app.catalog.demo import seed_demo

        print(asyncio.run(_with_session(seed_demo)))
    elif args.command == "dev-certificate":
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
    elif args.command == "worker":
        from app.runner import run_worker

        asyncio.run(run_worker(get_settings(), once=args.once))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
