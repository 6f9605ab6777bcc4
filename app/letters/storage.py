"""Frozen copies of issued letters under CLAIMS_STORAGE_DIR.

Files are written once, atomically (temporary file, fsync, rename), under a name that
includes the content hash: two racing issue requests can never overwrite each other's
file, and the loser removes its own. Nothing here ever rewrites an existing file.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import anyio

_UNSAFE = re.compile(r"[^\w.-]")


@dataclass(frozen=True, slots=True)
class FrozenFile:
    storage_key: str
    sha256: str
    size: int


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_once(root: Path, key: str, data: bytes) -> None:
    final = root / key
    final.parent.mkdir(parents=True, exist_ok=True)
    if final.exists():
        # Same name means same hash, so the same bytes: nothing to do.
        return
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def safe_name(number: str) -> str:
    """A letter number as one file name: a register's format may hold a slash ("01-12/345",
    "АО-117/2026")."""
    return _UNSAFE.sub("_", number)


def freeze_sync(root: Path, *, number: str, year: int, suffix: str, data: bytes) -> FrozenFile:
    digest = sha256_hex(data)
    key = f"letters/{year}/{safe_name(number)}-{digest[:16]}.{suffix}"
    _write_once(root, key, data)
    return FrozenFile(key, digest, len(data))


async def freeze(root: Path, *, number: str, year: int, suffix: str, data: bytes) -> FrozenFile:
    """Store `data` for letter `number`; returns its storage key and SHA-256."""
    return await anyio.to_thread.run_sync(
        lambda: freeze_sync(root, number=number, year=year, suffix=suffix, data=data)
    )


async def read(root: Path, key: str) -> bytes:
    return await anyio.Path(root / key).read_bytes()


async def discard(root: Path, keys: list[str]) -> None:
    """Remove files a failed issue attempt wrote (never called for a committed letter)."""

    def remove() -> None:
        for key in keys:
            (root / key).unlink(missing_ok=True)

    await anyio.to_thread.run_sync(remove)
