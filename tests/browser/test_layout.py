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


def test_form_fits_a_phone_screen_without_horizontal_scrolling(page: Any) -> None:
    page.set_viewport_size({"width": 360, "height": MOBILE["height"]})
    for lang in ("en", "ru", "lv"):
        page.set_content(form_html(lang, errors={"email": "x" * 80}))
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 360, (lang, scroll_width)


def test_labels_focus_their_fields_and_the_honeypot_is_invisible(page: Any) -> None:
    page.set_content(form_html("lv"))
    page.get_by_label("Sērijas numurs").fill("SN-1")
    assert page.locator("#serial_number").input_value() == "SN-1"
    assert page.get_by_label("Jūsu vārds").input_value() == "Jānis Bērziņš"
    box = page.locator("#website").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0  # off-screen
    page.keyboard.press("Tab")  # the skip link first, then the page; never the honeypot
    for _ in range(30):
        assert page.evaluate("document.activeElement.id") != "website"
        page.keyboard.press("Tab")
