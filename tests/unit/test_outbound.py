"""The outbound guard's rules (app/events/outbound.py): no network, a table for names."""

import ipaddress

import pytest

from app.config import Settings
from app.events.outbound import Destination, OutboundPolicy, Refused, literal_address
from tests.support.outbound import TableResolver


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("::ffff:127.0.0.1", "::ffff:7f00:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("erp.example.lv", None),
        ("cafe.example", None),
        ("deadbeef", None),
    ],
)
def test_every_spelling_of_an_address_is_read(host: str, address: str | None) -> None:
    found = literal_address(host)
    assert found == (ipaddress.ip_address(address) if address else None)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 around 127.0.0.1
        ("169.254.169.254", "link-local"),
        ("10.0.0.1", "private"),
        ("fd00::1", "private"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),
        ("93.184.215.14", None),
        ("2606:4700::1", None),
    ],
)
def test_what_is_not_public(address: str, reason: str | None) -> None:
    assert OutboundPolicy().refusal(ipaddress.ip_address(address)) == reason


def test_the_allow_list_takes_hosts_suffixes_and_networks() -> None:
    policy = OutboundPolicy.from_settings(
        Settings(outbound_allow="10.20.0.0/16, erp.corp.lv ,*.plant.lv,127.0.0.1,[::1]")
    )
    assert policy.refusal(ipaddress.ip_address("10.20.9.9")) is None
    assert policy.refusal(ipaddress.ip_address("::ffff:10.20.9.9")) is None
    assert policy.refusal(ipaddress.ip_address("10.21.0.1")) == "private"
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.refusal(ipaddress.ip_address("127.0.0.2")) == "loopback"
    assert policy.refusal(ipaddress.ip_address("::1")) is None
    assert policy.host_allowed("ERP.corp.lv.") and policy.host_allowed("mes.plant.lv")
    assert not policy.host_allowed("plant.lv") and not policy.host_allowed("erp.corp.lv.evil")


async def test_a_name_is_refused_if_any_of_its_addresses_is_internal() -> None:
    resolver = TableResolver({"mixed.example": ["93.184.215.14", "10.0.0.1"]})
    with pytest.raises(Refused, match="resolves to 10.0.0.1"):
        await OutboundPolicy(resolver=resolver).check("https://mixed.example/hook")


async def test_a_public_name_is_pinned_to_its_checked_address() -> None:
    resolver = TableResolver({"hooks.example": ["2606:4700::1", "93.184.215.14"]})
    destination = await OutboundPolicy(resolver=resolver).check(
        "https://u:p@hooks.example:8443/in?x=1"
    )
    assert str(destination.request_url()) == "https://u:p@[2606:4700::1]:8443/in?x=1"
    assert destination.headers() == {"Host": "hooks.example:8443"}
    assert destination.extensions() == {"sni_hostname": "hooks.example"}
    plain = await OutboundPolicy(resolver=resolver).check("http://hooks.example/in")
    assert plain.headers() == {"Host": "hooks.example"}


def test_a_literal_or_allowed_host_is_called_as_it_is() -> None:
    destination = Destination("http://93.184.215.14/x", "93.184.215.14")
    assert str(destination.request_url()) == "http://93.184.215.14/x"
    assert destination.headers() == {} and destination.extensions() == {}


@pytest.mark.parametrize("url", ["ftp://example.lv/x", "http:///x", "http://0177.0.0.1/"])
async def test_what_is_not_an_http_url_is_refused(url: str) -> None:
    with pytest.raises(Refused):
        await OutboundPolicy(resolver=TableResolver({})).check(url)


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "http://erp.lv", "erp.lv/x", "*erp.lv"])
def test_a_malformed_allow_entry_stops_the_service_at_start(entry: str) -> None:
    with pytest.raises(ValueError, match="CLAIMS_OUTBOUND_ALLOW"):
        Settings(outbound_allow=[entry])
