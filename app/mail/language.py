"""A guess at the language a customer wrote in, for the letters' language.

Only the languages our customers write in need telling apart: Russian,
Bulgarian (both Cyrillic), Latvian and, for the rest, English.
"""

from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_RUSSIAN_ONLY = re.compile(r"[ыэёЫЭЁ]")  # letters Bulgarian does not have
_LATVIAN = re.compile(r"[āčēģīķļņšūžĀČĒĢĪĶĻŅŠŪŽ]")
_LATIN = re.compile(r"[A-Za-z]")


def guess_language(text: str, default: str = "ru") -> str:
    """ISO 639-1 code: ru, bg, lv or en; `default` when there is nothing to go on."""
    cyrillic = len(_CYRILLIC.findall(text))
    latin = len(_LATIN.findall(text)) + len(_LATVIAN.findall(text))
    if cyrillic == 0 and latin == 0:
        return default
    if cyrillic >= latin:
        if _RUSSIAN_ONLY.search(text):
            return "ru"
        return "bg" if re.search(r"ъ|\bще\b|\bсъм\b", text) else "ru"
    return "lv" if _LATVIAN.search(text) else "en"
