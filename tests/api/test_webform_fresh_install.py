"""The claim form on a fresh install: with an empty catalogue the customer names the model in
free text; once the catalogue has models, the list offers them and "another model"."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from app.catalog import service as catalog
from app.config import Settings
from app.main import create_app
from app.models.claims import Claim
from app.models.reference import ProductModelCreate
from tests.api.test_webform import field_error, form_values, shown_number, submit
from tests.conftest import PG_ENV, _pg_admin, run_migrations, unique


@pytest.fixture(scope="module")
async def fresh_app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Any]:
    """The real app on a database of its own, migrated and empty: no catalogue models."""
    base = os.environ.get(PG_ENV)
    name = ""
    if base:
        name = f"claims_fresh_{uuid.uuid4().hex[:8]}"
        await _pg_admin(base, f'CREATE DATABASE "{name}"')
        url = make_url(base).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('fresh-db') / 'fresh.db'}"
    try:
        await asyncio.to_thread(run_migrations, url)
        settings = Settings(
            environment="test",
            database_url=url,
            storage_dir=Path(tmp_path_factory.mktemp("fresh-storage")),
            log_level="WARNING",
            run_worker_in_process=False,
        )
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            yield application
    finally:
        if name:
            await _pg_admin(base or "", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def browser(fresh_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=fresh_app, client=("198.51.100.77", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def reported_model(app: Any, number: str) -> tuple[str | None, int | None]:
    async with app.state.session_factory() as session:
        row = (
            await session.execute(
                select(Claim.reported_model, Claim.product_model_id).where(Claim.number == number)
            )
        ).one()
    return row.reported_model, row.product_model_id


async def test_with_an_empty_catalogue_the_model_is_free_text(
    browser: httpx.AsyncClient, fresh_app: Any
) -> None:
    page = await browser.get("/claim-form", params={"lang": "en"})
    assert page.status_code == 200
    assert "<select" not in page.text
    assert 'name="product_model_name"' in page.text
    assert '<label for="product_model_name">Product model' in page.text

    missing = await submit(browser, form_values("", product_model_name=""), lang="en")
    assert missing.status_code == 422
    assert field_error(missing, "product_model_name") == "This field is required."

    done = await submit(
        browser, form_values("", product_model_name="Boiler BX-10 (old label)"), lang="en"
    )
    assert done.status_code == 200, done.text
    number = shown_number(done)
    assert await reported_model(fresh_app, number) == ("Boiler BX-10 (old label)", None)


async def test_with_a_catalogue_the_list_offers_another_model(
    browser: httpx.AsyncClient, fresh_app: Any
) -> None:
    code = unique("FI").upper()
    async with fresh_app.state.session_factory() as session:
        model = await catalog.create_model(
            session, data=ProductModelCreate(code=code, name=f"Pump {code}")
        )
    page = await browser.get("/claim-form", params={"lang": "en"})
    assert f'<option value="{code}">Pump {code} ({code})</option>' in page.text
    assert '<option value="other">Another model (not in the list)</option>' in page.text
    assert 'class="field wide other-model"' in page.text

    chosen = await submit(browser, form_values(code, product_model_name="left behind"), lang="en")
    assert chosen.status_code == 200, chosen.text
    assert await reported_model(fresh_app, shown_number(chosen)) == (code, model.id)

    nameless = await submit(browser, form_values("other", product_model_name=""), lang="en")
    assert nameless.status_code == 422
    assert field_error(nameless, "product_model_name") == "This field is required."
    assert '<option value="other" selected>' in nameless.text

    other = await submit(
        browser, form_values("other", product_model_name="Pump X-1 from 2019"), lang="en"
    )
    assert other.status_code == 200, other.text
    assert await reported_model(fresh_app, shown_number(other)) == ("Pump X-1 from 2019", None)

    unknown = await submit(browser, form_values("NOPE"), lang="en")
    assert field_error(unknown, "product_model") == "Choose one of the listed options."
