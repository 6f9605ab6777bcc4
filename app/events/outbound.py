"""Where the service may send: the outbound guard for webhooks and the email gateway (SSRF).

A URL is refused when its host is, or resolves to, an address that is not public: loopback,
link-local (the cloud metadata service at 169.254.169.254), private, shared, multicast,
reserved or unspecified. Every spelling counts, because the host is read as an address the way
the resolver reads it: `2130706433`, `0x7f.1`, `0177.0.0.1`, `[::1]`, `[::ffff:127.0.0.1]`,
`user@127.0.0.1`. A name is resolved (in a thread, the loop never waits on DNS) and every
address it has must pass; the connection then goes to the address that was checked, so a name
that resolves elsewhere a moment later (DNS rebinding) gains nothing.

`CLAIMS_OUTBOUND_ALLOW` admits the company's own systems: host names (`erp.corp.lv`, or
`*.corp.lv` for its subdomains), addresses and networks (`10.20.0.0/16`).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

import httpx

from app.config import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# (host, port) -> the addresses the name has; raises OSError when it has none.
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]


class Refused(Exception):
    """The URL may not be called; `reason` says why, for the admin."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """getaddrinfo in the loop's thread pool."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


@dataclass(frozen=True)
class Destination:
    """A checked URL and how to reach it: `address` to connect to, with the original host in
    the Host header and for TLS; None where the URL is called as it is (an address given
    literally, or a host name on the allow-list)."""

    url: str
    host: str
    address: IPAddress | None = None

    def request_url(self) -> httpx.URL:
        url = httpx.URL(self.url)
        if self.address is None:
            return url
        return url.copy_with(host=str(self.address))

    def headers(self) -> dict[str, str]:
        if self.address is None:
            return {}
        url = httpx.URL(self.url)
        default = {"http": 80, "https": 443}.get(url.scheme)
        port = "" if url.port in (None, default) else f":{url.port}"
        return {"Host": f"{_bracketed(url.host)}{port}"}

    def extensions(self) -> dict[str, str]:
        # The certificate is checked against the name, not the address connected to.
        return {"sni_hostname": self.host} if self.address is not None else {}


@dataclass(frozen=True)
class OutboundPolicy:
    allow_hosts: frozenset[str] = frozenset()
    allow_suffixes: tuple[str, ...] = ()
    allow_networks: tuple[IPNetwork, ...] = ()
    resolver: Resolver = field(default=system_resolver, compare=False)

    @classmethod
    def of(cls, entries: Iterable[str], resolver: Resolver = system_resolver) -> OutboundPolicy:
        hosts, suffixes, networks = set(), [], []
        for entry in (e.strip().lower() for e in entries):
            if not entry:
                continue
            if entry.startswith("*."):
                suffixes.append(entry[1:])
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                hosts.add(entry.rstrip("."))
        return cls(frozenset(hosts), tuple(suffixes), tuple(networks), resolver)

    @classmethod
    def from_settings(cls, settings: Settings) -> OutboundPolicy:
        return cls.of(settings.outbound_allow)

    def host_allowed(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.allow_hosts or name.endswith(self.allow_suffixes)

    def refusal(self, address: IPAddress) -> str | None:
        """Why the service may not connect to `address`, or None."""
        plain = _unwrapped(address)
        if any(plain in network for network in self.allow_networks):
            return None
        return _not_public(plain)

    async def check(self, url: str) -> Destination:
        """The destination of `url`, or Refused: resolves the host name (every call)."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise Refused(f"not a valid URL: {exc}") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise Refused("only http and https URLs with a host can be called")
        host = parsed.raw_host.decode("ascii")  # an international name in its IDNA form
        literal = literal_address(host)
        if literal is not None:
            reason = self.refusal(literal)
            if reason:
                raise Refused(f"{host} is not a public address ({reason})")
            return Destination(url, host)
        if self.host_allowed(host):
            return Destination(url, host)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            addresses = await self.resolver(host, port)
        except (OSError, UnicodeError) as exc:
            raise Refused(f"{host} does not resolve ({exc})") from None
        if not addresses:
            raise Refused(f"{host} does not resolve")
        for address in addresses:
            reason = self.refusal(address)
            if reason:
                raise Refused(f"{host} resolves to {address}, not a public address ({reason})")
        return Destination(url, host, addresses[0])


def literal_address(host: str) -> IPAddress | None:
    """The address a host written as one stands for, in any spelling the resolver accepts:
    dotted, decimal (2130706433), hex (0x7f000001), octal (0177.0.0.1), short (127.1), IPv6."""
    text = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if text and all(c in "0123456789abcdefABCDEFxX." for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def _unwrapped(address: IPAddress) -> IPAddress:
    """An IPv4 address carried in IPv6 (::ffff:a.b.c.d, 6to4, Teredo) is judged as itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
    return address


def _not_public(address: IPAddress) -> str | None:
    checks = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("unspecified", address.is_unspecified),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
