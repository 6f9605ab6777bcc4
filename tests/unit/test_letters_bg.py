"""Bulgarian letters: every kind renders in business Bulgarian, with no Russian left in it."""

import re
from dataclasses import replace
from datetime import date

import pytest

from app.enums import LetterKind
from app.letters.context import ClaimInfo, Company
from app.letters.kinds import CLAIM_KINDS
from app.letters.render import TEMPLATES_DIR, render_cover_note, render_html
from tests.unit.test_letter_render import fields_for, make_context

# Letters only Russian has: a Bulgarian text that holds one was translated carelessly.
RUSSIAN_ONLY = re.compile("[ыэёЫЭЁ]")

CLAIM_BG = ClaimInfo(
    number="CLM-2026-000321",
    received_on=date(2026, 11, 20),
    product_model="БУ-7М",
    product_name="Корабен блок за управление",
    serial_number="BU7M-2024-00417",
    defect_description="Блокът за управление не се включва, индикаторите не светят.",
    customer_reference="17/115",
    sale_date=date(2025, 2, 3),
    warranty_until=date(2027, 2, 3),
    resolution="repaired",
)
COMPANY_BG = Company(
    name="„Балтийски вентилационен завод“ ООД",
    address_lines=("ул. „Индустриална“ 12", "1000 София, България"),
    city="София",
    registration="ЕИК 123456789",
)
# What a specialist typed in Bulgarian for every field a kind has.
FIELDS_BG = {
    name: "текст, въведен от специалиста"
    for kind in CLAIM_KINDS
    for name in fields_for(kind)
    if name not in {"salutation", "recipient_address"}
}


def bg_context(kind: LetterKind, *, fields: dict[str, str] | None = None):
    ctx = make_context(kind, "bg")
    chosen = {n: FIELDS_BG[n] for n in fields_for(kind) if n in FIELDS_BG}
    return replace(
        ctx, claim=CLAIM_BG, company=COMPANY_BG, fields=chosen if fields is None else fields
    )


def visible_text(html: str) -> str:
    body = html[html.index("<body") :]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body).replace("\u00a0", " "))


def test_the_bulgarian_templates_hold_no_russian_only_letters():
    paths = sorted((TEMPLATES_DIR / "letters" / "bg").glob("*.j2"))
    assert len(paths) == len(LetterKind) + 3  # every kind, the layout, the cover, the reminder
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert not RUSSIAN_ONLY.search(text), path.name
        for russian in ("Уважаемый", "С уважением", "рекламации №", "Исх.", "заводской"):
            assert russian not in text, (path.name, russian)


@pytest.mark.parametrize("filled", [True, False], ids=["filled", "defaults"])
@pytest.mark.parametrize("kind", CLAIM_KINDS, ids=[k.value for k in CLAIM_KINDS])
def test_every_kind_renders_in_bulgarian(kind: LetterKind, filled: bool):
    ctx = bg_context(kind, fields=None if filled else {})
    html = render_html(kind, "bg", ctx)
    text = visible_text(html)

    assert '<html lang="bg">' in html
    assert not RUSSIAN_ONLY.search(text), RUSSIAN_ONLY.findall(text)
    assert "{{" not in html and "{%" not in html and "None" not in text
    if filled:
        assert "[за попълване]" not in text, "a filled letter has no gaps"
    assert CLAIM_BG.number in text and COMPANY_BG.name in text
    assert "20 ноември 2026 г." in text  # the claim's date, from CLDR
    for typo in (" ,", ",,", "..", " .", "(ая)", "(а)", "  "):
        assert typo not in text, typo
    if kind is LetterKind.design_memo:
        assert "Служебна записка №" in text
    elif kind is LetterKind.inspection_act:
        assert "КОНСТАТИВЕН ПРОТОКОЛ № L-2026-000045" in text
        assert "от страна на " + COMPANY_BG.name in text
        assert "Изх. №" not in text and "Уважаеми" not in text
    else:
        assert "Изх. № L-2026-000045/23.11.2026 г." in text
        assert "гр. София" in text
        assert "Във връзка с Ваше писмо № 17/115" in text
        assert "Уважаеми господин Димитров," in text  # the contact, by convention
        assert "С уважение," in text
        assert "Относно:" in text


def test_bulgarian_draft_and_missing_marker():
    html = render_html(LetterKind.rejection, "bg", bg_context(LetterKind.rejection, fields={}))
    assert '<span class="missing">[за попълване]</span>' in html
    ctx = bg_context(LetterKind.closure)
    html = render_html(
        LetterKind.closure, "bg", replace(ctx, letter=replace(ctx.letter, number=None))
    )
    assert '<strong class="letter-number">ПРОЕКТ</strong>' in html


def test_the_bulgarian_cover_note():
    ctx = bg_context(LetterKind.explanation, fields={})
    text = render_cover_note("bg", ctx, subject="Относно: отговор на рекламация")
    text = text.replace("\u202f", " ")
    assert text.startswith("Уважаеми господин Димитров,\n")
    assert "изх. № L-2026-000045 от 23 ноември 2026 г." in text
    assert "„Относно: отговор на рекламация“" in text
    assert "С уважение,\nОтдел „Контрол на качеството“" in text
    assert not RUSSIAN_ONLY.search(text)
