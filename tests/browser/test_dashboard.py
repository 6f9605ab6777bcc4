"""The dashboard in a real Chromium: signing in, each language, nothing clipped, screenshots."""

import os
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.enums import Role
from tests.browser.conftest import DESKTOP, MOBILE, LiveServer
from tests.conftest import claim_payload

DOCS = Path(__file__).resolve().parents[2] / "docs"

# Every text in every chart lies inside its chart (x from 0 to the SVG's width), and the page
# never scrolls sideways: the "1/1 (+5 pendi…" kind of clipping, measured.
CLIPPED = """() => {
  const out = [];
  for (const svg of document.querySelectorAll('svg')) {
    const width = svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      const box = t.getBBox();
      if (box.x < -0.5 || box.x + box.width > width + 0.5) out.push(t.textContent);
    }
  }
  return out;
}"""

SIGNED_IN = {
    "en-GB": ("Claims by state", "New", "Sign out"),
    "ru-RU": ("Рекламации по статусу", "Новая", "Выйти"),
    "lv-LV": ("Pretenzijas pēc statusa", "Jauna", "Iziet"),
    "bg-BG": ("Рекламации по статус", "Нова", "Изход"),
}


@pytest.fixture(scope="module")
def auditor(live_server: LiveServer, live_keys: dict[Role, str]) -> str:
    """An auditor's key, and claims waiting for acknowledgement in the default window."""
    for _ in range(5):
        response = httpx.post(
            f"{live_server.url}/api/v1/claims",
            json=claim_payload(),
            headers={"X-API-Key": live_keys[Role.specialist]},
        )
        assert response.status_code == 201, response.text
    return live_server.create_key(Role.auditor, f"browser-auditor-{uuid.uuid4().hex[:6]}")


async def sign_in(page: Any, live_server: LiveServer, key: str) -> None:
    await page.goto(f"{live_server.url}/dashboard")
    await page.locator("input[name=key]").fill(key)
    await page.locator("button[type=submit]").click()
    await page.wait_for_selector("svg")


@pytest.mark.parametrize("locale", sorted(SIGNED_IN))
async def test_the_dashboard_in_each_language_clips_nothing(
    new_page: Any, live_server: LiveServer, auditor: str, tmp_path: Path, locale: str
) -> None:
    page = await new_page(locale=locale)
    await sign_in(page, live_server, auditor)
    lang = locale[:2]
    assert await page.evaluate("document.documentElement.lang") == lang
    body = await page.inner_text("body")
    for words in SIGNED_IN[locale]:
        assert words in body, (locale, words)
    assert await page.evaluate(CLIPPED) == []
    assert await page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    # The cookie the browser holds is a session, not the key.
    cookies = await page.context.cookies()
    assert [c["name"] for c in cookies] == ["claims_dashboard_session"]
    assert auditor not in cookies[0]["value"] and cookies[0]["httpOnly"]
    target = DOCS if os.environ.get("CLAIMS_UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = target / f"dashboard-{lang}.png"
    await page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000


async def test_the_switcher_changes_the_language_and_a_phone_scales_the_charts(
    new_page: Any, live_server: LiveServer, auditor: str
) -> None:
    page = await new_page(locale="en-GB", viewport=MOBILE)
    await sign_in(page, live_server, auditor)
    await page.get_by_role("link", name="Latviešu").click()
    await page.wait_for_selector("svg")
    assert await page.evaluate("document.documentElement.lang") == "lv"
    assert "Pretenzijas pēc statusa" in await page.inner_text("body")
    assert await page.evaluate(CLIPPED) == []
    # Charts shrink to the screen rather than run past it.
    widths = await page.evaluate(
        "[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().right)"
    )
    assert max(widths) <= MOBILE["width"]
    await page.get_by_role("button", name="Iziet").click()
    await page.wait_for_selector("input[name=key]")
    assert await page.context.cookies() == []


async def test_every_label_of_every_language_fits_its_chart(new_page: Any) -> None:
    """The longest state, cause and cost labels, whether or not the database holds them now."""
    from app.reports.charts import bar_chart
    from app.reports.dashboard_text import _LABELS

    page = await new_page()
    charts = "".join(
        str(bar_chart(group, [(words[i], 100) for words in labels.values()]))
        for i in range(4)
        for group, labels in _LABELS.items()
    )
    await page.set_content(f"<style>svg .l, svg .v {{ font-size: 12px; }}</style>{charts}")
    assert await page.evaluate(CLIPPED) == []
