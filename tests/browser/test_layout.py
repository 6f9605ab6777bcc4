"""The form's layout in a real browser, from the rendered template alone (no server)."""

from typing import Any

from app.web.render import render_page
from tests.browser.conftest import MOBILE

MODELS = [{"code": "HP-200", "name": "Heat pump HP-200"}]


def form_html(lang: str, errors: dict[str, str] | None = None) -> str:
    return render_page(
        "claim_form.html.j2",
        lang=lang,
        path="/claim-form",
        values={"customer_name": "Jānis Bērziņš"},
        errors=errors or {},
        models=MODELS,
        csrf_token="t",
        max_files=5,
        max_mb=10,
        today="2026-11-23",
        maxlength={},
        photos_rejected=False,
        form_error=None,
    )


async def test_form_fits_a_phone_screen_without_horizontal_scrolling(new_page: Any) -> None:
    page = await new_page(viewport={"width": 360, "height": MOBILE["height"]})
    for lang in ("en", "ru", "lv", "bg"):
        await page.set_content(form_html(lang, errors={"email": "x" * 80}))
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, (lang, scroll_width)


async def test_labels_focus_their_fields_and_the_honeypot_is_out_of_reach(new_page: Any) -> None:
    page = await new_page()
    await page.set_content(form_html("lv"))
    await page.get_by_label("Sērijas numurs").fill("SN-1")
    assert await page.locator("#serial_number").input_value() == "SN-1"
    assert await page.get_by_label("Jūsu vārds").input_value() == "Jānis Bērziņš"
    box = await page.locator("#website").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # off-screen
    for _ in range(30):  # tabbing through the whole page never reaches the honeypot
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.id") != "website"
