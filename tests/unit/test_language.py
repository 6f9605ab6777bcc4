"""Which of ru, bg, lv, en a customer wrote in, and None where the text does not tell."""

import time

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.language import MAX_CHARS, detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The issue's examples: Cyrillic is not Russian by itself, Latin not English.
        ("Помпата не работи. Моля за помощ.", "bg"),
        ("Sveiki, suknis nedarbojas, lūdzu palīdziet.", "lv"),
        ("Sveiki, suknis nedarbojas", "lv"),
        ("Sveiki, suknis nedarbojas…", "lv"),
        ("Насос не включается после грозы.", "ru"),
        ("The pump stops after 10 minutes.", "en"),
    ],
)
def test_the_issues_examples(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Прошу заменить насос по гарантии, серийный номер указан на шильдике.",
        "После двух недель эксплуатации котёл перестал включаться, на дисплее ошибка E03.",
        "Направляем претензию по поставке от 12 марта: три блока пришли с трещинами корпуса.",
        "Просим сообщить сроки рассмотрения рекламации и необходимые документы.",
    ],
)
def test_russian(text: str) -> None:
    assert detect_language(text) == "ru"


@pytest.mark.parametrize(
    "text",
    [
        "Моля да замените помпата по гаранция, серийният номер е на табелката.",
        "След две седмици работа котелът спря да се включва и на дисплея излиза грешка E03.",
        "Изпращаме рекламация за доставката от 12 март: три блока пристигнаха с пукнатини.",
        "Моля, съобщете ни в какъв срок ще разгледате рекламацията и какви документи са нужни.",
    ],
)
def test_bulgarian(text: str) -> None:
    assert detect_language(text) == "bg"


@pytest.mark.parametrize(
    "text",
    [
        "Lūdzu nomainīt sūkni garantijas ietvaros, sērijas numurs ir uz plāksnītes.",
        "Pēc divām nedēļām katls vairs neieslēdzas, displejā redzama kļūda E03.",
        "Nosūtām pretenziju par 12. marta piegādi: trīs bloki pienāca ar plaisām korpusā.",
        # Typed without diacritics, as on a phone without a Latvian keyboard.
        "Ludzu nomainit sukni garantijas ietvaros, serijas numurs ir uz plaksnites.",
    ],
)
def test_latvian(text: str) -> None:
    assert detect_language(text) == "lv"


@pytest.mark.parametrize(
    "text",
    [
        "Please replace the pump under warranty; the serial number is on the rating plate.",
        "After two weeks of operation the boiler no longer starts and the display shows E03.",
        "We are filing a complaint about the delivery of 12 March: three units arrived cracked.",
        "Could you let us know how long the review will take and which documents you need?",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "12345",
        "SN-12345 / 2026-03-01",
        "ё",  # one letter, though only Russian has it
        "ok",  # English or Latvian
        "Test",
        "Fwd: Рекламация",  # the same word in Russian and Bulgarian
        "Благодаря",  # "thank you" in Bulgarian, "I thank" in Russian
    ],
)
def test_too_little_or_ambiguous_text_is_not_told(text: str) -> None:
    assert detect_language(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An email: an English reply prefix and claim number above a Russian body.
        ("Re: Claim CLM-2026-000123\nЗдравствуйте, насос так и не работает после ремонта.", "ru"),
        # A subject in Russian, the body in English: the longer text wins.
        ("Рекламация\nThe pump stops after 10 minutes and the motor gets hot.", "en"),
        ("Sūknis\nНасос не включается после грозы, просим помочь.", "ru"),
    ],
)
def test_mixed_text_goes_by_its_bulk(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_only_the_beginning_of_a_long_text_counts() -> None:
    russian = "Насос не включается после грозы. " * 100
    english = "The pump stops after ten minutes. " * 1000
    assert len(russian) > MAX_CHARS
    assert detect_language(russian + english) == "ru"


def test_a_long_text_costs_little() -> None:
    text = "Насос не включается после грозы, прошу прислать мастера. " * 10_000
    detect_language(text)  # the first call loads the models
    started = time.perf_counter()
    detect_language(text)
    assert time.perf_counter() - started < 0.5


def test_the_default_language_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_DEFAULT_LANGUAGE", "bg")
    assert Settings().default_language == "bg"
    monkeypatch.setenv("CLAIMS_DEFAULT_LANGUAGE", "RU")
    with pytest.raises(ValidationError, match="CLAIMS_DEFAULT_LANGUAGE must be two lowercase"):
        Settings()


# Claim texts as customers write them (issue 15): Bulgarian is told from Russian on ordinary
# text, also where no ъ gives it away, and Bulgarian with ъ is never taken for English.
CLAIM_TEXTS = {
    "bg-without-ъ": [
        "Здравейте, контролният блок на кораба не се включва след монтажа. Моля за помощ.",
        "Уважаеми господа, изделието спря да работи на третия ден. Моля да изпратите техник.",
        "Моля да ни изпратите сервизен техник, помпата не работи и тече вода от корпуса.",
        "Изделието е в гаранция, моля за ремонт или замяна.",
        "Не работи след ремонта. Моля, обадете се.",
        "Георги Димитров, сервизен отдел. Уредите не се включват, моля за проверка.",
    ],
    "bg-with-ъ": [
        "Корабният блок за управление не се включва. Захранването е проверено, а индикаторът мълчи.",
        "След включване на захранването блокът не реагира и няма светлинна индикация на пулта.",
        "Предявяваме рекламация за доставения контролер, който се повреди в първия месец.",
        "Уредът работи с прекъсвания, а понякога изключва сам. Молим за сервизно посещение.",
    ],
    "ru": [
        "Здравствуйте, блок управления судовой не включается после монтажа. Просим помочь.",
        "Изделие перестало работать на третий день. Просим направить специалиста.",
        "Блок не включается, индикаторы не горят. Заводской номер BU7M-2024-00417.",
        "Насос не работает, из корпуса течёт вода. Прошу прислать мастера.",
    ],
    "lv": [
        "Labdien, vadības bloks neieslēdzas pēc uzstādīšanas. Lūdzu palīdzību.",
        "Iekārta pārstāja darboties trešajā dienā, lūdzu atsūtīt speciālistu.",
        "Sukna korpuss tek, ludzu atsutiet meistaru.",
    ],
    "en": [
        "The control unit does not switch on after installation. Please send an engineer.",
        "The pump leaks from the housing, please advise.",
        "Our boiler stopped working on the third day; we request a repair under warranty.",
    ],
}


@pytest.mark.parametrize(
    ("group", "text"),
    [(group, text) for group, texts in CLAIM_TEXTS.items() for text in texts],
    ids=[
        f"{group.replace('ъ', 'er')}-{i}"
        for group, texts in CLAIM_TEXTS.items()
        for i in range(len(texts))
    ],
)
def test_real_looking_claim_texts(group: str, text: str) -> None:
    if group == "bg-without-ъ":
        assert "ъ" not in text.lower()
    elif group == "bg-with-ъ":
        assert "ъ" in text
    assert detect_language(text) == group[:2]
