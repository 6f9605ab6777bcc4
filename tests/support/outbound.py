"""Name resolution for tests without the network: a fixed table, as /etc/hosts would be.

The outbound guard resolves every webhook host name (app/events/outbound.py). The tests may
not send a DNS query anywhere (the resolver is not on this machine), so the apps under test
resolve from this table: `erp.example.lv` is a public address that nothing ever connects to
(only the subscription API sees it), `localhost` is the loopback, anything else does not
resolve. Addresses are checked without resolution, as in production.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable

from app.events.outbound import IPAddress, OutboundPolicy

TABLE: dict[str, list[str]] = {
    "localhost": ["127.0.0.1", "::1"],
    "erp.example.lv": ["93.184.215.14"],  # public; API tests only, never called
}


class TableResolver:
    def __init__(self, table: dict[str, list[str]] | None = None) -> None:
        self.table = dict(TABLE if table is None else table)
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.asked.append(host)
        addresses = self.table.get(host.lower())
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [ipaddress.ip_address(a) for a in addresses]


def offline_policy(
    allow: Iterable[str] = (), table: dict[str, list[str]] | None = None
) -> OutboundPolicy:
    return OutboundPolicy.of(allow, resolver=TableResolver(table))
