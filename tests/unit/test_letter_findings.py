"""No unfounded assertions: every sentence that states a finding appears only when the finding
is recorded (issue 15). Each kind renders in each language with the facts absent and present."""

import re
from dataclasses import replace
from typing import Any

import pytest

from app.enums import LetterKind as K
from app.letters.kinds import CLAIM_KINDS
from app.letters.render import SUPPORTED_LANGUAGES, due, render_html
from tests.unit.test_letter_render import CLAIM, make_context

LANGS = [lang for lang in ("ru", "en", "lv", "bg") if lang in SUPPORTED_LANGUAGES]
BLANK = replace(CLAIM, warranty_until=None, resolution=None)


class Finding:
    """A sentence in `kind` stating what `facts` (claim attributes) or `fields` record."""

    def __init__(
        self,
        kind: K,
        phrases: dict[str, str],
        *,
        facts: dict[str, Any] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        self.kind, self.phrases = kind, phrases
        self.facts, self.fields = facts or {}, fields or {}

    def __repr__(self) -> str:
        return f"{self.kind.value}:{self.phrases['en']}"


FINDINGS = [
    Finding(
        K.acknowledgement,
        {
            "ru": "находится на гарантии",
            "en": "is under warranty",
            "lv": "ir spēkā garantija",
            "bg": "изделието е в гаранция",
        },
        facts={"warranty_status": "in_warranty"},
    ),
    Finding(
        K.acknowledgement,
        {
            "ru": "гарантийный срок на изделие истёк",
            "en": "warranty period for the product has expired",
            "lv": "garantijas termiņš ir beidzies",
            "bg": "гаранционният срок на изделието е изтекъл",
        },
        facts={"warranty_status": "expired"},
    ),
    Finding(
        K.acknowledgement,
        {
            "ru": "не действуют",
            "en": "no longer valid",
            "lv": "garantija nav spēkā",
            "bg": "не са в сила",
        },
        facts={"warranty_status": "void"},
    ),
    Finding(
        K.acknowledgement,
        {"ru": "не найдено", "en": "could not find", "lv": "nav atrasts", "bg": "не е открито"},
        facts={"warranty_status": "unknown_unit"},
    ),
    Finding(
        K.explanation,
        {
            "ru": "связано с условиями его эксплуатации",
            "en": "results from the way the product is operated",
            "lv": "saistīta ar tā lietošanas",
            "bg": "се дължи на условията на неговата експлоатация",
        },
        facts={"defect_cause": "misuse"},
    ),
    Finding(
        K.paid_repair_offer,
        {
            "ru": "гарантийный срок на изделие истёк",
            "en": "warranty period for this product has expired",
            "lv": "garantijas termiņš ir beidzies",
            "bg": "гаранционният срок на изделието е изтекъл",
        },
        facts={"warranty_status": "expired"},
    ),
    Finding(
        K.repair_completed,
        {
            "ru": "распределяются между изготовителем и заказчиком",
            "en": "costs are shared",
            "lv": "sadala starp ražotāju",
            "bg": "поделят между производителя и клиента",
        },
        facts={"cost_bearer": "shared"},
    ),
    Finding(
        K.repair_completed,
        {"ru": "50/50", "en": "50/50", "lv": "50/50", "bg": "50/50"},
        fields={"cost_terms": "50/50"},
    ),
    Finding(
        K.replacement_offer,
        {lang: "Warranty moves" for lang in ("ru", "en", "lv", "bg")},
        fields={"warranty_terms": "Warranty moves"},
    ),
    Finding(
        K.replacement_offer,
        {lang: "Cracked housing" for lang in ("ru", "en", "lv", "bg")},
        fields={"replacement_reason": "Cracked housing"},
    ),
]

# Sentences no record backs: they must not appear whatever is recorded.
NEVER = {
    "ru": [
        "изделие исправно",
        "полностью работоспособно",
        "технически невозможен либо экономически нецелесообразен",
        "исчисляется с даты его поставки",
        "не тот ответ, на который",
        "до до ",
    ],
    "en": [
        "in working order",
        "fully operational",
        "technically impossible or economically unjustified",
        "starts on the date of its delivery",
        "by by ",
    ],
    "lv": [
        "ir darba kārtībā",
        "pilnībā darba kārtībā",
        "tehniski neiespējams vai ekonomiski nepamatots",
        "sākas ar tā piegādes dienu",
        "šī nav atbilde",
        "līdz līdz ",
    ],
    "bg": [
        "изделието е изправно",
        "напълно работоспособно",
        "технически невъзможен или икономически нецелесъобразен",
        "тече от датата на доставката",
        "до до ",
    ],
}
# The acknowledgement says the warranty is being checked only while nobody has checked it.
CHECKING = {
    "ru": "проверяют гарантийный статус",
    "en": "will now check",
    "lv": "pārbauda",
    "bg": "проверяват гаранционния статус",
}


def _text(kind: K, lang: str, *, facts: dict[str, Any], fields: dict[str, str]) -> str:
    context = make_context(kind, lang, fields=fields)
    context = replace(context, claim=replace(BLANK, **facts))
    html = render_html(kind, lang, context)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("finding", FINDINGS, ids=repr)
def test_a_finding_is_stated_only_when_recorded(finding: Finding, lang: str) -> None:
    absent = _text(finding.kind, lang, facts={}, fields={})
    present = _text(finding.kind, lang, facts=finding.facts, fields=finding.fields)
    assert finding.phrases[lang] not in absent
    assert finding.phrases[lang] in present


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("kind", CLAIM_KINDS)
def test_every_kind_with_facts_absent_and_present_asserts_nothing_unrecorded(
    kind: K, lang: str
) -> None:
    everything = {"warranty_status": "void", "defect_cause": "wear", "cost_bearer": "customer"}
    for facts, fields in (({}, {}), (everything, None)):
        text = _text(kind, lang, facts=facts, fields=fields if fields is not None else {})
        for phrase in NEVER[lang]:
            assert phrase not in text, (kind, lang, facts, phrase)
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), text
    # A cause other than misuse states no misuse finding.
    wear = _text(K.explanation, lang, facts={"defect_cause": "wear"}, fields={})
    assert FINDINGS[4].phrases[lang] not in wear


