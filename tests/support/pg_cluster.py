"""A private PostgreSQL cluster for tests that stop the server: initdb in a temporary
directory, listening on 127.0.0.1 on a free port, started and stopped with pg_ctl.

The shared test server is never touched. As root the cluster runs as the `postgres` user
(PostgreSQL refuses root); otherwise as the current user. `unavailable()` says why it cannot
run here (no PostgreSQL binaries, no such user), for a skip.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import socket
import tempfile
from pathlib import Path


def _bindir() -> Path | None:
    """The server's own directory (Debian keeps initdb and pg_ctl out of PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and Path(found).with_name("createdb").exists() else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class PrivateCluster:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="claims-pg-"))
        self.data = self.dir / "data"
        self._as_postgres = os.geteuid() == 0

    @staticmethod
    def unavailable() -> str | None:
        if _bindir() is None:
            return "no PostgreSQL server binaries (initdb, pg_ctl)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a postgres user"
            if shutil.which("runuser") is None:
                return "running as root without runuser"
        return None

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/claims"

    async def _run(self, *args: str) -> None:
        assert self.bindir is not None
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise RuntimeError(f"{' '.join(command)}: {output.decode(errors='replace')}")

    async def init(self) -> None:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        await self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust")
        await self.start()
        await self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "claims"
        )

    async def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=on"
        await self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    async def stop(self, mode: str = "immediate") -> None:
        """`immediate`: the server dies without a clean shutdown, as in a crash."""
        await self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    async def destroy(self) -> None:
        with contextlib.suppress(RuntimeError):  # already stopped
            await self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
