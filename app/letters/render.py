"""Letter templates to HTML: Jinja2 with autoescape and StrictUndefined.

Templates live in `app/templates/letters/<lang>/<kind>.html.j2` and extend the
language's `_layout.html.j2`, which extends the shared `base.html.j2`. All text a
customer reads is in the templates; the letterhead and signatories come from the
context, which the service builds from settings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields as dataclass_fields
from dataclasses import is_dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from app import l10n
from app.enums import LetterKind
from app.letters.addressing import Addressee, address
from app.letters.context import Customer, LetterContext
from app.letters.dates import format_date
from app.letters.kinds import normalize_fields
from app.letters.typography import nbsp, nbsp_html

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
SUPPORTED_LANGUAGES: tuple[str, ...] = ("ru", "en", "lv", "bg")


class UnknownLanguage(ValueError):
    """No templates for the language and no usable fallback."""


def resolve_language(
    requested: str | None,
    *,
    default: str = "en",
    fallbacks: Mapping[str, str] | None = None,
    available: tuple[str, ...] = SUPPORTED_LANGUAGES,
) -> str:
    """The template language for a customer's language tag ("ru", "lv-LV", "bg", None).

    An available primary subtag wins; then the chain of explicit fallbacks, followed as far as
    it goes ("uk" -> "ru", "be" -> "uk" gives "be" -> "uk" -> "ru"); then `default`.
    """
    fallbacks = {k.lower(): v.lower() for k, v in (fallbacks or {}).items()}
    tag = (requested or "").strip().lower().replace("_", "-")
    primary = tag.split("-", 1)[0]
    chain: list[str] = [primary]
    for current in (tag, primary):
        # A chain a setting closed into a loop ends where it comes back.
        while current in fallbacks and fallbacks[current] not in chain:
            current = fallbacks[current]
            chain.append(current)
    for candidate in (*chain, default.lower()):
        if candidate and candidate in available:
            return candidate
    raise UnknownLanguage(f"no letter templates for {requested!r} and default {default!r}")


def _missing(ctx: Context) -> Markup:
    return Markup('<span class="missing">{}</span>').format(ctx["L"]["missing"])


@pass_context
def _need(ctx: Context, value: str | None) -> Markup:
    """An inline value, or the visible "to be completed" marker when it is empty."""
    return escape(value) if value else _missing(ctx)


@pass_context
def _paras(ctx: Context, text: str | None) -> Markup:
    return paragraphs(text) if text else Markup("<p>{}</p>").format(_missing(ctx))


def paragraphs(text: str | None) -> Markup:
    """Free text to escaped <p> paragraphs: blank lines split paragraphs, newlines break lines."""
    if not text:
        return Markup("")
    blocks = [b.strip() for b in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if b.strip()]
    return Markup("\n").join(
        Markup("<p>{}</p>").format(Markup("<br>\n").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


def items(text: str | None) -> list[str]:
    """Free text to list items: one per line, leading bullets and numbering removed."""
    if not text:
        return []
    result = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•–]|\d+[.)])\s*", "", line).strip()
        if line:
            result.append(line)
    return result


def lines(text: str | None) -> list[str]:
    """Free text to its non-blank lines, stripped (addresses)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# The templates write the preposition before a due date ("в срок до", "by", "līdz"): a value
# typed with its own would read "до до 11.12.2026".
_DUE_PREPOSITION = re.compile(
    r"^\s*(?:в\s+срок\s+до|не\s+позднее|до|no\s+later\s+than|by|until|"
    r"ne\s+vēlāk\s+kā|līdz|не\s+по-късно\s+от)\s+",
    re.IGNORECASE,
)


def due(value: str | None) -> str:
    """A due date as the text after the template's own preposition."""
    return _DUE_PREPOSITION.sub("", value or "", count=1)


@pass_context
def _fdate(ctx: Context, value: date | datetime | None) -> str:
    return format_date(value, ctx["lang"])


@pass_context
def _fnumber(ctx: Context, value: int | float | None) -> str:
    return "" if value is None else l10n.format_decimal(value, ctx["lang"])


# Quotation marks per language: outer, then inner for a name that quotes something itself.
_QUOTES = {
    "ru": ("«", "»", "„", "“"),
    "bg": ("„", "“", "‚", "‘"),
    "lv": ("„", "“", "‚", "‘"),
    "en": ("“", "”", "‘", "’"),
}


def quote(text: str | None, lang: str) -> str:
    """A name in the language's quotation marks: «Блок управления „БУ-7М“»."""
    if not text:
        return ""
    outer_open, outer_close, inner_open, inner_close = _QUOTES.get(lang, _QUOTES["en"])
    inner = re.sub(r"[«„“\"]([^«»„“”\"]*)[»“”\"]", rf"{inner_open}\1{inner_close}", text)
    return f"{outer_open}{inner}{outer_close}"


