"""Issue 18: `/readyz` reports each way out and the storage folder; `send` refuses when
outbound email is not configured; an unusable storage folder stops the start."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.enums import Role
from app.main import create_app
from app.preflight import StartupError
from tests.api.test_letters import latvian_claim, letter_api  # noqa: F401

STATES = {"configured", "not_configured", "failing"}


@pytest.fixture
def configured(app: Any, settings: Any) -> Iterator[Any]:
    """`configured(**changes)`: the running app with these settings until the test ends."""

    def change(**changes: Any) -> None:
        app.state.settings = settings.model_copy(update=changes)

    try:
        yield change
    finally:
        app.state.settings = settings


@pytest.fixture
def unwritable(tmp_path: Path) -> Path:
    # Beneath a regular file: no folder can be made there, whoever runs the tests (even root).
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return blocker / "storage"


async def test_readyz_reports_each_channel_and_the_storage(client: httpx.AsyncClient) -> None:
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "ok" and body["storage"] == "ok"
    channels = body["channels"]
    assert set(channels) == {"email_gateway", "webhooks", "signing_certificate"}
    assert all(c["state"] in STATES and c["detail"] for c in channels.values())
    # The tests' settings name a gateway; no certificate is configured for this app.
    assert channels["email_gateway"]["state"] in {"configured", "failing"}
    assert channels["signing_certificate"]["state"] == "not_configured"


async def test_readyz_says_outbound_email_is_not_configured(client, configured) -> None:
    configured(email_gateway_url=None)
    email = (await client.get("/readyz")).json()["channels"]["email_gateway"]
    assert email["state"] == "not_configured"
    assert "CLAIMS_EMAIL_GATEWAY_URL" in email["detail"]


async def test_an_unwritable_storage_folder_is_not_ready(client, configured, unwritable) -> None:
    configured(storage_dir=unwritable)
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["Retry-After"]
    body = ready.json()
    assert body["status"] == "unavailable" and body["database"] == "ok"
    assert "CLAIMS_STORAGE_DIR" in body["storage"] and "cannot be written" in body["storage"]


async def test_an_unwritable_storage_folder_stops_the_start(settings, unwritable) -> None:
    application = create_app(settings.model_copy(update={"storage_dir": unwritable}))
    with pytest.raises(StartupError, match="CLAIMS_STORAGE_DIR=.* cannot be written"):
        async with application.router.lifespan_context(application):
            pass


async def test_send_answers_409_naming_the_setting_when_email_is_not_configured(
    client,
    auth,
    latvian_claim,  # noqa: F811
    letter_api,  # noqa: F811
    configured,
) -> None:
    claim = await latvian_claim()
    letter = await letter_api.issued(claim["number"], "acknowledgement")
    configured(email_gateway_url=None)

    refused = await letter_api.act(letter["id"], "send", Role.specialist)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem = refused.json()
    assert "CLAIMS_EMAIL_GATEWAY_URL" in problem["detail"]
    assert problem["setting"] == "CLAIMS_EMAIL_GATEWAY_URL"
    # Nothing changed: still issued, and the post remains open.
    again = await letter_api.get(f"/api/v1/letters/{letter['id']}")
    assert again.json()["state"] == "issued"
    assert again.json()["allowed_actions"] == []  # an auditor's view
    # A wrong role is still a 403 and an unknown letter a 404, configured or not.
    assert (await letter_api.act(letter["id"], "send", Role.auditor)).status_code == 403
    assert (await letter_api.act(10**9, "send", Role.specialist)).status_code == 404
