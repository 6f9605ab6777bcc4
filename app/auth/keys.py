"""API keys: generation and hashing. Keys are random 256-bit tokens, so a plain SHA-256
is a sufficient and fast hash (no password stretching needed); only the hash is stored."""

import hashlib
import hmac
import secrets

KEY_PREFIX = "clm"


def generate_key() -> tuple[str, str, str]:
    """A new key: (the key to show once, its public prefix, its hash to store)."""
    prefix = secrets.token_hex(4)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
