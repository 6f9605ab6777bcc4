"""Letter templates: every kind in every language, escaping, fallbacks, PDF text and fonts."""

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from jinja2 import UndefinedError
from pypdf import PdfReader

from app.enums import LetterKind
from app.letters.context import (
    ClaimInfo,
    Company,
    Customer,
    Executor,
    LetterContext,
    LetterInfo,
    Signatory,
)
from app.letters.kinds import (
    CLAIM_KINDS,
    KIND_FIELDS,
    REQUIRED_FIELDS,
    editable_fields,
    missing_fields,
    normalize_fields,
)
from app.letters.pdf import html_to_pdf, render_pdf, shutdown_pdf_pool
from app.letters.render import (
    SUPPORTED_LANGUAGES,
    TEMPLATES_DIR,
    UnknownLanguage,
    format_date,
    render_cover_note,
    render_html,
    resolve_language,
)

LETTER_NUMBER = "L-2026-000045"

COMPANY = Company(
    name="SIA «Baltijas Ventilācijas Rūpnīca»",
    address_lines=("Rūpniecības iela 12", "Rīga, LV-1010, Latvija"),
    phone="+371 6700 1234",
    email="kvalitate@bvr.example.lv",
    website="www.bvr.example.lv",
    registration="Reģ. Nr. 40003123456, PVN LV40003123456",
    city="Rīga",
)

CUSTOMERS = {
    "ru": Customer(
        name="ООО «Теплосервис-Северо-Запад»",
        contact_person="Ирина Викторовна Жукова",
        address_lines=("ул. Промышленная, д. 14, офис 305", "197183 Санкт-Петербург, Россия"),
        email="zhukova@teploservis.example.ru",
        is_key=True,
    ),
    "lv": Customer(
        name="SIA «Ziemeļu Vējš»",
        contact_person="Jānis Ozoliņš",
        address_lines=("Krasta iela 82-15", "Rīga, LV-1019"),
        email="janis.ozolins@ziemelu-vejs.example.lv",
    ),
    "en": Customer(
        name="Nordic Heating Solutions Ltd",
        contact_person="Margaret O'Brien",
        address_lines=("Unit 4, Harbour Road", "Cork T12 X8Y9, Ireland"),
        email="m.obrien@nordic-heating.example.ie",
    ),
    "bg": Customer(
        name="„Черноморска корабостроителница“ АД",
        contact_person="Георги Димитров",
        address_lines=("ул. „Индустриална“ 7", "9000 Варна, България"),
        email="g.dimitrov@chk.example.bg",
    ),
}

SIGNATORIES = {
    "ru": Signatory(name="Андрис Калниньш", title="Начальник отдела контроля качества"),
    "lv": Signatory(name="Andris Kalniņš", title="Kvalitātes kontroles nodaļas vadītājs"),
    "en": Signatory(name="Andris Kalniņš", title="Head of Quality Control Department"),
    "bg": Signatory(name="Андрис Калниньш", title="Ръководител на отдел „Контрол на качеството“"),
}

CLAIM = ClaimInfo(
    number="CLM-2026-000123",
    received_on=date(2026, 11, 20),
    product_model="VKP-315-E2",
    product_name="Канальный вентилятор",
    serial_number="SN 4471-0923",
    defect_description=(
        "После 3 месяцев работы двигатель гудит и не запускается; "
        "автоматический выключатель срабатывает при включении."
    ),
    customer_reference="218/11 от 19.11.2026",
    sale_date=date(2024, 3, 1),
    warranty_until=date(2026, 3, 1),
    resolution="repaired",
)

