"""D2, the problem as the linked claims describe it. Pure: the service passes the claims' rows.

Only what the claims hold: a model, batch or country no claim names is left out, not guessed.
The symptoms are the customers' own words, newest first, each cut at a word boundary."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from app import l10n
from app.claims.batches import batch_of_serial

SYMPTOMS_CAP = 10
SYMPTOM_CHARS = 300


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    number: str
    received_at: datetime
    defect_description: str
    product_model: str | None = None
    product_model_name: str | None = None
    serial: str | None = None
    customer: str | None = None
    country: str | None = None


def truncate(text: str, limit: int = SYMPTOM_CHARS) -> str:
    """One line, at most `limit` characters, cut after a whole word with an ellipsis."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def _counts(values: Iterable[str | None], key: str) -> list[dict[str, Any]]:
    counted = Counter(v for v in values if v)
    return [
        {key: value, "claims": n}
        for value, n in sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    ]


def build(claims: list[ClaimFacts], *, zone: str, batch_suffix: int) -> dict[str, Any]:
    """The D2 facts of `claims` (any order); received dates are the company's local dates."""
    if not claims:
        return {"claims": 0}
    tz = ZoneInfo(zone)

    def local(moment: datetime) -> date:
        return moment.astimezone(tz).date()

    models: dict[str, str | None] = {}
    for c in claims:
        if c.product_model:
            models.setdefault(c.product_model, c.product_model_name)
    model_counts = _counts((c.product_model for c in claims), "code")
    for row in model_counts:
        row["name"] = models[row["code"]]
    serials = sorted(c.serial for c in claims if c.serial)
    newest = sorted(claims, key=lambda c: (c.received_at, c.number), reverse=True)
    return {
        "claims": len(claims),
        "product_models": model_counts,
        "batches": _counts(
            (batch_of_serial(s, batch_suffix) for s in serials),
            "batch",
        ),
        "serial_min": serials[0] if serials else None,
        "serial_max": serials[-1] if serials else None,
        "first_received_on": local(min(c.received_at for c in claims)).isoformat(),
        "last_received_on": local(max(c.received_at for c in claims)).isoformat(),
        "countries": _counts((c.country for c in claims), "country"),
        "customers": _counts((c.customer for c in claims), "name"),
        "symptoms": [
            {
                "claim_number": c.number,
                "received_on": local(c.received_at).isoformat(),
                "text": truncate(c.defect_description),
            }
            for c in newest[:SYMPTOMS_CAP]
            if c.defect_description.strip()
        ],
    }


def main_model(problem: dict[str, Any]) -> str | None:
    """The model most of the claims are of (the first by code on a tie)."""
    models = problem.get("product_models") or []
    return models[0]["code"] if models else None


# The default title's words, in the company's letter language. "Claim" is the customer's
# рекламация / reklamācija / рекламация, as the record's 8D report and memo to production call
# it (a supplier claim is the претензия); the plural forms are CLDR's categories (l10n.plural).
_CLAIMS = {
    "en": {"one": "claim", "other": "claims"},
    "ru": {"one": "рекламация", "few": "рекламации", "many": "рекламаций", "other": "рекламации"},
    "lv": {"zero": "reklamāciju", "one": "reklamācija", "other": "reklamācijas"},
    "bg": {"one": "рекламация", "other": "рекламации"},
}
_BATCH = {"en": "batch", "ru": "партия", "lv": "partija", "bg": "партида"}
# Defect causes as a title names them (lower case: they follow the model); the labels the
# dashboard shows (app/reports/dashboard_text.py), which this package may not import.
_CAUSES = {
    "misuse": {
        "ru": "нарушение правил эксплуатации",
        "lv": "nepareiza lietošana",
        "bg": "неправилна експлоатация",
    },
    "manufacturing_defect": {
        "ru": "производственный дефект",
        "lv": "ražošanas defekts",
        "bg": "производствен дефект",
    },
    "design_defect": {
        "ru": "конструктивный дефект",
        "lv": "konstrukcijas defekts",
        "bg": "конструктивен дефект",
    },
    "wear": {"ru": "естественный износ", "lv": "dabisks nolietojums", "bg": "естествено износване"},
    "undetermined": {
        "ru": "причина не установлена",
        "lv": "cēlonis nav noteikts",
        "bg": "неустановена причина",
    },
    "needs_info": {
        "ru": "нужна информация",
        "lv": "nepieciešama informācija",
        "bg": "нужна е информация",
    },
}


def default_title(
    problem: dict[str, Any], *, cause: str | None, batch: str | None, lang: str = "en"
) -> str:
    """The title of a record opened without one, in `lang` (ru, lv, bg, en; any other is
    English): «PMP-200, партия 2311, производственный дефект: 3 рекламации»."""
    lang = lang if lang in _CLAIMS else "en"
    parts = [main_model(problem) or ""]
    if batch:
        parts.append(f"{_BATCH[lang]} {batch}")
    if cause:
        parts.append(_CAUSES.get(cause, {}).get(lang) or cause.replace("_", " "))
    count = int(problem.get("claims", 0))
    claims = f"{l10n.format_decimal(count, lang)} {l10n.plural(count, _CLAIMS[lang], lang)}"
    head = ", ".join(p for p in parts if p)
    # Without a model the count leads: "3 claims", «Производственный дефект: 3 рекламации».
    title = f"{head}: {claims}" if head else claims
    return (title[:1].upper() + title[1:])[:300]
