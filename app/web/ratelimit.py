"""Pure parts of the per-address rate limit of the public pages: keys and windows.

The counters live in the database (a fixed window per client and action), so that every
API replica sees the same counts. Addresses are stored only as a keyed hash: the table
must not become a log of customers' IP addresses.
"""

import hashlib
import hmac
import ipaddress
from datetime import UTC, datetime


def client_key(address: str | None, *, secret: bytes, action: str) -> str:
    """A stable pseudonym for a client address and an action ("claim", "status").

    IPv6 clients are grouped by their /64 network: one customer line usually holds a
    whole /64, so counting single addresses there would be no limit at all.
    """
    try:
        ip = ipaddress.ip_address((address or "").strip())
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if isinstance(ip, ipaddress.IPv6Address):
            normalized = str(ipaddress.IPv6Network(f"{ip}/64", strict=False))
        else:
            normalized = str(ip)
    except ValueError:
        normalized = "unknown"  # no or unparsable address: all such clients share one bucket
    digest = hmac.new(secret, f"{action}|{normalized}".encode(), hashlib.sha256).hexdigest()
    return digest[:40]


def window_start(now: datetime, window_seconds: int) -> datetime:
    """The start of the fixed window `now` falls in (aligned to the Unix epoch, UTC)."""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = int(now.timestamp())
    return datetime.fromtimestamp(seconds - seconds % window_seconds, tz=UTC)


def retry_after_seconds(now: datetime, window_seconds: int) -> int:
    """Seconds until the current window ends (at least 1)."""
    start = window_start(now, window_seconds)
    remaining = window_seconds - int((now.astimezone(UTC) - start).total_seconds())
    return max(1, remaining)
