"""Language detection (placeholder; replaced by the language branch)."""


def detect_language(text: str) -> str | None:
    return None
