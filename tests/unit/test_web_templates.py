"""The public pages render in every language as plain, accessible HTML."""

from html.parser import HTMLParser

import pytest

from app.web import i18n
from app.web.render import render_page

MODELS = [{"code": "HP-200", "name": "Heat pump HP-200"}, {"code": "BX-10", "name": "Boiler"}]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "label" and a.get("for"):
            self.label_for.add(str(a["for"]))
        if tag in {"input", "select", "textarea"} and a.get("type") != "hidden":
            self.controls.append({"tag": tag, **a})


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def form_page(lang: str = "en", **overrides: object) -> str:
    context: dict[str, object] = {
        "values": {},
        "errors": {},
        "models": MODELS,
        "csrf_token": "tok.1.sig",
        "max_files": 5,
        "max_mb": 10,
        "today": "2026-11-23",
        "maxlength": {"customer_name": 200, "description": 5000},
        "photos_rejected": False,
        "form_error": None,
    }
    context.update(overrides)
    return render_page("claim_form.html.j2", lang=lang, path="/claim-form", **context)


def assert_accessible(page: _Page) -> None:
    assert page.controls, "no form controls"
    for control in page.controls:
        assert control["id"] in page.label_for, f"{control} has no <label for>"
        for ref in (control.get("aria-describedby") or "").split():
            assert ref in page.ids, f"{control['id']} describedby unknown id {ref}"


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_form_renders_labelled_controls_in_each_language(lang: str) -> None:
    html = form_page(lang)
    page = parse(html)
    assert page.html_lang == lang
    assert_accessible(page)
    names = {c.get("name") for c in page.controls}
    assert names >= {
        "customer_name",
        "organisation",
        "email",
        "phone",
        "product_model",
        "serial_number",
        "purchase_date",
        "description",
        "photos",
        "website",
    }
    assert i18n.MESSAGES[lang]["form_title"] in html
    assert 'name="csrf_token" value="tok.1.sig"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<meta name="viewport"' in html
    assert "<script" not in html


def test_photos_accept_several_files_and_the_honeypot_is_out_of_reach() -> None:
    page = parse(form_page())
    photos = next(c for c in page.controls if c.get("name") == "photos")
    assert photos["type"] == "file" and "multiple" in photos
    honeypot = next(c for c in page.controls if c.get("name") == "website")
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"


def test_models_are_listed_and_the_chosen_one_stays_selected() -> None:
    html = form_page(values={"product_model": "BX-10"})
    assert '<option value="HP-200">Heat pump HP-200 (HP-200)</option>' in html
    assert '<option value="BX-10" selected>' in html


def test_rejected_form_keeps_values_escaped_and_shows_errors_next_to_fields() -> None:
    html = form_page(
        "ru",
        values={
            "customer_name": 'Иван "<b>"',
            "email": "ivan@",
            "description": "</textarea><script>alert(1)</script>",
        },
        errors={"email": "Введите корректный адрес", "serial_number": "Это поле обязательно."},
        photos_rejected=True,
    )
    page = parse(html)
    assert_accessible(page)
    assert 'value="Иван &#34;&lt;b&gt;&#34;"' in html
    assert 'value="ivan@"' in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html and "<script>" not in html
    email = next(c for c in page.controls if c.get("name") == "email")
    assert email["aria-invalid"] == "true"
    assert email["aria-describedby"] == "email-hint email-error"
    serial = next(c for c in page.controls if c.get("name") == "serial_number")
    assert serial["aria-describedby"] == "serial_number-hint serial_number-error"
    assert '<p class="error" id="serial_number-error">Это поле обязательно.</p>' in html
    assert 'role="alert"' in html and 'href="#email"' in html
    assert i18n.MESSAGES["ru"]["photos_reattach"] in html


def test_language_links_keep_the_page() -> None:
    html = render_page(
        "claim_submitted.html.j2",
        lang="lv",
        path="/claim-form",
        claim_number="CLM-2026-000001",
        email="a@example.lv",
    )
    assert 'href="/claim-form?lang=ru"' in html and 'aria-current="true">Latviešu' in html
    assert 'id="claim-number">CLM-2026-000001<' in html
    assert "a@example.lv" in html


def status_page(**overrides: object) -> str:
    context: dict[str, object] = {
        "values": {},
        "errors": {},
        "csrf_token": "t",
        "not_found": False,
        "form_error": None,
        "claim": None,
        "letters": [],
    }
    context.update(overrides)
    return render_page("claim_status.html.j2", lang="en", path="/claim-status", **context)


def test_status_page_form_and_result() -> None:
    assert_accessible(parse(status_page()))
    html = status_page(
        values={"claim_number": "CLM-2026-000007", "email": "a@b.lv"},
        claim={"number": "CLM-2026-000007", "state": "design_review", "received_at": "2026-11-20"},
        letters=[{"number": "L-2026-000003", "kind": "acknowledgement", "issued_at": "2026-11-21"}],
    )
    assert 'id="claim-state">Being examined by our engineers<' in html
    assert "L-2026-000003" in html and "Acknowledgement of receipt" in html
    assert "No letters have been issued yet." in status_page(
        claim={"number": "N", "state": "new", "received_at": "d"}
    )


def test_status_page_not_found_reveals_nothing() -> None:
    html = status_page(values={"claim_number": "CLM-2026-000009", "email": "x@y.z"}, not_found=True)
    assert i18n.MESSAGES["en"]["status_not_found"] in html
    assert 'id="claim-status"' not in html


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_an_empty_catalogue_asks_for_the_model_in_free_text(lang: str) -> None:
    page = parse(form_page(lang, models=[], errors={"product_model_name": "!"}))
    assert_accessible(page)
    model = next(c for c in page.controls if c.get("name") == "product_model_name")
    assert model["tag"] == "input" and "required" in model
    assert not [c for c in page.controls if c.get("name") == "product_model"]


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_list_ends_with_another_model_and_its_free_text(lang: str) -> None:
    html = form_page(lang, values={"product_model": "other", "product_model_name": "X <1>"})
    page = parse(html)
    assert_accessible(page)
    other = f'<option value="other" selected>{i18n.MESSAGES[lang]["product_model_other"]}'
    assert other in html
    assert 'value="X &lt;1&gt;"' in html
    model = next(c for c in page.controls if c.get("name") == "product_model_name")
    assert "required" not in model  # required only once "another model" is chosen (server)
