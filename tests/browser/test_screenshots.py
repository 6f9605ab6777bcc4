"""Screenshots of the claim form at desktop and phone widths.

Always taken (a rendering check in its own right); written to docs/ for the README only with
CLAIMS_UPDATE_SCREENSHOTS=1, so that a test run never changes the working tree by itself.
"""

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.enums import Role
from tests.browser.conftest import DESKTOP, MOBILE, LiveServer

DOCS = Path(__file__).resolve().parents[2] / "docs"
CATALOGUE = [("AQ-200", "Heat pump Aqua 200"), ("BX-24", "Condensing boiler BX-24")]


@pytest.fixture(scope="module")
def catalogue(live_server: LiveServer, live_keys: dict[Role, str]) -> None:
    for code, name in CATALOGUE:
        response = httpx.post(
            f"{live_server.url}/api/v1/product-models",
            json={"code": code, "name": name},
            headers={"X-API-Key": live_keys[Role.admin]},
        )
        assert response.status_code in (201, 409), response.text


@pytest.mark.parametrize(("name", "viewport"), [("desktop", DESKTOP), ("mobile", MOBILE)])
async def test_claim_form_screenshot(
    new_page: Any,
    live_server: LiveServer,
    catalogue: None,
    tmp_path: Path,
    name: str,
    viewport: dict[str, int],
) -> None:
    page = await new_page(viewport=viewport)
    await page.goto(f"{live_server.url}/claim-form?lang=en")
    await page.get_by_label("Your name").fill("Anna Ozola")
    await page.get_by_label("Organisation").fill("SIA Siltums")
    await page.get_by_label("Email").fill("anna.ozola@siltums.lv")
    await page.get_by_label("Product model").select_option("AQ-200")
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]

    await page.evaluate("document.activeElement.blur()")
    target = DOCS if os.environ.get("CLAIMS_UPDATE_SCREENSHOTS") == "1" else tmp_path
    target.mkdir(exist_ok=True)
    path = target / f"claim-form-{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