@pass_context
def _quoted(ctx: Context, text: str | None) -> str:
    return quote(text, ctx["lang"])


def _nbsp(value: str | None) -> Markup:
    """Non-breaking spaces in a value: escaped first, so user text stays text."""
    return Markup(nbsp(str(escape(value or ""))))


def default_addressee(customer: Customer) -> Addressee:
    """Whom to address when the context names no addressee: from the customer as shown."""
    if customer.is_organisation:
        return Addressee(organisation=customer.name, name=customer.contact_person)
    return Addressee(name=customer.contact_person or customer.name)


def _with_addressing(variables: dict[str, Any], lang: str) -> dict[str, Any]:
    """`addressing` for the templates, from the context's addressee or else its customer; a
    context without either is left to StrictUndefined."""
    who: Addressee | None = variables.get("addressee")
    customer = variables.get("customer")
    if who is None and isinstance(customer, Customer):
        who = default_addressee(customer)
    if who is not None:
        variables["addressing"] = address(who, lang)
    return variables


@lru_cache(maxsize=8)
def get_environment(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir)),
        # HTML letters are escaped; the plain-text email cover notes (*.txt.j2) are not.
        autoescape=lambda name: not (name or "").endswith(".txt.j2"),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # A changed template must be picked up by the next render without a restart;
        # issued letters are unaffected because their output is frozen.
        auto_reload=True,
    )
    env.filters["fdate"] = _fdate
    env.filters["paras"] = _paras
    env.filters["need"] = _need
    env.filters["items"] = items
    env.filters["lines"] = lines
    env.filters["due"] = due
    env.filters["fnumber"] = _fnumber
    env.filters["quoted"] = _quoted
    env.filters["nbsp"] = _nbsp
    return env


def template_name(kind: LetterKind | str, lang: str) -> str:
    return f"letters/{lang}/{LetterKind(kind).value}.html.j2"


def _as_vars(context: LetterContext | Mapping[str, Any]) -> dict[str, Any]:
    if is_dataclass(context) and not isinstance(context, type):
        # Shallow: the nested dataclasses stay objects so templates use attribute access.
        return {f.name: getattr(context, f.name) for f in dataclass_fields(context)}
    return dict(context)


def render_html(
    kind: LetterKind | str,
    lang: str | None,
    context: LetterContext | Mapping[str, Any],
    *,
    default_language: str = "en",
    fallbacks: Mapping[str, str] | None = None,
    templates_dir: Path | None = None,
) -> str:
    """Render a letter of `kind` in `lang` (with fallback) to a complete HTML document.

    Raises ValueError for unknown kinds or fields and jinja2.UndefinedError when the
    context lacks something a template uses.
    """
    kind = LetterKind(kind)
    lang = resolve_language(lang, default=default_language, fallbacks=fallbacks)
    variables = _as_vars(context)
    variables["fields"] = normalize_fields(kind, variables.get("fields"))
    variables["lang"] = lang
    variables["kind"] = kind.value
    _with_addressing(variables, lang)
    env = get_environment(templates_dir or TEMPLATES_DIR)
    return nbsp_html(env.get_template(template_name(kind, lang)).render(variables))


def render_cover_note(
    lang: str,
    context: LetterContext,
    *,
    subject: str,
    templates_dir: Path | None = None,
) -> str:
    """The plain-text email body that carries an issued letter as its PDF attachment.

    `lang` must be a resolved template language (the letter's stored language).
    """
    variables = _as_vars(context)
    variables["fields"] = normalize_fields(context.letter.kind, variables.get("fields"))
    variables["lang"] = lang
    variables["subject"] = subject
    _with_addressing(variables, lang)
    env = get_environment(templates_dir or TEMPLATES_DIR)
    return env.get_template(f"letters/{lang}/email_cover.txt.j2").render(variables)


def render_reminder_email(
    lang: str, context: LetterContext, *, templates_dir: Path | None = None
) -> tuple[str, str]:
    """The automatic reminder's subject and plain-text body (`<lang>/reminder.txt.j2`, which
    sets `subject`). `lang` must be a resolved template language.

    The salutation is the letters' own (addressing.py, or the letter's `salutation` field), so
    an email and a letter greet the reader alike.
    """
    variables = _as_vars(context)
    variables["fields"] = normalize_fields(LetterKind.reminder, variables.get("fields"))
    variables["lang"] = lang
    variables["kind"] = LetterKind.reminder.value
    _with_addressing(variables, lang)
    env = get_environment(templates_dir or TEMPLATES_DIR)
    greeting = variables["addressing"].salutation
    variables["salutation"] = variables["fields"].get("salutation") or greeting
    module = env.get_template(f"letters/{lang}/reminder.txt.j2").make_module(variables)
    return " ".join(str(vars(module)["subject"]).split()), str(module).strip() + "\n"
