"""Decoding bytes whose declared charset may be missing, unknown or wrong.

Mail from Russian, Latvian and Bulgarian customers still arrives in
windows-1251, KOI8-R and the ISO-8859 family, and old clients mislabel it
(8-bit bytes declared as us-ascii, windows-1251 declared as utf-8). We never
raise here: the worst case is a text with replacement characters.
"""

from __future__ import annotations

import codecs
import re

# Spellings seen in the wild that Python's codec registry does not know.
_ALIASES = {
    "win-1251": "cp1251",
    "win1251": "cp1251",
    "x-cp1251": "cp1251",
    "windows1251": "cp1251",
    "cp-1251": "cp1251",
    "x-user-defined": "cp1251",
    "koi8r": "koi8_r",
    "x-koi8-r": "koi8_r",
    "koi8-ru": "koi8_u",
    "unicode-1-1-utf-8": "utf-8",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "x-mac-cyrillic": "mac_cyrillic",
    "iso-8859-8-i": "iso8859_8",
}

# Charsets under which any byte sequence decodes, so a wrong label never fails
# loudly; a text of 8-bit bytes declared as one of these gets a second look.
_PERMISSIVE = {"ascii", "latin_1", "iso8859_1", "cp1252"}

_CYRILLIC_LOWER = re.compile(r"[а-яё]")
_CYRILLIC_UPPER = re.compile(r"[А-ЯЁ]")
_LATIN = re.compile(r"[A-Za-z]")
_CYRILLIC_ANY = re.compile(r"[А-яЁё]")
_WORD = re.compile(r"[^\W\d_]+")


def lookup(charset: str | None) -> str | None:
    """The Python codec name for a declared charset, or None if unusable."""
    if not charset:
        return None
    name = charset.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _cyrillic_score(text: str) -> int:
    # Running text is mostly lower case; KOI8-R read as cp1251 (and the other
    # way round) swaps the cases, so the right reading has more lower case.
    return len(_CYRILLIC_LOWER.findall(text)) - len(_CYRILLIC_UPPER.findall(text))


def _looks_cyrillic(text: str) -> bool:
    # A Western text with a few accents read as cp1251 gets Cyrillic letters
    # inside Latin words ("Mьller"); real Russian has whole Cyrillic words.
    words = _WORD.findall(text)
    pure = sum(1 for w in words if len(w) > 1 and not _LATIN.search(w))
    mixed = sum(1 for w in words if _LATIN.search(w) and _CYRILLIC_ANY.search(w))
    return pure > mixed and _cyrillic_score(text) > 0


def guess(data: bytes) -> str:
    """Decode bytes with no usable label: UTF-8, else the better Cyrillic reading."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    cp = data.decode("cp1251", errors="replace")
    koi = data.decode("koi8_r", errors="replace")
    best = cp if _cyrillic_score(cp) >= _cyrillic_score(koi) else koi
    if not _looks_cyrillic(best):
        # Not Cyrillic at all: Latin-1 keeps every byte visible.
        return data.decode("latin-1")
    return best


def decode(data: bytes, charset: str | None) -> str:
    """Decode `data` honouring `charset` where it is right, guessing where not."""
    codec = lookup(charset)
    if codec is None:
        return guess(data)
    if codec in _PERMISSIVE and any(b > 0x7F for b in data):
        # 8-bit bytes under a 7-bit or Western label: UTF-8 or Cyrillic more
        # often than not. Keep the label only if neither reading fits better.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            guessed = guess(data)
            if _looks_cyrillic(guessed):
                return guessed
            return data.decode("latin-1" if codec == "ascii" else codec, errors="replace")
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        if codec == "utf-8":
            return guess(data)
        return data.decode(codec, errors="replace")
