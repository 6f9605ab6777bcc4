"""X-Forwarded-For is believed only from CLAIMS_TRUSTED_PROXIES (default: nobody's).

Through a real uvicorn server started with the options `claims serve` gives it, because the
header is uvicorn's business: before, `claims serve` believed it from 127.0.0.1, and a client
that rotated it got 12 of 12 form submissions past a limit of 10.
"""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import SecretStr, ValidationError

from app import cli
from app.config import Settings
from app.main import create_app
from tests.api.test_webform import form_values as shared_form_values
from tests.api.test_webform import model_code, token_of
from tests.conftest import unique

__all__ = ["model_code"]  # the fixture, shared with the form's own tests


def form_values(code: str) -> dict[str, str]:
    # An organisation of its own: the shared one keeps the language its first claim gave it.
    return shared_form_values(code, organisation=f"SIA {unique('org')}")


LIMIT = 3


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[str]:
    """The app behind uvicorn on 127.0.0.1, configured as `claims serve` configures it."""
    application = create_app(settings)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        application, log_level="warning", access_log=False, **cli.proxy_options(settings)
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(1000):  # uvicorn offers a flag, not an event
            if server.started:
                break
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


def limited(settings: Settings, **update: Any) -> Settings:
    # A secret of its own: rate-limit buckets no other test has touched.
    return settings.model_copy(
        update={
            "web_rate_limit_claims": LIMIT,
            "web_secret": SecretStr(uuid.uuid4().hex * 2),
            **update,
        }
    )


async def submit_from(base: str, code: str, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    async with httpx.AsyncClient(base_url=base, headers=headers) as browser:
        token = token_of(await browser.get("/claim-form"))
        page = await browser.post("/claim-form", data={**form_values(code), "csrf_token": token})
        return page.status_code


def rotating(count: int) -> list[str]:
    return [f"203.0.113.{n + 1}" for n in range(count)]


async def test_rotating_x_forwarded_for_does_not_get_past_the_limit(
    settings: Settings, model_code: str
) -> None:
    async with served(limited(settings)) as base:
        statuses = [await submit_from(base, model_code, ip) for ip in rotating(LIMIT + 2)]
    assert statuses == [200] * LIMIT + [429, 429]


async def test_a_header_from_an_untrusted_peer_is_ignored(
    settings: Settings, model_code: str
) -> None:
    # A proxy is configured, but the request does not come from it.
    async with served(limited(settings, trusted_proxies=["192.0.2.0/24"])) as base:
        statuses = [await submit_from(base, model_code, ip) for ip in rotating(LIMIT + 1)]
    assert statuses[-1] == 429


async def test_a_trusted_proxy_passes_on_each_clients_address(
    settings: Settings, model_code: str
) -> None:
    async with served(limited(settings, trusted_proxies=["127.0.0.1", "::1"])) as base:
        statuses = [await submit_from(base, model_code, ip) for ip in rotating(LIMIT + 2)]
        # The limit still holds per customer behind the proxy.
        same = [await submit_from(base, model_code, "198.51.100.7") for _ in range(LIMIT + 1)]
    assert statuses == [200] * (LIMIT + 2)
    assert same[-1] == 429


def test_serve_trusts_no_proxy_by_default() -> None:
    assert cli.proxy_options(Settings()) == {"proxy_headers": False}
    options = cli.proxy_options(Settings(trusted_proxies="10.0.0.5, 10.1.0.0/16"))  # type: ignore[arg-type]
    assert options == {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,10.1.0.0/16"}


@pytest.mark.parametrize("value", ["*", "proxy.internal", "10.0.0.300"])
def test_trusted_proxies_are_addresses_or_networks(value: str) -> None:
    with pytest.raises(ValidationError, match="CLAIMS_TRUSTED_PROXIES"):
        Settings(trusted_proxies=value)  # type: ignore[arg-type]
