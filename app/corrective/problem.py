"""D2, the problem as the linked claims describe it. Pure: the service passes the claims' rows.

Only what the claims hold: a model, batch or country no claim names is left out, not guessed.
The symptoms are the customers' own words, newest first, each cut at a word boundary."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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


def default_title(problem: dict[str, Any], *, cause: str | None, batch: str | None) -> str:
    model = main_model(problem) or "Claims"
    parts = [model]
    if batch:
        parts.append(f"batch {batch}")
    if cause:
        parts.append(cause.replace("_", " "))
    return f"{', '.join(parts)}: {problem.get('claims', 0)} claims"[:300]
