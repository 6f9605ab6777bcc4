"""Language negotiation and the string tables of the public pages."""

import pytest

from app.enums import ClaimState
from app.web import i18n


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        (None, None, "en"),
        ("ru", None, "ru"),
        ("LV", "ru", "lv"),  # ?lang= wins over the header, case-insensitively
        ("de", "lv-LV,lv;q=0.9", "lv"),  # an unknown ?lang= is ignored
        ("", "ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        (None, "de-DE,de;q=0.9,lv;q=0.8,ru;q=0.7", "lv"),  # first supported by quality
        (None, "en;q=0.5, ru;q=0.8", "ru"),  # quality, not position, decides
        (None, "ru;q=0, lv", "lv"),  # q=0 means "not this one"
        (None, "fr, de", "en"),  # nothing supported: the default
        (None, "*", "en"),
        (None, "de, *;q=0.5, ru;q=0.4", "en"),  # the wildcard outranks ru here
        (None, "ru;q=abc, lv;q=0.3", "lv"),  # malformed quality: that entry is skipped
        (None, " , ;q=1, lv", "lv"),  # empty entries are skipped
        (None, "ru;q=2", "en"),  # out-of-range quality is skipped
    ],
)
def test_negotiate_language(query: str | None, header: str | None, expected: str) -> None:
    assert i18n.negotiate_language(query, header) == expected


def test_parse_accept_language_keeps_client_order_for_equal_quality() -> None:
    assert i18n.parse_accept_language("lv, ru, en;q=0.9") == [
        ("lv", 1.0),
        ("ru", 1.0),
        ("en", 0.9),
    ]


def test_every_language_has_every_message() -> None:
    keys = set(i18n.MESSAGES["en"])
    for lang in i18n.LANGUAGES:
        assert set(i18n.MESSAGES[lang]) == keys, lang


def test_placeholders_are_the_same_in_every_language() -> None:
    import string

    def fields(message: str | i18n.Plural) -> set[str]:
        texts = message.forms.values() if isinstance(message, i18n.Plural) else [message]
        return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}

    for key, text in i18n.MESSAGES["en"].items():
        for lang in i18n.LANGUAGES:
            assert fields(i18n.MESSAGES[lang][key]) == fields(text), (lang, key)


def test_every_claim_state_has_a_customer_label_in_every_language() -> None:
    for lang in i18n.LANGUAGES:
        assert set(i18n.STATE_LABELS[lang]) == {state.value for state in ClaimState}, lang


def test_customer_facing_letter_kinds_are_labelled_in_every_language() -> None:
    keys = set(i18n.LETTER_KIND_LABELS["en"])
    assert "design_memo" not in keys  # internal: never shown to a customer
    for lang in i18n.LANGUAGES:
        assert set(i18n.LETTER_KIND_LABELS[lang]) == keys, lang


def test_translator_formats_and_falls_back() -> None:
    t = i18n.translator("lv")
    assert t("error_too_long", max_length=200) == "Pārāk garš: ne vairāk kā 200 rakstzīmes."
    assert i18n.translator("xx")("submit") == "Submit the claim"  # unknown language: English
    assert t("no_such_key") == "no_such_key"


@pytest.mark.parametrize(
    ("lang", "minutes", "expected"),
    [
        ("en", 1, "try again in 1 minute."),
        ("en", 2, "try again in 2 minutes."),
        ("ru", 1, "через 1 минуту."),
        ("ru", 3, "через 3 минуты."),
        ("ru", 5, "через 5 минут."),
        ("ru", 21, "через 21 минуту."),
        ("lv", 1, "pēc 1 minūtes."),
        ("lv", 10, "pēc 10 minūtēm."),
        ("lv", 21, "pēc 21 minūtes."),
    ],
)
def test_counted_words_agree_with_the_number(lang: str, minutes: int, expected: str) -> None:
    assert i18n.translator(lang)("error_rate_limited", minutes=minutes).endswith(expected)


def test_every_plural_message_has_an_other_form_and_known_categories() -> None:
    for lang in i18n.LANGUAGES:
        for key, message in i18n.MESSAGES[lang].items():
            if isinstance(message, i18n.Plural):
                assert "other" in message.forms, (lang, key)
                assert set(message.forms) <= {"zero", "one", "two", "few", "many", "other"}


def test_numbers_follow_the_language() -> None:
    assert i18n.translator("ru")("photos_hint", max_files=5, max_mb=0.5).startswith(
        "До 5 файлов, не более 0,5 МБ"
    )
    assert i18n.translator("ru")("photos_hint", max_files=1, max_mb=10).startswith(
        "До 1 файла, не более 10 МБ"
    )
    assert i18n.translator("ru")("error_too_long", max_length=5000) == (
        "Слишком длинно: не более 5\u00a0000 символов."
    )
    # A value that is not a number (an unknown limit) takes the "other" form.
    assert i18n.translator("en")("error_too_long", max_length="?").endswith("? characters.")


def test_state_and_letter_labels_fall_back_to_the_raw_value() -> None:
    assert i18n.state_label("ru", "closed") == "Закрыта"
    assert i18n.state_label("ru", "some_future_state") == "some_future_state"
    assert i18n.letter_kind_label("lv", "closure") == "Reklamācija slēgta"
    assert i18n.letter_kind_label("en", "unknown_kind") == "unknown_kind"