# Realistic free text a specialist would type, with a character that must be escaped.
FULL_FIELDS: dict[str, str] = {
    "next_steps": "We will reply by 4 December 2026 at the latest.",
    "requested_items": "- photos of the rating plate\n- wiring diagram\n- voltage under load",
    "response_due": "4 December 2026",
    "warranty_status": "The 24-month warranty ended on 1 March 2026.",
    "repair_cost": "480.00 EUR excl. VAT",
    "repair_duration": "10 working days",
    "guarantee_due": "11 December 2026",
    "explanation_text": (
        "The fan was connected to a 400 V supply, while the rating is 230 V.\n\n"
        "Please connect terminals L and N as shown on page 12 of the manual."
    ),
    "recommendations": "1. Clean the impeller.\n2. Check that the capacitor is 4 µF.",
    "visit_date": "1 December 2026, 10:00–14:00",
    "site_address": "Krasta iela 82, Rīga, boiler room B",
    "technicians": "Pēteris Liepa, Oļegs Ivanovs",
    "access_requirements": "access to the roof\npermit for hot work",
    "return_address": "Warehouse 3, Rūpniecības iela 12, Rīga",
    "shipping_arrangement": "Our carrier DPD will collect the unit on 2 December.",
    "packaging_instructions": "Original box, fixed on a pallet.",
    "return_due": "5 December 2026",
    "inspection_date": "25 November 2026",
    "inspection_place": "Plant, test bench 2",
    "participants": "A. Kalniņš (quality), I. Zhukova (customer)",
    "findings": "Winding insulation burnt; traces of moisture in the terminal box.",
    "cause": "Water ingress through an unsealed cable gland.",
    "cost_bearer": "The customer (installation did not follow section 5.3 of the manual).",
    "conclusion": "Repair is possible: rewind the motor.",
    "repair_plan": "Rewind the motor, replace the gland, test for 4 hours.",
    "replacement_reason": "The motor model is discontinued; no spare windings exist.",
    "replacement_product": "VKP-315-E3, new, with a 24-month warranty",
    "delivery_terms": "DAP Rīga, within 15 working days",
    "warranty_terms": "The new unit keeps the replaced unit's warranty.",
    "repair_summary": "Motor rewound, capacitor replaced, 4-hour run test passed.",
    "shipment_details": "Shipped on 3 December 2026 by DPD, waybill 0593 2211 88.",
    "repair_warranty": "The repair is guaranteed for 12 months.",
    "cost_terms": "Costs shared 50/50.",
    "rejection_reasons": "The unit was stored outdoors for 6 months, see the inspection act.",
    "resolution_summary": "The unit was repaired and returned on 3 December 2026.",
    "withdrawal_received_on": "10 December 2026",
    "withdrawal_reference": "12/345",
    "reminder_of": "No. L-2026-000031 of 5 December 2026",
    "awaiting": "payment_guarantee",
    "addressee": "Head of the Design Department, Mr V. Sokolov",
    "defect_details": "Motor hums, does not start; breaker trips after 2 s.",
    "questions": "Is the winding class F sufficient?\nShould the gland change in production?",
    "salutation": "Dear colleagues,",
    "recipient_address": "Sporta iela 2\n\nRīga, LV-1013",
    "body_extra": "Tom & Jerry <b>not bold</b> stays text.",
}


def fields_for(kind: LetterKind) -> dict[str, str]:
    return {name: FULL_FIELDS[name] for name in editable_fields(kind)}


def make_context(kind: LetterKind, lang: str, *, number: str | None = LETTER_NUMBER, fields=None):
    return LetterContext(
        letter=LetterInfo(kind=kind, date=date(2026, 11, 23), number=number),
        claim=CLAIM,
        customer=CUSTOMERS[lang],
        company=COMPANY,
        signatory=SIGNATORIES[lang],
        executor=Executor(name="Anna Bērziņa", phone="+371 2611 2233", email="anna@bvr.example.lv"),
        fields=fields_for(kind) if fields is None else fields,
    )


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def squeezed(text: str) -> str:
    """Without whitespace: a name may wrap in the PDF (e.g. after a hyphen)."""
    return re.sub(r"\s+", "", text)


# Letters of a claim: a corrective action's and a supplier claim's have their own tests.
ALL = [(kind, lang) for kind in CLAIM_KINDS for lang in SUPPORTED_LANGUAGES]


