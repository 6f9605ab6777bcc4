"""The summary report's satisfaction section: of the report's claims that are closed, how many
the customer rated, the response rate and the average, by month of closure and by model.

The database groups by the local day of closure and the model (a bounded number of rows: days
times models); Python folds the days into months and the figures into the totals, from the
counts and sums, never from single claims.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, String, func, literal, select

from app.enums import ClaimState
from app.models.reports import Satisfaction, SatisfactionRow
from app.reports.queries import ClaimFilter
from app.reports.sqlfuncs import local_date
from app.reports.tables import claim_ratings, claims, product_models
from app.reports.zones import Zone


def ratings_by_day_and_model(flt: ClaimFilter, *, zone: Zone) -> Select[Any]:
    """Rows (day, model, closed, rated, rating_sum) of the filter's closed claims."""
    day = local_date(
        claims.c.closed_at, literal(zone.name, String()), zone.offset_minutes(claims.c.closed_at)
    )
    joined = claims.outerjoin(claim_ratings, claim_ratings.c.claim_id == claims.c.id).outerjoin(
        product_models, claims.c.product_model_id == product_models.c.id
    )
    return (
        select(
            day.label("day"),
            product_models.c.code.label("model"),
            func.count().label("closed"),
            func.count(claim_ratings.c.rating).label("rated"),
            func.coalesce(func.sum(claim_ratings.c.rating), 0).label("rating_sum"),
        )
        .select_from(joined)
        .where(
            *flt.clauses(),
            claims.c.state == ClaimState.closed.value,
            claims.c.closed_at.is_not(None),
        )
        .group_by(day, product_models.c.code)
    )


class _Tally:
    __slots__ = ("closed", "rated", "total")

    def __init__(self) -> None:
        self.closed = self.rated = self.total = 0

    def add(self, closed: int, rated: int, total: int) -> None:
        self.closed += closed
        self.rated += rated
        self.total += total

    def row(self, key: str | None) -> SatisfactionRow:
        return SatisfactionRow(key=key, **self.figures())

    def figures(self) -> dict[str, Any]:
        return {
            "closed_claims": self.closed,
            "rated": self.rated,
            "response_rate": round(self.rated / self.closed, 4) if self.closed else None,
            "average_rating": round(self.total / self.rated, 2) if self.rated else None,
        }


def fold(rows: Iterable[Any]) -> Satisfaction:
    """The section from rows of `ratings_by_day_and_model`."""
    whole = _Tally()
    months: dict[str, _Tally] = defaultdict(_Tally)
    models: dict[str | None, _Tally] = defaultdict(_Tally)
    for row in rows:
        figures = (int(row.closed), int(row.rated), int(row.rating_sum))
        # SQLite returns the day as text, PostgreSQL as a date: both start "YYYY-MM".
        month = str(row.day)[:7]
        whole.add(*figures)
        months[month].add(*figures)
        models[row.model].add(*figures)
    by_model = sorted(models.items(), key=lambda kv: (-kv[1].closed, kv[0] is None, kv[0] or ""))
    return Satisfaction(
        **whole.figures(),
        by_month=[months[m].row(m) for m in sorted(months)],
        by_product_model=[tally.row(model) for model, tally in by_model],
    )
