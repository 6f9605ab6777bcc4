"""The letterhead per language, from settings in their per-language and plain forms, and the
letter language fallback chain as a setting."""

import re

import pytest
from pydantic import ValidationError

from app.config import ANY_LANGUAGE, Settings, in_language
from app.letters.building import letterhead
from app.letters.render import resolve_language

CYRILLIC = re.compile("[\u0400-\u04ff]")


def test_the_defaults_give_a_latvian_letterhead_without_cyrillic() -> None:
    settings = Settings()
    latvian = letterhead(settings, "lv")
    assert latvian.address_lines == ("Rūpnīcas iela 1", "Rīga, LV-1001, Latvija")
    for text in (latvian.name, *latvian.address_lines, latvian.city, latvian.registration):
        assert not CYRILLIC.search(text), text
    assert not CYRILLIC.search(in_language(settings.letter_head_title, "lv") or "")
    assert letterhead(settings, "ru").address_lines[0] == "ул. Рупницас, 1"
    assert letterhead(settings, "bg").address_lines[0] == "ул. „Рупницас“ 1"
    # A Latvian SIA keeps its legal form in Russian and Bulgarian letters.
    assert letterhead(settings, "ru").name == "SIA «Example Manufacturing»"
    assert letterhead(settings, "bg").name == "„Example Manufacturing“ SIA"
    # A language the settings do not name reads the English letterhead.
    assert letterhead(settings, "de").name == "Example Manufacturing Ltd"
    assert in_language(settings.letter_head_title, "bg") == (
        "Ръководител на отдел „Контрол на качеството“"
    )


def test_per_language_values_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "CLAIMS_LETTER_COMPANY_NAME",
        '{"ru": "АО «Северный завод»", "lv": "AS “Ziemeļu rūpnīca”", "bg": "„Северен завод“ АД"}',
    )
    monkeypatch.setenv(
        "CLAIMS_LETTER_COMPANY_ADDRESS",
        '{"ru": "ул. Заводская, 1|Рига, LV-1001", "lv": ["Rūpnīcas iela 1", "Rīga, LV-1001"]}',
    )
    monkeypatch.setenv("CLAIMS_LETTER_COMPANY_CITY", '{"ru": "Рига", "lv": "Rīga", "en": "Riga"}')
    monkeypatch.setenv(
        "CLAIMS_LETTER_COMPANY_REGISTRATION",
        '{"ru": "Рег. № 40003000001", "*": "Reg. No. 40003000001"}',
    )
    settings = Settings()
    ru, lv, bg, en = (letterhead(settings, lang) for lang in ("ru", "lv", "bg", "en"))
    assert (ru.name, ru.city, ru.registration) == (
        "АО «Северный завод»",
        "Рига",
        "Рег. № 40003000001",
    )
    assert ru.address_lines == ("ул. Заводская, 1", "Рига, LV-1001")
    assert (lv.name, lv.city, lv.address_lines) == (
        "AS “Ziemeļu rūpnīca”",
        "Rīga",
        ("Rūpnīcas iela 1", "Rīga, LV-1001"),
    )
    assert lv.registration == "Reg. No. 40003000001"  # the value for every other language
    assert bg.name == "„Северен завод“ АД" and bg.city == "Riga"  # no Bulgarian city: English
    assert en.name == "АО «Северный завод»"  # nothing in English or for all: the first one


def test_the_plain_forms_still_mean_every_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMS_LETTER_COMPANY_NAME", "Acme Ltd")
    monkeypatch.setenv("CLAIMS_LETTER_COMPANY_ADDRESS", "1 Factory Street|Riga, LV-1001")
    monkeypatch.setenv("CLAIMS_LETTER_COMPANY_CITY", "Riga")
    monkeypatch.setenv("CLAIMS_LETTER_COMPANY_REGISTRATION", "Reg. No. 40003000001")
    settings = Settings()
    assert settings.letter_company_name == {ANY_LANGUAGE: "Acme Ltd"}
    for lang in ("ru", "lv", "bg", "en"):
        head = letterhead(settings, lang)
        assert head.name == "Acme Ltd" and head.city == "Riga"
        assert head.address_lines == ("1 Factory Street", "Riga, LV-1001")
        assert head.registration == "Reg. No. 40003000001"
    monkeypatch.setenv("CLAIMS_LETTER_HEAD_TITLE", "Quality Manager")
    assert in_language(Settings().letter_head_title, "bg") == "Quality Manager"
    assert Settings(letter_company_address=["A", "B"]).letter_company_address == {
        ANY_LANGUAGE: ["A", "B"]
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CLAIMS_LETTER_COMPANY_NAME", '{"ru": '),
        ("CLAIMS_LETTER_COMPANY_NAME", '{"ru": ["a"]}'),
        ("CLAIMS_LETTER_COMPANY_CITY", '{"lv": 5}'),
        ("CLAIMS_LETTER_LANGUAGE_FALLBACKS", "uk"),
        ("CLAIMS_LETTER_LANGUAGE_FALLBACKS", '{"uk": '),
    ],
)
def test_a_malformed_setting_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name.removeprefix("CLAIMS_").lower()):
        Settings()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("uk=ru, be=uk", {"uk": "ru", "be": "uk"}),
        ('{"UK": "RU"}', {"uk": "ru"}),
        ("", {}),
    ],
)
def test_the_fallback_chain_setting(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: dict[str, str]
) -> None:
    monkeypatch.setenv("CLAIMS_LETTER_LANGUAGE_FALLBACKS", value)
    settings = Settings()
    assert settings.letter_language_fallbacks == expected
    # Followed as a chain; Bulgarian has its own templates and is never replaced.
    fallbacks = settings.letter_language_fallbacks
    assert resolve_language("be", default="en", fallbacks=fallbacks) == (
        "ru" if "be" in expected else "en"
    )
    assert resolve_language("bg", default="en", fallbacks={"bg": "ru", **fallbacks}) == "bg"