def test_every_kind_has_a_template_in_every_language():
    for kind, lang in ((k, lang) for k in LetterKind for lang in SUPPORTED_LANGUAGES):
        assert (TEMPLATES_DIR / "letters" / lang / f"{kind.value}.html.j2").is_file(), (kind, lang)
    assert set(KIND_FIELDS) == set(LetterKind)


@pytest.mark.parametrize(("kind", "lang"), ALL, ids=[f"{k.value}-{lang}" for k, lang in ALL])
def test_render_every_kind_in_every_language(kind, lang):
    ctx = make_context(kind, lang)
    html = render_html(kind, lang, ctx)

    assert html.startswith("<!DOCTYPE html>")
    assert f'<html lang="{lang}">' in html
    assert LETTER_NUMBER in html and CLAIM.number in html
    assert CUSTOMERS[lang].name in html
    assert COMPANY.name in html and SIGNATORIES[lang].name in html
    if kind not in (LetterKind.design_memo, LetterKind.inspection_act):  # an act has no addressee
        assert "<div>Sporta iela 2</div>\n      <div>Rīga, LV-1013</div>" in html
    assert 'class="missing"' not in html, "a filled letter has no gaps"
    body = html[html.index("<body") :]
    for typo in (" ,", ",,", "..", " .", "  "):
        assert typo not in re.sub(r"\s*\n\s*", " ", re.sub(r"<[^>]+>", "", body)), typo
    # Free text is escaped, never interpreted as markup.
    assert "Tom &amp; Jerry &lt;b&gt;not bold&lt;/b&gt;" in html
    assert "<b>not bold</b>" not in html

    text = squeezed(pdf_text(html_to_pdf(html)))
    assert LETTER_NUMBER in text
    assert CLAIM.number in text
    assert squeezed(CUSTOMERS[lang].name) in text


