"""Frozen letter files: written once, named by their hash, never rewritten."""

import hashlib

from app.letters import storage


async def test_freeze_writes_once_under_the_hash(tmp_path) -> None:
    frozen = await storage.freeze(
        tmp_path, number="L-2026-000007", year=2026, suffix="pdf", data=b"%PDF-1.7 one"
    )
    assert frozen.sha256 == hashlib.sha256(b"%PDF-1.7 one").hexdigest()
    assert frozen.storage_key == f"letters/2026/L-2026-000007-{frozen.sha256[:16]}.pdf"
    assert await storage.read(tmp_path, frozen.storage_key) == b"%PDF-1.7 one"

    # The same bytes again: same key, file untouched; other bytes: another file.
    path = tmp_path / frozen.storage_key
    mtime = path.stat().st_mtime_ns
    again = await storage.freeze(
        tmp_path, number="L-2026-000007", year=2026, suffix="pdf", data=b"%PDF-1.7 one"
    )
    assert again == frozen and path.stat().st_mtime_ns == mtime
    other = await storage.freeze(
        tmp_path, number="L-2026-000007", year=2026, suffix="pdf", data=b"%PDF-1.7 two"
    )
    assert other.storage_key != frozen.storage_key
    assert not list(path.parent.glob(".tmp-*")), "no temporary files left behind"

    await storage.discard(tmp_path, [other.storage_key, "letters/2026/missing.pdf"])
    assert not (tmp_path / other.storage_key).exists() and path.exists()
