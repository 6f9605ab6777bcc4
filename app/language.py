"""The language a customer wrote in: ru, bg, lv or en, or None when the text does not tell.

A statistical detector (lingua) limited to the four languages our customers write in: a
Cyrillic alphabet alone does not tell Russian from Bulgarian, nor do Latin letters without
diacritics tell Latvian from English.
"""

from functools import cache
from itertools import islice

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

# ISO 639-1 codes, as claims and letters store them.
LANGUAGES: dict[Language, str] = {
    Language.RUSSIAN: "ru",
    Language.BULGARIAN: "bg",
    Language.LATVIAN: "lv",
    Language.ENGLISH: "en",
}

# The detector's time grows with the text (1 to 2 ms for 2,000 characters); the first
# paragraphs of an email tell its language as well as the quoted history below them.
MAX_CHARS = 2000
# A letter or two is a guess, not a language: a lone "ё" would be scored 100 % Russian.
MIN_LETTERS = 3
# Under this the best language is hardly ahead of the next: "Рекламация" is Russian and
# Bulgarian alike, "ok" or "Test" could be English or Latvian. Short real sentences score
# well above it (the Bulgarian one, 0.88, is the lowest in tests/unit/test_language.py).
MIN_CONFIDENCE = 0.8


@cache
def _detector() -> LanguageDetector:
    # Building is cheap; lingua loads models on first use and keeps them for the process. The
    # first short text (under 120 characters) in a script loads all its n-gram models: about
    # 1 s and 70 MB per script. Low-accuracy mode would avoid that (10 MB) but reads only
    # trigrams, and short texts are where Russian and Bulgarian need telling apart.
    return LanguageDetectorBuilder.from_languages(*LANGUAGES).build()


def warm_up() -> None:
    """Load the models now (the server calls this in a thread at start), so that the first
    registration does not stall the event loop for the second or two the loading takes."""
    for sample in ("Насос не работает, помогите.", "Sūknis nedarbojas, lūdzu palīdziet."):
        detect_language(sample)


def detect_language(text: str) -> str | None:
    """ru, bg, lv or en; None for too little text, no letters, or no clear winner."""
    sample = text[:MAX_CHARS]
    # Stops at the MIN_LETTERS-th letter rather than counting all of a 2,000-character email
    # body (0.1 ms of the event loop per message, measured with timeit).
    letters = (char for char in sample if char.isalpha())
    if next(islice(letters, MIN_LETTERS - 1, None), None) is None:
        return None
    best = _detector().compute_language_confidence_values(sample)[0]
    if best.value < MIN_CONFIDENCE:
        return None
    return LANGUAGES[best.language]
