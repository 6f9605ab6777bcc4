"""Issue 18: `claims` ends a mistake with one line and the fix, exit status 1, never a
traceback; it never creates a database by accident; `claims check` shows each item.

Each command runs as a real process in a folder of its own, as a user would run it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import cli
from app.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def claims(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMS_")}
    clean |= {"PYTHONPATH": str(ROOT), "CLAIMS_LOG_LEVEL": "WARNING", **env}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(done: subprocess.CompletedProcess[str], command: str) -> str:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"claims {command}: error: ")
    return lines[0]


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return blocker / "storage"


def test_another_folder_gets_no_empty_database_but_the_fix(tmp_path: Path) -> None:
    """Before: an empty ./claims.db appeared and the command died on "no such table"."""
    for args in (["create-api-key", "--role", "admin", "--name", "x"], ["worker", "--once"]):
        line = one_line_error(claims(*args, cwd=tmp_path), args[0])
        assert "run `claims migrate`" in line and str(tmp_path) in line
    assert not (tmp_path / "claims.db").exists()


def test_a_database_without_tables_is_refused(tmp_path: Path) -> None:
    (tmp_path / "empty.db").write_bytes(b"")
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    line = one_line_error(claims("seed-demo", cwd=tmp_path, CLAIMS_DATABASE_URL=url), "seed-demo")
    assert "has no tables yet: run `claims migrate`" in line


@pytest.mark.parametrize(
    ("scheme", "command"),
    [("postgresql", "migrate"), ("postgres", "worker"), ("postgresql+asyncpg", "serve")],
)
def test_a_refused_port_is_one_line_whatever_the_scheme(
    tmp_path: Path, scheme: str, command: str
) -> None:
    """Before: "No module named 'psycopg'", "Can't load plugin", or a long traceback."""
    url = f"{scheme}://postgres@127.0.0.1:1/claims"
    line = one_line_error(claims(command, cwd=tmp_path, CLAIMS_DATABASE_URL=url), command)
    assert "cannot connect to claims on 127.0.0.1:1: connection refused" in line


def test_libpq_urls_are_read_with_the_async_driver() -> None:
    for given in ("postgresql://u@h:5432/db", "postgres://u@h:5432/db"):
        assert Settings(database_url=given).database_url == "postgresql+asyncpg://u@h:5432/db"
    assert Settings(database_url="sqlite:///x.db").database_url == "sqlite+aiosqlite:///x.db"


@pytest.mark.postgres_only
def test_a_missing_postgresql_database_names_createdb(tmp_path: Path, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL")
    url = make_url(database_url).set(database="claims_no_such_db")
    rendered = url.render_as_string(hide_password=False)
    line = one_line_error(claims("worker", cwd=tmp_path, CLAIMS_DATABASE_URL=rendered), "worker")
    assert "database 'claims_no_such_db' does not exist" in line
    assert "createdb claims_no_such_db" in line


def test_a_missing_production_secret_is_one_line(tmp_path: Path) -> None:
    for command in ("serve", "migrate", "check"):
        line = one_line_error(
            claims(command, cwd=tmp_path, CLAIMS_ENVIRONMENT="production"), command
        )
        assert "CLAIMS_WEB_SECRET must be set to a strong secret" in line


def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    line = one_line_error(claims("worker", cwd=tmp_path, CLAIMS_WORKER_BATCH_SIZE="many"), "worker")
    assert "CLAIMS_WORKER_BATCH_SIZE" in line


def test_an_unwritable_storage_folder_stops_serve_and_worker(
    tmp_path: Path, unwritable: Path, settings: Settings
) -> None:
    env = {"CLAIMS_DATABASE_URL": settings.database_url, "CLAIMS_STORAGE_DIR": str(unwritable)}
    line = one_line_error(claims("serve", cwd=tmp_path, **env), "serve")
    assert f"CLAIMS_STORAGE_DIR={unwritable} cannot be written to" in line


def test_check_prints_each_item_and_its_state(
    tmp_path: Path, unwritable: Path, settings: Settings
) -> None:
    env = {
        "CLAIMS_DATABASE_URL": settings.database_url,
        "CLAIMS_STORAGE_DIR": str(tmp_path / "storage"),
    }
    done = claims("check", cwd=tmp_path, **env)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split()[1]: line for line in done.stdout.splitlines()[:-1]}
    for item in ("environment", "database", "storage", "email", "webhooks", "signing", "calendar"):
        assert item in lines, done.stdout
    assert lines["database"].startswith("ok") and "migrated" in lines["database"]
    assert "not_configured" in lines["email"] and "CLAIMS_EMAIL_GATEWAY_URL" in lines["email"]
    assert done.stdout.splitlines()[-1] == "ready"

    broken = claims("check", cwd=tmp_path, **{**env, "CLAIMS_STORAGE_DIR": str(unwritable)})
    assert broken.returncode == 1 and "Traceback" not in broken.stderr
    storage = next(line for line in broken.stdout.splitlines() if " storage " in line)
    assert storage.startswith("error") and "not_writable" in storage
    assert broken.stdout.splitlines()[-1] == "1 error(s)"

    missing = claims("check", cwd=tmp_path)  # the default ./claims.db, which is not there
    assert missing.returncode == 1 and "run `claims migrate`" in missing.stdout
    assert not (tmp_path / "claims.db").exists()


def test_every_option_has_help_and_shows_its_default(tmp_path: Path) -> None:
    parser, _ = cli._parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for name, sub in subparsers.items():
        for action in sub._actions:
            if action.dest != "help":
                assert action.help, (name, action.dest)
    helped = claims("serve", "--help", cwd=tmp_path)
    assert helped.returncode == 0
    assert "(default: 8000)" in helped.stdout and "(default: 127.0.0.1)" in helped.stdout


def test_the_worker_says_what_it_runs_with(tmp_path: Path) -> None:
    # A database of its own: the suite's shared one holds other tests' outbox events, which a
    # real pass of the worker would try to deliver.
    url = f"sqlite+aiosqlite:///{tmp_path / 'worker.db'}"
    assert claims("migrate", cwd=tmp_path, CLAIMS_DATABASE_URL=url).returncode == 0
    done = claims(
        "worker",
        "--once",
        cwd=tmp_path,
        CLAIMS_DATABASE_URL=url,
        CLAIMS_STORAGE_DIR=str(tmp_path / "storage"),
        CLAIMS_EMAIL_GATEWAY_URL="https://user:secret@gateway.example/send",
        CLAIMS_SLA_SWEEP_SECONDS="0",
        CLAIMS_LOG_LEVEL="INFO",
        CLAIMS_LOG_JSON="false",
    )
    assert done.returncode == 0, done.stderr
    started = next(line for line in done.stdout.splitlines() if " started: " in line)
    assert "email_gateway https://gateway.example/send" in started and "secret" not in started
    assert "batch_size 20" in started and "sla_sweep_seconds off" in started
    assert " stopped" in done.stdout.splitlines()[-1]


def test_the_cli_knows_the_same_head_as_alembic() -> None:
    from alembic.script import ScriptDirectory

    assert cli._head() == ScriptDirectory.from_config(cli.alembic_config()).get_current_head()
