"""What the bench knows about the service: databases, migration, seed data, API keys, how to
start it and the baseline, and the wrk options for each scenario."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import fixtures
import seed
from harness import BENCH, Server, free_port

ROOT = BENCH.parent
CLAIMS = "/api/v1/claims"
EMAIL = "/api/v1/intake/email"
EMAIL_SECRET = "bench-email-gateway-secret-0123456789"
LIST_STATUSES = ["new", "design_review", "remedy", "closed"]


@dataclass
class Setup:
    args: argparse.Namespace
    work: Path
    svc_db: str
    base_db: str
    api_key: str = ""
    lua: dict[str, dict | None] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def dsn(self, db: str) -> str:
        return f"{self.args.pg.rstrip('/')}/{db}"

    def service_env(self) -> dict[str, str]:
        return {
            "CLAIMS_DATABASE_URL": self.dsn(self.svc_db).replace(
                "postgresql://", "postgresql+asyncpg://", 1
            ),
            "CLAIMS_STORAGE_DIR": str(self.work / "storage"),
            "CLAIMS_EMAIL_HMAC_SECRET": EMAIL_SECRET,
            "PYTHONPATH": str(ROOT),
        }

    def service_server(
        self, app: str = "app.main:app", app_dir: Path = ROOT, workers: int = 1
    ) -> Server:
        port = free_port()
        return Server(
            "service",
            uvicorn(app, port, app_dir, workers),
            self.service_env(),
            ROOT,
            port,
        )

    def baseline_server(self) -> Server:
        port = free_port()
        return Server(
            "baseline",
            uvicorn("baseline:app", port, BENCH),
            {"CLAIMS_BASELINE_DSN": self.dsn(self.base_db)},
            BENCH,
            port,
        )

    # wrk options per scenario (None: the service has no such endpoint)
    @property
    def intake_lua(self) -> dict | None:
        return self.lua.get("intake")

    @property
    def baseline_intake_lua(self) -> dict | None:
        return self.lua.get("baseline_intake")

    @property
    def email_lua(self) -> dict | None:
        return self.lua.get("email")

    @property
    def listing_lua(self) -> dict | None:
        return self.lua.get("listing")

    @property
    def baseline_listing_lua(self) -> dict | None:
        return self.lua.get("baseline_listing")

    @property
    def memory_lua(self) -> dict | None:
        return self.lua.get("memory")


def uvicorn(app: str, port: int, app_dir: Path, workers: int = 1) -> list[str]:
    # The same server settings for the service and the baseline: one worker (`--workers` for
    # the service's scaling row), no access log
    # (the service writes its own JSON request log line, as in production), and keep-alive
    # longer than uvicorn's 5 s default: at a low fixed rate each of the 64 connections idles
    # for seconds, and connections the server closed would count as wrk read errors.
    options = f"--workers {workers} --no-access-log --log-level warning --timeout-keep-alive 75"
    return [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--app-dir",
        str(app_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *options.split(),
    ]


async def _admin(args: argparse.Namespace) -> asyncpg.Connection:
    return await asyncpg.connect(f"{args.pg.rstrip('/')}/postgres")


async def prepare(args: argparse.Namespace, work: Path) -> Setup:
    tag = f"bench_{os.getpid()}"
    setup = Setup(args, work, svc_db=f"{tag}_service", base_db=f"{tag}_baseline")
    conn = await _admin(args)
    try:
        for db in (setup.svc_db, setup.base_db):
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{db}"')
    finally:
        await conn.close()
    env = {**os.environ, **setup.service_env()}
    print(
        f"databases {setup.svc_db}, {setup.base_db}: migrating (alembic upgrade head) and "
        f"seeding {args.seed_claims:,} claims each"
    )
    run([sys.executable, "-m", "alembic", "upgrade", "head"], env)
    conn = await asyncpg.connect(setup.dsn(setup.svc_db))
    try:
        # seed() sets the claim counters of the years it numbered.
        await seed.seed(conn, claims=args.seed_claims, units=True)
    finally:
        await conn.close()
    run(
        [
            sys.executable,
            str(BENCH / "baseline.py"),
            "setup",
            "--dsn",
            setup.dsn(setup.base_db),
            "--seed",
            str(args.seed_claims),
        ],
        os.environ.copy(),
    )
    out = run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "create-api-key",
            "--role",
            "intake",
            "--role",
            "specialist",
            "--name",
            "bench",
        ],
        env,
    )
    setup.api_key = out.strip().splitlines()[-1]
    write_fixtures(setup)
    return setup


def write_fixtures(setup: Setup) -> None:
    w = setup.work
    bodies = str(fixtures.write_claim_bodies(w / "claims.jsonl"))
    mime, size = fixtures.write_mime(w / "message.eml")
    setup.notes.append(f"email scenario: {size:,}-byte multipart message")
    svc_list = fixtures.write_paths(
        w / "list.txt", [f"{CLAIMS}?status={s}&limit=50" for s in LIST_STATUSES]
    )
    base_list = fixtures.write_paths(
        w / "base_list.txt", [f"/claims?status={s}&limit=50" for s in LIST_STATUSES]
    )
    key = setup.api_key
    setup.lua = {
        "intake": {"json_file": bodies, "json_path": CLAIMS, "api_key": key},
        "baseline_intake": {"json_file": bodies, "json_path": "/claims"},
        "email": {
            "mime_file": str(mime),
            "mime_path": EMAIL,
            "hmac_secret": EMAIL_SECRET,
            "hmac_header": "X-Claims-Signature",
            "hmac_ts_header": "X-Claims-Timestamp",
        },
        "listing": {"get_file": str(svc_list), "api_key": key},
        "baseline_listing": {"get_file": str(base_list)},
    }
    # the memory run mixes one registration (and one email when the endpoint exists) with
    # three listings, so that 100,000 requests take minutes rather than an hour
    setup.lua["memory"] = {**setup.lua["intake"], "get_file": str(svc_list), "get_weight": 3}


def run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])}… failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def request(
    url: str,
    *,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def sanity_check(setup: Setup, svc: Server, base: Server) -> None:
    """One request of each kind before loading: a wrong body or key must not pass as speed."""
    status, raw = request(svc.url + "/openapi.json")
    paths = json.loads(raw)["paths"] if status == 200 else {}
    if EMAIL not in paths:
        setup.lua["email"] = None
        setup.notes.append("email intake endpoint not in this build")
    else:
        setup.lua["memory"]["mime_file"] = setup.lua["email"]["mime_file"]
        for k in ("mime_path", "hmac_secret", "hmac_header", "hmac_ts_header"):
            setup.lua["memory"][k] = setup.lua["email"][k]
    body = Path(setup.lua["intake"]["json_file"]).read_text().splitlines()[0].encode()
    key = {"X-API-Key": setup.api_key}
    checks = [
        (svc, "POST", CLAIMS, body, {**key, "Content-Type": "application/json"}, 201),
        (svc, "GET", f"{CLAIMS}?status=new&limit=50", None, key, 200),
        (base, "POST", "/claims", body, {"Content-Type": "application/json"}, 201),
        (base, "GET", "/claims?status=new&limit=50", None, {}, 200),
    ]
    if setup.lua["email"]:
        import hashlib
        import hmac
        import time

        mime = (
            Path(setup.lua["email"]["mime_file"])
            .read_bytes()
            .replace(b"@@UNIQUE@@", b"sanity.check")
        )
        ts = str(int(time.time()))
        sig = hmac.new(EMAIL_SECRET.encode(), ts.encode() + b"." + mime, hashlib.sha256)
        checks.append(
            (
                svc,
                "POST",
                EMAIL,
                mime,
                {
                    "Content-Type": "message/rfc822",
                    "X-Claims-Timestamp": ts,
                    "X-Claims-Signature": sig.hexdigest(),
                },
                (200, 201, 202),
            )
        )
    for server, method, path, data, headers, expect in checks:
        status, raw = request(server.url + path, method=method, body=data, headers=headers)
        ok = status in expect if isinstance(expect, tuple) else status == expect
        if not ok:
            raise RuntimeError(f"{server.name} {method} {path} answered {status}: {raw[:800]!r}")
        if server is svc and method == "GET" and path.startswith(CLAIMS):
            items = json.loads(raw)["items"]
            if len(items) != 50:
                raise RuntimeError(f"listing returned {len(items)} items, not 50")
    for note in setup.notes:
        print(f"  {note}")


def pdf_available() -> bool:
    try:
        import importlib.util

        sys.path.insert(0, str(ROOT))
        return importlib.util.find_spec("app.letters.pdf") is not None
    except ImportError:
        return False
    finally:
        sys.path.remove(str(ROOT))


async def drop(args: argparse.Namespace, setup: Setup) -> None:
    conn = await _admin(args)
    try:
        for db in (setup.svc_db, setup.base_db):
            await conn.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
    finally:
        await conn.close()
