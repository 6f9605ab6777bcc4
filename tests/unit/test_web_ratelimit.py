"""Keys and windows of the public pages' rate limit."""

from datetime import UTC, datetime, timedelta, timezone

from app.web.ratelimit import client_key, retry_after_seconds, window_start

SECRET = b"s" * 32


def key(address: str | None, action: str = "claim", secret: bytes = SECRET) -> str:
    return client_key(address, secret=secret, action=action)


def test_keys_are_stable_pseudonyms_per_address_and_action() -> None:
    assert key("203.0.113.7") == key(" 203.0.113.7 ")
    assert key("203.0.113.7") != key("203.0.113.8")
    assert key("203.0.113.7") != key("203.0.113.7", action="status")
    assert key("203.0.113.7") != key("203.0.113.7", secret=b"other")
    assert "203" not in key("203.0.113.7") and len(key("203.0.113.7")) == 40


def test_ipv6_clients_are_grouped_by_their_64_network() -> None:
    assert key("2001:db8:1:2::1") == key("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert key("2001:db8:1:2::1") != key("2001:db8:1:3::1")
    assert key("::ffff:203.0.113.7") == key("203.0.113.7")  # IPv4-mapped is the IPv4 client


def test_unknown_addresses_share_one_bucket() -> None:
    assert key(None) == key("") == key("not an address") == key("testclient")


def test_fixed_windows() -> None:
    now = datetime(2026, 11, 23, 10, 17, 45, tzinfo=UTC)
    assert window_start(now, 3600) == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert window_start(now, 60) == datetime(2026, 11, 23, 10, 17, tzinfo=UTC)
    riga = now.astimezone(timezone(timedelta(hours=2)))
    assert window_start(riga, 3600) == window_start(now, 3600)
    assert window_start(now.replace(tzinfo=None), 3600) == window_start(now, 3600)


def test_retry_after() -> None:
    now = datetime(2026, 11, 23, 10, 17, 45, tzinfo=UTC)
    assert retry_after_seconds(now, 3600) == 3600 - (17 * 60 + 45)
    assert retry_after_seconds(datetime(2026, 11, 23, 11, tzinfo=UTC), 3600) == 3600
