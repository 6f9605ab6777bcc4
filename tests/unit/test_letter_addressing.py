"""Salutations and addressee blocks by each language's convention (app/letters/addressing.py)."""

import pytest

from app.letters.addressing import (
    Addressee,
    address,
    lv_dative,
    lv_genitive,
    lv_position_dative,
    ru_position_dative,
)
from app.letters.typography import NBSP, nbsp, nbsp_html

VERFT = "АО «Северная верфь»"


def test_ru_person_at_an_organisation_in_the_dative_with_position() -> None:
    a = address(
        Addressee(
            organisation=VERFT,
            name="Петров Иван Сергеевич",
            position="Главный инженер-механик",
        ),
        "ru",
    )
    assert a.salutation == "Уважаемый Иван Сергеевич!"
    assert a.lines == ("Главному инженеру-механику", VERFT, "И. С. Петрову")


def test_ru_name_parts_and_gender_from_the_record_win() -> None:
    a = address(
        Addressee(
            organisation="ООО «Ромашка»",
            name="О. П. Иванова",
            given_name="Ольга",
            patronymic="Петровна",
            surname="Иванова",
            position="начальник отдела снабжения",
            gender="female",
        ),
        "ru",
    )
    assert a.salutation == "Уважаемая Ольга Петровна!"
    assert a.lines == ("Начальнику отдела снабжения", "ООО «Ромашка»", "О. П. Ивановой")


def test_ru_without_patronymic_uses_gospodin_and_surname() -> None:
    a = address(Addressee(organisation=VERFT, name="Волков Андрей"), "ru")
    assert a.salutation == "Уважаемый господин Волков!"
    assert a.lines == (VERFT, "А. Волкову")


def test_ru_private_person_and_organisation_without_contact() -> None:
    person = address(Addressee(name="Ольга Петровна Смирнова"), "ru")
    assert person.salutation == "Уважаемая Ольга Петровна!"
    assert person.lines == ("О. П. Смирновой",)
    org = address(Addressee(organisation=VERFT), "ru")
    assert org.salutation == "Уважаемые господа!"
    assert org.lines == (VERFT,)
    assert not org.personal


def test_ru_unknown_gender_is_neutral_never_a_placeholder() -> None:
    a = address(Addressee(name="Саша Ким"), "ru")
    assert a.salutation == "Здравствуйте, Саша Ким!"
    assert "(ая)" not in a.salutation
    assert a.lines == ("С. Ким",)  # not declined: whether "Ким" declines depends on gender


@pytest.mark.parametrize(
    ("position", "dative"),
    [
        ("Главный инженер-механик", "Главному инженеру-механику"),
        ("Генеральный директор", "Генеральному директору"),
        ("Заместитель генерального директора", "Заместителю генерального директора"),
        ("Ведущий специалист по закупкам", "Ведущему специалисту по закупкам"),
    ],
)
def test_ru_positions_decline_only_the_head_and_its_adjectives(position: str, dative: str) -> None:
    assert ru_position_dative(position) == dative


def test_lv_genitive_surname_with_kungs_or_kundze() -> None:
    he = address(
        Addressee(organisation="AS «Kuģis»", name="Jānis Bērziņš", position="galvenais inženieris"),
        "lv",
    )
    assert he.salutation == "Godātais Bērziņa kungs!"
    assert he.lines == ("AS «Kuģis»", "galvenajam inženierim", "J. Bērziņam")
    she = address(Addressee(name="Anna Liepiņa"), "lv")
    assert she.salutation == "Godātā Liepiņas kundze!"
    assert she.lines == ("A. Liepiņai",)
    org = address(Addressee(organisation="SIA «X»"), "lv")
    assert org.salutation == "Godātās dāmas, godātie kungi!"
    assert address(Addressee(name="Kim"), "lv").salutation == "Labdien!"


@pytest.mark.parametrize(
    ("word", "genitive", "dative"),
    [
        ("Ozols", "Ozola", "Ozolam"),
        ("Bērziņš", "Bērziņa", "Bērziņam"),
        ("Lācis", "Lāča", "Lācim"),
        ("Liepiņa", "Liepiņas", "Liepiņai"),
        ("Kalne", "Kalnes", "Kalnei"),
    ],
)
def test_lv_cases(word: str, genitive: str, dative: str) -> None:
    assert lv_genitive(word) == genitive
    assert lv_dative(word) == dative


def test_lv_position_keeps_genitives() -> None:
    assert lv_position_dative("valdes priekšsēdētājs") == "valdes priekšsēdētājam"
    assert lv_position_dative("kvalitātes daļas vadītāja") == "kvalitātes daļas vadītājai"


def test_bg_gospodin_and_gospozho() -> None:
    he = address(
        Addressee(organisation="„Техно“ ООД", name="Георги Димитров", position="Управител"),
        "bg",
    )
    assert he.salutation == "Уважаеми господин Димитров,"
    assert he.lines == ("До", "„Техно“ ООД", "Управител", "г-н Георги Димитров")
    she = address(Addressee(name="Мария Иванова"), "bg")
    assert she.salutation == "Уважаема госпожо Иванова,"
    assert address(Addressee(organisation="„Техно“ ООД"), "bg").salutation == (
        "Уважаеми дами и господа,"
    )
    # A name whose gender is unknown: a neutral form, never a "(а)" placeholder.
    neutral = address(Addressee(name="Саша Ким"), "bg").salutation
    assert "(а)" not in neutral and "господин" not in neutral and "госпожо" not in neutral


def test_en_mr_ms_and_sir_or_madam() -> None:
    he = address(Addressee(organisation="AS «Kuģis»", name="Jānis Bērziņš", gender="male"), "en")
    assert he.salutation == "Dear Mr Bērziņš,"
    assert he.lines == ("Mr Jānis Bērziņš", "AS «Kuģis»")
    assert he.personal
    assert address(Addressee(name="Anna Liepiņa", gender="female"), "en").salutation == (
        "Dear Ms Liepiņa,"
    )
    assert address(Addressee(name="Sam Taylor"), "en").salutation == "Dear Sam Taylor,"
    org = address(Addressee(organisation="Acme Ltd"), "en")
    assert org.salutation == "Dear Sir or Madam," and not org.personal


def test_unknown_language_is_english() -> None:
    assert address(Addressee(organisation="Acme"), "de").salutation == "Dear Sir or Madam,"


def test_nbsp_after_numero_between_initials_inside_numbers_and_dates() -> None:
    assert nbsp("заводской № 123") == f"заводской №{NBSP}123"
    assert nbsp("И. С. Петрову") == f"И.{NBSP}С.{NBSP}Петрову"
    assert nbsp("85 000 руб.") == f"85{NBSP}000{NBSP}руб."
    assert nbsp("27 ноября 2026 г.") == f"27{NBSP}ноября{NBSP}2026{NBSP}г."
    assert nbsp("тел. +7 812 555-12-40") == f"тел. +7{NBSP}812{NBSP}555-12-40"
    # A model code ending in a capital is not an initial.
    assert nbsp("БУ-7М. Далее") == "БУ-7М. Далее"


def test_nbsp_html_leaves_tags_and_styles_alone() -> None:
    html = '<style>p { margin: 0 0 2 mm; }</style><p class="a b">№ 5 от 1 мая</p>'
    assert nbsp_html(html) == (
        f'<style>p {{ margin: 0 0 2 mm; }}</style><p class="a b">№{NBSP}5{NBSP}от 1{NBSP}мая</p>'
    )
