"""The claim form's CSRF pair (cookie and hidden field) registers one claim at most: sent again
after a success, as a new submission, from anywhere, at once or later, it is refused."""

import asyncio
from typing import Any

import httpx
from sqlalchemy import select

from app.main import create_app
from app.models.webform import WebCsrfUse
from app.web import csrf
from tests.api.test_webform import _browser, browser, claims_of, model_code, submit, token_of
from tests.api.test_webform import form_values as shared_form_values
from tests.conftest import unique

__all__ = ["browser", "model_code"]  # fixtures, shared with the form's own tests


def form_values(code: str) -> dict[str, str]:
    # An organisation of its own: the shared one keeps the language its first claim gave it.
    return shared_form_values(code, organisation=f"SIA {unique('org')}")


async def replay(app: Any, token: str, values: dict[str, str]) -> httpx.Response:
    """A new submission carrying a given pair, as a script (or a second tab) sends it."""
    async with await _browser(app) as client:
        client.cookies.set(csrf.COOKIE_NAME, token)
        return await submit(client, values, lang="en", token=token)


async def test_a_pair_that_registered_a_claim_is_refused_for_a_new_one(
    app: Any, browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    token = token_of(await browser.get("/claim-form"))
    first = await submit(browser, form_values(model_code), token=token)
    assert first.status_code == 200
    other = form_values(model_code)  # another claim altogether, with the same pair
    again = await replay(app, token, other)
    assert again.status_code == 403
    assert "already been sent" in again.text
    assert f'value="{other["serial_number"]}"' in again.text  # what was typed is kept
    assert await claims_of(db, other["email"]) == []
    # The refusal hands out a fresh pair, which works.
    fresh = token_of(again)
    assert fresh != token
    assert again.cookies[csrf.COOKIE_NAME] == fresh
    async with await _browser(app) as client:
        client.cookies.set(csrf.COOKIE_NAME, fresh)
        accepted = await submit(client, other, token=fresh)
    assert accepted.status_code == 200
    assert len(await claims_of(db, other["email"])) == 1


async def test_the_pair_is_refused_by_another_replica(
    app: Any, settings: Any, browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    token = token_of(await browser.get("/claim-form"))
    assert (await submit(browser, form_values(model_code), token=token)).status_code == 200
    replica = create_app(settings)
    async with replica.router.lifespan_context(replica):
        values = form_values(model_code)
        refused = await replay(replica, token, values)
    assert refused.status_code == 403
    assert await claims_of(db, values["email"]) == []


async def test_one_pair_sent_twice_at_once_registers_once(
    app: Any, db: Any, model_code: str
) -> None:
    async with await _browser(app) as client:
        token = token_of(await client.get("/claim-form"))
    values = [form_values(model_code), form_values(model_code)]
    pages = await asyncio.gather(*(replay(app, token, v) for v in values))
    assert sorted(page.status_code for page in pages) == [200, 403]
    registered = [len(await claims_of(db, v["email"])) for v in values]
    assert sorted(registered) == [0, 1]


async def test_a_refused_submission_does_not_use_the_pair(
    browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    token = token_of(await browser.get("/claim-form"))
    values = form_values(model_code)
    invalid = await submit(browser, {**values, "description": ""}, token=token)
    assert invalid.status_code == 422
    assert token_of(invalid) == token  # the customer corrects the field and sends again
    accepted = await submit(browser, values, token=token)
    assert accepted.status_code == 200
    assert len(await claims_of(db, values["email"])) == 1


async def test_a_used_token_is_kept_only_until_it_expires(
    app: Any, browser: httpx.AsyncClient, db: Any, model_code: str
) -> None:
    token = token_of(await browser.get("/claim-form"))
    assert (await submit(browser, form_values(model_code), token=token)).status_code == 200
    rows = await db(select(WebCsrfUse.expires_at).where(WebCsrfUse.nonce == csrf.nonce(token)))
    issued = int(token.split(".")[1])
    max_age = app.state.settings.web_csrf_max_age_seconds
    assert [int(row.expires_at.timestamp()) for row in rows] == [
        issued + max_age + csrf.CLOCK_SKEW_SECONDS
    ]