def test_pdf_embeds_dejavu_and_keeps_cyrillic_and_latvian_text():
    html = render_html(
        LetterKind.acknowledgement, "lv", make_context(LetterKind.acknowledgement, "lv")
    )
    pdf = html_to_pdf(html)
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=0.5)  # A4 in points
    assert reader.pages[0].mediabox.height == pytest.approx(841.89, abs=0.5)
    fonts = {
        font.get_object()["/BaseFont"] for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert fonts and all("DejaVu" in f for f in fonts)
    descendant = next(iter(reader.pages[0]["/Resources"]["/Font"].values())).get_object()
    descriptor = descendant["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    assert "/FontFile2" in descriptor, "the font program is embedded"
    text = pdf_text(pdf)
    assert "Kvalitātes kontroles nodaļa" in text  # Latvian diacritics survive
    assert "Канальный вентилятор" in text  # Cyrillic survives


async def test_render_pdf_runs_in_the_process_pool():
    html = render_html(LetterKind.closure, "ru", make_context(LetterKind.closure, "ru"))
    try:
        pdf = await render_pdf(html)
    finally:
        shutdown_pdf_pool()
    assert pdf.startswith(b"%PDF-")
    assert "О закрытии рекламации" in pdf_text(pdf)


def test_draft_shows_draft_marker_instead_of_number():
    for lang, marker in {"ru": "ПРОЕКТ", "en": "DRAFT", "lv": "PROJEKTS", "bg": "ПРОЕКТ"}.items():
        html = render_html(
            "explanation", lang, make_context(LetterKind.explanation, lang, number=None)
        )
        assert LETTER_NUMBER not in html
        assert f'<strong class="letter-number">{marker}</strong>' in html
        assert 'class="watermark"' in html


def test_empty_required_fields_are_marked_and_reported():
    ctx = make_context(LetterKind.rejection, "ru", fields={})
    html = render_html(LetterKind.rejection, "ru", ctx)
    assert '<span class="missing">[заполнить]</span>' in html
    assert missing_fields(LetterKind.rejection, normalize_fields(LetterKind.rejection, {})) == [
        "rejection_reasons"
    ]
    assert missing_fields(LetterKind.acknowledgement, {}) == []
    assert missing_fields(LetterKind.inspection_act, {"findings": "  "}) == [
        "findings",
        "cost_bearer",
        "conclusion",
    ]
    for kind, names in REQUIRED_FIELDS.items():
        assert set(names) <= set(editable_fields(kind))


def test_optional_fields_fall_back_to_default_wording():
    ctx = make_context(LetterKind.information_request, "en", fields={})
    html = render_html(LetterKind.information_request, "en", ctx)
    assert "photographs of the product" in html
    assert "Dear Margaret O&#39;Brien," in html  # default salutation, escaped
    assert "at your earliest convenience" in html


def test_default_salutations_follow_language_and_customer():
    org = Customer(name="ООО «Ромашка»")
    cases = {
        ("ru", None): "Уважаемые господа!",
        ("ru", "Пётр Сидоров"): "Уважаемый господин Сидоров!",
        ("ru", "Сидоров Пётр Ильич"): "Уважаемый Пётр Ильич!",
        ("lv", None): "Godātās dāmas, godātie kungi!",
        ("lv", "Līga Kalna"): "Godātā Kalnas kundze!",
        ("en", "Līga Kalna"): "Dear Ms Kalna,",
        ("en", None): "Dear Sir or Madam,",
        ("bg", None): "Уважаеми дами и господа,",
        ("bg", "Мария Иванова"): "Уважаема госпожо Иванова,",
        ("bg", "Георги Димитров"): "Уважаеми господин Димитров,",
    }
    for (lang, contact), expected in cases.items():
        ctx = replace(
            make_context(LetterKind.closure, lang, fields={}),
            customer=replace(org, contact_person=contact),
        )
        html = render_html(LetterKind.closure, lang, ctx)
        assert expected in html
        assert "(ая)" not in html and "Cien." not in html


def test_letterhead_comes_from_context_not_template():
    other = Company(name="AS «Cita Rūpnīca»", address_lines=("Daugavpils, Cietokšņa iela 1",))
    ctx = replace(make_context(LetterKind.acknowledgement, "en"), company=other)
    html = render_html(LetterKind.acknowledgement, "en", ctx)
    assert "AS «Cita Rūpnīca»" in html and "Daugavpils, Cietokšņa iela 1" in html
    assert COMPANY.name not in html
    for path in (TEMPLATES_DIR / "letters").rglob("*.j2"):
        assert "Baltijas" not in path.read_text(encoding="utf-8")


def test_strict_undefined_rejects_incomplete_context():
    ctx = make_context(LetterKind.acknowledgement, "en")
    broken = {
        "letter": ctx.letter,
        "claim": ctx.claim,
        "customer": {"name": "X"},  # no address_lines, contact_person, ...
        "company": ctx.company,
        "signatory": ctx.signatory,
        "executor": None,
        "fields": {},
    }
    with pytest.raises(UndefinedError):
        render_html(LetterKind.acknowledgement, "en", broken)


def test_unknown_field_and_kind_are_refused():
    with pytest.raises(ValueError, match="unknown field"):
        render_html("closure", "en", make_context(LetterKind.closure, "en", fields={"nope": "x"}))
    with pytest.raises(ValueError):
        render_html("love_letter", "en", make_context(LetterKind.closure, "en"))
    with pytest.raises(ValueError, match="must be text"):
        normalize_fields(LetterKind.closure, {"body_extra": 5})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="longer than"):
        normalize_fields(LetterKind.closure, {"body_extra": "x" * 10_001})


def test_normalize_fields_fills_every_name_and_blanks_become_none():
    result = normalize_fields(
        LetterKind.explanation, {"explanation_text": "  ok  ", "salutation": " "}
    )
    assert result == {
        "salutation": None,
        "recipient_address": None,
        "body_extra": None,
        "explanation_text": "ok",
    }


def test_withdrawal_reminder_changes_subject():
    fields = {"reminder_of": "No. L-2026-000031 of 5 December 2026"}
    html = render_html(
        "withdrawal_request", "en", make_context(LetterKind.withdrawal_request, "en", fields=fields)
    )
    assert "Reminder: withdrawal of claim No.\u00a0CLM-2026-000123" in html
    html = render_html(
        "withdrawal_request", "en", make_context(LetterKind.withdrawal_request, "en", fields={})
    )
    assert "Request for written withdrawal" in html


def test_closure_names_the_resolution_in_each_language():
    for lang, phrase in {
        "ru": "изделие отремонтировано",
        "en": "the product was repaired",
        "lv": "izstrādājums ir saremontēts",
        "bg": "изделието е ремонтирано",
    }.items():
        html = render_html("closure", lang, make_context(LetterKind.closure, lang, fields={}))
        assert phrase in html


@pytest.mark.parametrize(
    ("requested", "fallbacks", "default", "expected"),
    [
        ("ru", None, "en", "ru"),
        ("RU-ru", None, "en", "ru"),
        ("lv_LV", None, "en", "lv"),
        ("bg", None, "en", "bg"),
        ("bg-BG", {"bg": "ru"}, "en", "bg"),
        ("uk", None, "en", "en"),
        ("uk", {"uk": "ru"}, "en", "ru"),
        # A chain is followed as far as it goes, and a loop ends where it comes back.
        ("be", {"be": "uk", "uk": "ru"}, "en", "ru"),
        ("be", {"be": "uk", "uk": "be"}, "lv", "lv"),
        ("mk-MK", {"mk-mk": "xx", "mk": "bg"}, "en", "bg"),
        ("de", None, "lv", "lv"),
        (None, None, "en", "en"),
        ("", None, "ru", "ru"),
        ("xx", {"xx": "klingon"}, "en", "en"),
    ],
)
def test_resolve_language(requested, fallbacks, default, expected):
    assert resolve_language(requested, default=default, fallbacks=fallbacks) == expected


def test_resolve_language_without_usable_default_fails():
    with pytest.raises(UnknownLanguage):
        resolve_language("de", default="de")


def test_unsupported_language_renders_in_fallback():
    html = render_html("acknowledgement", "uk", make_context(LetterKind.acknowledgement, "en"))
    assert '<html lang="en">' in html
    html = render_html(
        "acknowledgement",
        "uk",
        make_context(LetterKind.acknowledgement, "ru"),
        fallbacks={"uk": "ru"},
    )
    assert '<html lang="ru">' in html


def test_format_date():
    d = date(2026, 3, 1)
    assert format_date(d, "ru") == "1 марта 2026 г."
    assert format_date(d, "en") == "1 March 2026"
    assert format_date(d, "lv") == "01.03.2026"
    # CLDR's month names; the renderer, not the date, makes the spaces non-breaking.
    assert format_date(date(2026, 11, 27), "bg") == "27 ноември 2026 г."
    assert format_date(None, "en") == ""


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_unknown_product_and_serial_read_naturally(lang):
    claim = replace(CLAIM, product_model=None, product_name=None, serial_number=None)
    for kind in CLAIM_KINDS:
        ctx = replace(make_context(kind, lang), claim=claim)
        html = render_html(kind, lang, ctx)
        assert "None" not in html
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html[html.index("<body") :]))
        assert " ," not in text and ",," not in text and ".." not in text
        assert ", serial number" not in html and "заводской номер" not in html
        assert "фабричен №" not in html
    html = render_html(
        "closure", lang, replace(make_context(LetterKind.closure, lang), claim=claim)
    )
    assert {
        "en": "product (model not specified)",
        "ru": "(модель не указана)",
        "lv": "(modelis nav norādīts)",
        "bg": "(моделът не е посочен)",
    }[lang] in html


@pytest.mark.parametrize("lang", SUPPORTED_LANGUAGES)
def test_email_cover_note_is_plain_text(lang):
    ctx = make_context(LetterKind.explanation, lang, fields={"salutation": "A & B <x>"})
    text = render_cover_note(lang, ctx, subject="Re: <claim> & co")
    assert LETTER_NUMBER in text and CLAIM.number in text
    assert "Re: <claim> & co" in text  # not HTML-escaped
    if lang != "bg":  # Bulgarian greets neutrally ("Уважаеми дами и господа,") without a gender
        assert "A & B <x>" in text
    assert COMPANY.name in text
