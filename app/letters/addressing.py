"""Whom a letter addresses, and how, by each language's convention. Pure.

From the customer (an organisation or a private person) and the contact's name parts, position
and gender, `address()` gives the salutation and the addressee block:

- ru: "Уважаемый Иван Сергеевич!"; the block in the dative, position and organisation, then
  initials and surname ("Главному инженеру-механику" / "АО «Северная верфь»" / "И. С. Петрову"),
  as ГОСТ Р 7.0.97-2016 writes it. Names are declined with petrovich's rules (pytrovich),
  positions with pymorphy3.
- lv: "Godātais Bērziņa kungs!" (the surname in the genitive); the block names the person in
  the dative ("galvenajam inženierim" / "J. Bērziņam").
- bg: "Уважаеми господин Димитров,", "Уважаема госпожо Иванова,".
- en: "Dear Mr Bērziņš,", "Dear Ms Liepiņa,".

Where the gender or the name parts are unknown, the language's neutral form is used ("Уважаемые
господа!" to an organisation, "Здравствуйте, Саша Ким!" to a person), never "Уважаемый(ая)".
Automatic rules fail on rare names: the letter's `salutation` field still overrides.
The postal address is not part of `lines`: the layout adds it (a letter may replace it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pymorphy3 import MorphAnalyzer
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Case, NamePart
from pytrovich.enums import Gender as PGender
from pytrovich.maker import PetrovichDeclinationMaker

MALE, FEMALE = "male", "female"


@dataclass(frozen=True, slots=True)
class Addressee:
    """What the records say about the reader: plain values, no ORM rows."""

    # The organisation's name; None when the customer is a private person.
    organisation: str | None = None
    # The contact's name as it reached us, and the parts once someone has entered them.
    name: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    surname: str | None = None
    position: str | None = None
    gender: str | None = None


@dataclass(frozen=True, slots=True)
class Addressing:
    salutation: str
    # The addressee block without the postal address, one line each.
    lines: tuple[str, ...]
    # Addressed to a named person rather than "Dear Sir or Madam" (English closes accordingly).
    personal: bool = False


@dataclass(frozen=True, slots=True)
class _Name:
    given: str | None
    patronymic: str | None
    surname: str | None
    full: str | None
    gender: str | None


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATVIAN_LETTERS = re.compile(r"[āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ]")
# Сергеевич, Ильич, Петровна, Ильинична, Кузьминична; Мамед оглы.
_PATRONYMIC = re.compile(r"(ич|вна|чна|оглы|кызы)$", re.IGNORECASE)


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


@lru_cache(maxsize=1)
def _morph() -> Any:
    return MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1)
def _petrovich() -> PetrovichDeclinationMaker:
    return PetrovichDeclinationMaker()


@lru_cache(maxsize=1)
def _gender_detector() -> PetrovichGenderDetector:
    return PetrovichGenderDetector()


def _split_name(full: str, lang: str) -> tuple[str | None, str | None, str | None]:
    """(given, patronymic, surname) from a name nobody has split into parts."""
    tokens = full.split()
    if len(tokens) == 1:
        return None, None, tokens[0]
    cyrillic = bool(_CYRILLIC.search(full))
    if cyrillic and lang != "bg" and len(tokens) == 3:
        # The middle one first: "Иван Петрович Бабич" has a surname in -ич too.
        if _PATRONYMIC.search(tokens[1]):  # Иван Сергеевич Петров
            return tokens[0], tokens[1], tokens[2]
        if _PATRONYMIC.search(tokens[2]):  # Петров Иван Сергеевич
            return tokens[1], tokens[2], tokens[0]
    if cyrillic and lang != "bg" and len(tokens) == 2:
        first = {str(p.tag) for p in _morph().parse(tokens[0]) if p.score > 0.05}
        # Russian lists put the surname first ("Волков Андрей"); pymorphy3 knows which is which.
        if any("Surn" in tag for tag in first) and not any("Name" in tag for tag in first):
            return tokens[1], None, tokens[0]
    if len(tokens) == 3 and cyrillic:  # Bulgarian: given, father's name, surname
        return tokens[0], None, tokens[2]
    return tokens[0], None, tokens[-1]


def _looks_like_a_person(full: str) -> bool:
    """A Cyrillic "name" none of whose words is a first name, patronymic or surname is a
    department or a mailbox ("Отдел снабжения"): addressed as the organisation."""
    if not _CYRILLIC.search(full):
        return True
    grammemes = {"Name", "Surn", "Patr"}
    return any(
        grammemes & set(p.tag.grammemes) for word in full.split() for p in _morph().parse(word)
    )


def _latvian_gender(word: str | None) -> str | None:
    if not word:
        return None
    if word.endswith(("s", "š")):
        return MALE
    if word.endswith(("a", "e")):
        return FEMALE
    return None


def _detect_gender(
    a: Addressee, given: str | None, patr: str | None, sur: str | None, lang: str
) -> str | None:
    if a.gender in (MALE, FEMALE):
        return a.gender
    text = " ".join(p for p in (given, patr, sur) if p)
    if not text:
        return None
    if _CYRILLIC.search(text):
        found = _gender_detector().detect(firstname=given, lastname=sur, middlename=patr)
        return {PGender.MALE: MALE, PGender.FEMALE: FEMALE}.get(found)
    if lang == "lv" or _LATVIAN_LETTERS.search(text):
        return _latvian_gender(given) or _latvian_gender(sur)
    return None


def _name(a: Addressee, lang: str) -> _Name | None:
    given, patr, sur = _clean(a.given_name), _clean(a.patronymic), _clean(a.surname)
    full = _clean(a.name)
    if not (given or patr or sur):
        if not full or not _looks_like_a_person(full):
            return None
        given, patr, sur = _split_name(full, lang)
    if not full:
        full = " ".join(p for p in (given, patr, sur) if p)
    return _Name(given, patr, sur, full, _detect_gender(a, given, patr, sur, lang))


def _initials(*parts: str | None) -> str:
    return " ".join(f"{p[0].upper()}." for p in parts if p)


# Russian


def _ru_name_dative(name: _Name) -> str:
    gender = {MALE: PGender.MALE, FEMALE: PGender.FEMALE}.get(name.gender or "")
    if not name.surname:
        return name.full or ""
    if gender is None:
        # Whether "Ким" declines depends on who carries it: unknown, it stays as written.
        return " ".join(p for p in (_initials(name.given, name.patronymic), name.surname) if p)
    surname = "-".join(
        _petrovich().make(NamePart.LASTNAME, gender, Case.DATIVE, part)
        for part in name.surname.split("-")
    )
    return " ".join(p for p in (_initials(name.given, name.patronymic), surname) if p)


def ru_position_dative(position: str) -> str:
    """ "Главный инженер-механик" -> "Главному инженеру-механику"; what follows the head noun
    ("начальник отдела качества") stays as it is."""
    words = position.split()
    result: list[str] = []
    for index, word in enumerate(words):
        parses = [p for p in _morph().parse(word) if "nomn" in p.tag]
        nouns = [p for p in parses if p.tag.POS == "NOUN"]
        adjectives = [p for p in parses if p.tag.POS in ("ADJF", "PRTF")]
        # An adjective agrees with the noun after it; the first noun is the head.
        last = index == len(words) - 1
        chosen = adjectives[0] if adjectives and (not nouns or not last) else None
        head = chosen is None
        if head:
            chosen = nouns[0] if nouns else None
        inflected = chosen.inflect({"datv"}) if chosen is not None else None
        if inflected is None:
            return " ".join([*result, *words[index:]])
        form = inflected.word
        result.append(form[0].upper() + form[1:] if word[0].isupper() else form)
        if head:
            return " ".join([*result, *words[index + 1 :]])
    return " ".join(result)


def _ru(a: Addressee, name: _Name | None) -> Addressing:
    if name is None:
        return Addressing("Уважаемые господа!", tuple(filter(None, (a.organisation,))))
    if name.gender and name.given and name.patronymic:
        adjective = "Уважаемый" if name.gender == MALE else "Уважаемая"
        salutation = f"{adjective} {name.given} {name.patronymic}!"
    elif name.gender and name.surname:
        salutation = (
            f"Уважаемый господин {name.surname}!"
            if name.gender == MALE
            else f"Уважаемая госпожа {name.surname}!"
        )
    else:
        salutation = f"Здравствуйте, {name.full}!"
    position = _clean(a.position)
    lines = (
        _cap(ru_position_dative(position)) if position and a.organisation else None,
        a.organisation,
        _ru_name_dative(name),
    )
    return Addressing(salutation, tuple(line for line in lines if line), personal=True)


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


# Latvian

# -is nouns soften the stem's last consonant in the genitive (Lācis -> Lāča, Kalnis -> Kalņa).
_LV_SOFTEN = (
    ("ln", "ļņ"), ("sn", "šņ"), ("zn", "žņ"), ("sl", "šļ"), ("zl", "žļ"),
    ("l", "ļ"), ("n", "ņ"), ("c", "č"), ("d", "ž"), ("t", "š"), ("s", "š"), ("z", "ž"),
)  # fmt: skip


def lv_genitive(word: str) -> str:
    """A Latvian surname in the genitive: Bērziņš -> Bērziņa, Liepiņa -> Liepiņas."""
    if word.endswith("is") and len(word) > 3:
        stem = word[:-2]
        for hard, soft in _LV_SOFTEN:
            if stem.endswith(hard):
                return stem[: -len(hard)] + soft + "a"
        return stem + "a"
    if word.endswith("us"):
        return word
    if word.endswith(("s", "š")):
        return word[:-1] + "a"
    if word.endswith(("a", "e")):
        return word + "s"
    return word


def lv_dative(word: str) -> str:
    """A Latvian noun or name in the dative: Bērziņš -> Bērziņam, inženieris -> inženierim,
    galvenais -> galvenajam, vadītāja -> vadītājai."""
    if word.endswith("ais"):
        return word[:-3] + "ajam"
    if word.endswith("is"):
        return word[:-2] + "im"
    if word.endswith("us"):
        return word[:-2] + "um"
    if word.endswith(("s", "š")):
        return word[:-1] + "am"
    if word.endswith("ā"):
        return word[:-1] + "ajai"
    if word.endswith("a"):
        return word[:-1] + "ai"
    if word.endswith("e"):
        return word[:-1] + "ei"
    return word


def lv_position_dative(position: str) -> str:
    """The head noun is last in Latvian ("valdes priekšsēdētājs"); it and the definite
    adjectives before it ("galvenais inženieris") take the dative, genitives stay."""
    words = position.split()
    head = len(words) - 1
    start = head
    while start > 0 and words[start - 1].endswith(("ais", "ā")):
        start -= 1
    return " ".join(w if i < start else lv_dative(w) for i, w in enumerate(words))


def _lv(a: Addressee, name: _Name | None) -> Addressing:
    if name is None:
        return Addressing("Godātās dāmas, godātie kungi!", tuple(filter(None, (a.organisation,))))
    if name.gender == MALE and name.surname:
        salutation = f"Godātais {lv_genitive(name.surname)} kungs!"
    elif name.gender == FEMALE and name.surname:
        salutation = f"Godātā {lv_genitive(name.surname)} kundze!"
    else:
        salutation = "Labdien!"
    position = _clean(a.position)
    person = (
        " ".join(p for p in (_initials(name.given), lv_dative(name.surname)) if p)
        if name.surname and name.gender
        else name.full
    )
    lines = (a.organisation, lv_position_dative(position) if position else None, person)
    return Addressing(salutation, tuple(line for line in lines if line), personal=True)


# Bulgarian


def _bg(a: Addressee, name: _Name | None) -> Addressing:
    if name is None:
        return Addressing("Уважаеми дами и господа,", tuple(filter(None, ("До", a.organisation))))
    if name.gender == MALE and name.surname:
        salutation, honorific = f"Уважаеми господин {name.surname},", "г-н"
    elif name.gender == FEMALE and name.surname:
        salutation, honorific = f"Уважаема госпожо {name.surname},", "г-жа"
    else:
        salutation, honorific = "Добър ден,", ""
    person = (
        " ".join(p for p in (honorific, name.given, name.surname) if p) if honorific else name.full
    )
    lines = ("До", a.organisation, _clean(a.position), person)
    return Addressing(salutation, tuple(line for line in lines if line), personal=True)


# English


def _en(a: Addressee, name: _Name | None) -> Addressing:
    if name is None:
        return Addressing("Dear Sir or Madam,", tuple(filter(None, (a.organisation,))))
    title = {MALE: "Mr", FEMALE: "Ms"}.get(name.gender or "")
    if title and name.surname:
        salutation = f"Dear {title} {name.surname},"
        person = " ".join(p for p in (title, name.given, name.surname) if p)
    else:
        salutation = f"Dear {name.full},"
        person = name.full or ""
    lines = (person, _clean(a.position), a.organisation)
    return Addressing(salutation, tuple(line for line in lines if line), personal=True)


_BY_LANGUAGE = {"ru": _ru, "lv": _lv, "bg": _bg, "en": _en}


def address(a: Addressee, lang: str) -> Addressing:
    """The salutation and addressee block of a letter in `lang` (ru, lv, bg; else English)."""
    lang = lang if lang in _BY_LANGUAGE else "en"
    return _BY_LANGUAGE[lang](a, _name(a, lang))
