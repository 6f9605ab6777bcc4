"""Renders the public pages from app/templates/web with the page language's strings."""

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.web import i18n

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "web"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["LANGUAGES"] = i18n.LANGUAGES
    env.globals["LANGUAGE_NAMES"] = i18n.LANGUAGE_NAMES
    return env


def render_page(template: str, *, lang: str, path: str, **context: Any) -> str:
    """`path` is the page's own path, for the language links and the form's action."""
    return (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            path=path,
            t=i18n.translator(lang),
            state_label=lambda state: i18n.state_label(lang, state),
            letter_kind_label=lambda kind: i18n.letter_kind_label(lang, kind),
            **context,
        )
    )