@pytest.mark.parametrize("lang", LANGS)
def test_the_acknowledgement_stops_saying_it_checks_once_checked(lang: str) -> None:
    unchecked = _text(K.acknowledgement, lang, facts={}, fields={})
    assert CHECKING[lang] in unchecked
    for status in ("in_warranty", "expired", "void", "unknown_unit"):
        checked = _text(K.acknowledgement, lang, facts={"warranty_status": status}, fields={})
        assert CHECKING[lang] not in checked, status


@pytest.mark.parametrize(
    ("typed", "lang", "expected"),
    [
        ("до 11.12.2026", "ru", "в срок до 11.12.2026"),
        ("в срок до 11 декабря 2026 г.", "ru", "в срок до 11 декабря 2026 г."),
        ("by 11 December 2026", "en", "by 11 December 2026"),
        ("līdz 11.12.2026", "lv", "līdz 11.12.2026"),
        ("11.12.2026", "ru", "в срок до 11.12.2026"),
        ("до 11.12.2026 г.", "bg", "в срок до 11.12.2026 г."),
        ("не по-късно от 11.12.2026 г.", "bg", "в срок до 11.12.2026 г."),
    ],
)
def test_a_due_date_typed_with_its_preposition_is_not_doubled(
    typed: str, lang: str, expected: str
) -> None:
    text = _text(
        K.information_request,
        lang,
        facts={},
        fields={"requested_items": "Photos", "response_due": typed},
    )
    assert expected in text
    assert not re.search(r"\b(до|by|līdz) (в срок )?(до|by|līdz) ", text)
    assert not due(typed).startswith(("до ", "by ", "līdz ", "в срок", "не по-късно"))
