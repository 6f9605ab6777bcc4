"""Report queries: SQLAlchemy Core statements, computed on the database.

Pure statement builders (no I/O). Every statement runs unchanged on PostgreSQL
and SQLite; where the dialects differ the difference lives in
``app.reports.sqlfuncs`` or in a ``dialect`` argument. The services execute
them; nothing here loads every claim into Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.sql.expression import ColumnElement

from app.claims.batches import batch_of, has_batch
from app.reports.sqlfuncs import agg_strings, local_date, seconds_between
from app.reports.tables import claim_costs, claims, product_models, supplier_claims, suppliers
from app.reports.zones import Zone

# Percentiles as integer fractions, so the portable formulation can use integer
# division (which truncates identically on both databases).
PERCENTILES: dict[str, tuple[int, int]] = {"median": (1, 2), "p90": (9, 10)}

SUMMARY_DIMENSIONS = ("state", "channel", "product_model", "defect_cause", "resolution")


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims a report covers: received in [received_from, received_before)."""

    received_from: datetime | None = None
    received_before: datetime | None = None
    channel: str | None = None
    product_model_code: str | None = None
    # Further narrowed to these [from, before) ranges (the summary's part not rolled up).
    ranges: tuple[tuple[datetime | None, datetime | None], ...] | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        out: list[ColumnElement[bool]] = []
        if self.received_from is not None:
            out.append(claims.c.received_at >= self.received_from)
        if self.received_before is not None:
            out.append(claims.c.received_at < self.received_before)
        if self.ranges is not None:
            at = claims.c.received_at
            parts = [
                and_(
                    true(),
                    *([at >= lo] if lo is not None else []),
                    *([at < hi] if hi is not None else []),
                )
                for lo, hi in self.ranges
            ]
            out.append(or_(*parts) if parts else false())
        if self.channel is not None:
            out.append(claims.c.channel == self.channel)
        if self.product_model_code is not None:
            out.append(
                claims.c.product_model_id.in_(
                    select(product_models.c.id).where(
                        product_models.c.code == self.product_model_code
                    )
                )
            )
        return out


# --------------------------------------------------------------------------- summary


def _dimension_keys() -> dict[str, ColumnElement[Any]]:
    return {
        "state": claims.c.state,
        "channel": claims.c.channel,
        "product_model": product_models.c.code,
        "defect_cause": claims.c.defect_cause,
        "resolution": claims.c.resolution,
    }


def counts_by_dimension(flt: ClaimFilter, *, grouping_sets: bool = False) -> Select[Any]:
    """Rows (dimension, key, claims) for every summary dimension, in one round trip.

    ``grouping_sets=True`` (PostgreSQL) counts all dimensions in one scan with
    ``GROUP BY GROUPING SETS``; otherwise (SQLite has no grouping sets) one
    grouped SELECT per dimension, joined with ``UNION ALL``.
    """
    keyed = _dimension_keys()
    with_models = claims.outerjoin(product_models, claims.c.product_model_id == product_models.c.id)
    if grouping_sets:
        # grouping(col) is 0 in the rows grouped by col: it tells the dimension of a row even
        # when the key itself is NULL (no cause coded yet).
        dimension = case(
            *((func.grouping(col) == 0, literal(name, String())) for name, col in keyed.items())
        )
        key = case(*((func.grouping(col) == 0, cast(col, String())) for col in keyed.values()))
        return (
            select(dimension.label("dimension"), key.label("key"), func.count().label("claims"))
            .select_from(with_models)
            .where(*flt.clauses())
            .group_by(func.grouping_sets(*keyed.values()))
        )
    parts = []
    for name in SUMMARY_DIMENSIONS:
        col = keyed[name]
        parts.append(
            select(
                literal(name, String()).label("dimension"),
                cast(col, String()).label("key"),
                func.count().label("claims"),
            )
            .select_from(with_models if name == "product_model" else claims)
            .where(*flt.clauses())
            .group_by(col)
        )
    return union_all(*parts).subquery("counts").select()


def _durations(flt: ClaimFilter) -> Any:
    """CTE (metric, seconds): time to acknowledge and time to close, per claim."""
    ack = select(
        literal("acknowledge", String()).label("metric"),
        seconds_between(claims.c.received_at, claims.c.acknowledged_at).label("seconds"),
    ).where(*flt.clauses(), claims.c.acknowledged_at.is_not(None))
    close = select(
        literal("close", String()).label("metric"),
        seconds_between(claims.c.received_at, claims.c.closed_at).label("seconds"),
    ).where(*flt.clauses(), claims.c.closed_at.is_not(None))
    return union_all(ack, close).cte("durations")


def _native_percentiles(flt: ClaimFilter) -> CompoundSelect[Any]:
    metrics = {
        "acknowledge": claims.c.acknowledged_at,
        "close": claims.c.closed_at,
    }
    cols: list[ColumnElement[Any]] = []
    for metric, end in metrics.items():
        seconds = seconds_between(claims.c.received_at, end)
        cols.append(func.count(end).label(f"{metric}_claims"))
        cols += [
            func.percentile_cont(num / den)
            .within_group(seconds)
            .filter(end.is_not(None))
            .label(f"{metric}_{name}")
            for name, (num, den) in PERCENTILES.items()
        ]
    one = select(*cols).where(*flt.clauses()).cte("percentiles")
    return union_all(
        *(
            select(
                literal(metric, String()).label("metric"),
                one.c[f"{metric}_claims"].label("claims"),
                *(one.c[f"{metric}_{name}"].label(name) for name in PERCENTILES),
            ).where(one.c[f"{metric}_claims"] > 0)
            for metric in metrics
        )
    )


def duration_percentiles(flt: ClaimFilter, *, portable: bool) -> Select[Any] | CompoundSelect[Any]:
    """Rows (metric, claims, median, p90) in seconds; one row per metric with data.

    ``portable=False`` uses PostgreSQL's ``percentile_cont`` in one scan of the
    claims (an aggregate ``FILTER`` per metric). ``portable=True``
    computes the same continuous percentile with window functions, which SQLite
    (no percentile aggregate) and PostgreSQL both run: rank the durations, then
    interpolate between the values at ranks floor(p*(n-1)) and the next one.
    """
    if not portable:
        return _native_percentiles(flt)
    d = _durations(flt)
    ranked = select(
        d.c.metric,
        d.c.seconds,
        (func.row_number().over(partition_by=d.c.metric, order_by=d.c.seconds) - 1).label("rn"),
        func.count().over(partition_by=d.c.metric).label("n"),
    ).subquery("ranked")
    rn, n, seconds = ranked.c.rn, ranked.c.n, ranked.c.seconds

    columns: list[ColumnElement[Any]] = []
    for name, (num, den) in PERCENTILES.items():
        scaled = (n - 1) * num  # integer: the position times den
        lo = scaled // den
        rem = scaled % den
        hi = lo + case((rem > 0, 1), else_=0)
        lo_val = func.max(case((rn == lo, seconds)))
        hi_val = func.max(case((rn == hi, seconds)))
        frac = func.max(cast(rem, Float())) / den
        columns.append((lo_val + frac * (hi_val - lo_val)).label(name))
    return (
        select(ranked.c.metric, func.max(n).label("claims"), *columns)
        .group_by(ranked.c.metric)
        .order_by(ranked.c.metric)
    )


def durations_sorted(flt: ClaimFilter, metric: str) -> Select[Any]:
    """The durations (seconds) of one metric, ascending, computed as the percentiles do."""
    end = claims.c.acknowledged_at if metric == "acknowledge" else claims.c.closed_at
    seconds = seconds_between(claims.c.received_at, end)
    return (
        select(seconds.label("seconds")).where(*flt.clauses(), end.is_not(None)).order_by(seconds)
    )


def ack_compliance(flt: ClaimFilter, *, zone: Zone, as_of: date) -> Select[Any]:
    """One row: claims acknowledged within 3 and within 5 working days.

    The due dates are stored on the claim (3 and 5 working days after receipt),
    so compliance is a date comparison: the acknowledgement's local date against
    ``ack_due_date`` (3 days) and ``ack_deadline_date`` (5 days). A claim not yet
    acknowledged counts as missed once its date has passed and as pending before.
    """
    acked = claims.c.acknowledged_at.is_not(None)
    ack_day = local_date(
        claims.c.acknowledged_at,
        literal(zone.name, String()),
        zone.offset_minutes(claims.c.acknowledged_at),
    )
    cols: list[ColumnElement[Any]] = [func.count().label("claims")]
    dues = (("within_3", claims.c.ack_due_date), ("within_5", claims.c.ack_deadline_date))
    for label, due in dues:
        met = and_(acked, due.is_not(None), ack_day <= due)
        missed = or_(
            and_(acked, due.is_not(None), ack_day > due),
            and_(~acked, due.is_not(None), due < as_of),
        )
        pending = and_(~acked, or_(due.is_(None), due >= as_of))
        cols += [
            func.coalesce(func.sum(case((met, 1), else_=0)), 0).label(f"{label}_met"),
            func.coalesce(func.sum(case((missed, 1), else_=0)), 0).label(f"{label}_missed"),
            func.coalesce(func.sum(case((pending, 1), else_=0)), 0).label(f"{label}_pending"),
        ]
    cols.append(func.coalesce(func.sum(case((acked, 1), else_=0)), 0).label("acknowledged"))
    return select(*cols).where(*flt.clauses())


# --------------------------------------------------------------------------- recurring defects


def _coded(uncoded: tuple[str, ...], cause: Any = None) -> ColumnElement[bool]:
    """A cause is coded when set and not a placeholder such as ``undetermined``."""
    cause = claims.c.defect_cause if cause is None else cause
    return and_(cause.is_not(None), cause.not_in(uncoded)) if uncoded else cause.is_not(None)


def _serial() -> ColumnElement[Any]:
    # The serial on the claim: whenever a registered unit is linked (at registration or by
    # the warranty check) it was found by exactly this serial, so no join with units is needed.
    return claims.c.reported_serial


def recurring_by_cause(
    flt: ClaimFilter, *, min_claims: int, uncoded: tuple[str, ...] = ()
) -> Select[Any]:
    """(model, cause) groups with at least ``min_claims`` claims in the window.

    With the model's claim count in the window (for the share), the serial range
    and the claim numbers (space-separated; the caller sorts them).

    One pass over the window's claims: grouped by model id and cause, uncoded causes
    included, so that a window sum over the model gives the model's claim count; the
    uncoded groups are dropped afterwards (their numbers are never aggregated), and the
    model's code and name are joined to the few groups left. A separate count per model
    read the window twice, and grouping by the model's code and name compared text.
    """
    model_id, cause, serial = claims.c.product_model_id, claims.c.defect_cause, _serial()
    n = func.count()
    grouped = (
        select(
            model_id.label("model_id"),
            cause.label("defect_cause"),
            n.label("claims"),
            cast(func.sum(n).over(partition_by=model_id), Integer()).label("model_claims"),
            func.min(claims.c.received_at).label("first_received_at"),
            func.max(claims.c.received_at).label("last_received_at"),
            func.min(serial).label("serial_min"),
            func.max(serial).label("serial_max"),
            func.count(serial).label("with_serial"),
            agg_strings(claims.c.number, " ").filter(_coded(uncoded)).label("numbers"),
        )
        .where(*flt.clauses(), model_id.is_not(None))
        .group_by(model_id, cause)
        .subquery("grouped")
    )
    g = grouped.c
    return (
        select(
            product_models.c.code.label("product_model"),
            product_models.c.name.label("product_model_name"),
            g.defect_cause,
            g.claims,
            g.model_claims,
            g.first_received_at,
            g.last_received_at,
            g.serial_min,
            g.serial_max,
            g.with_serial,
            g.numbers,
        )
        .select_from(grouped.join(product_models, product_models.c.id == g.model_id))
        .where(_coded(uncoded, g.defect_cause), g.claims >= min_claims)
        .order_by(g.claims.desc(), product_models.c.code, g.defect_cause)
    )


def recurring_batches(
    flt: ClaimFilter, *, drop_chars: int, min_claims: int, uncoded: tuple[str, ...] = ()
) -> Select[Any]:
    """(model, cause, batch) groups, a batch being the serial without its last characters.

    Serial numbers are assigned in production order, so units whose serials differ
    only in the last ``drop_chars`` characters were made together: the closest
    thing to a production batch the data holds.

    Grouped by the model's id, and the model's code joined to the groups left (a year at
    1M claims: 15,600) rather than to each of the window's claims (86,000), so the
    grouping key is narrower and the text of the code is never compared per claim.
    """
    serial = _serial()
    batch = batch_of(serial, drop_chars)
    model_id = claims.c.product_model_id
    n = func.count()
    grouped = (
        select(
            model_id.label("model_id"),
            claims.c.defect_cause,
            batch.label("batch"),
            n.label("claims"),
            func.min(serial).label("serial_min"),
            func.max(serial).label("serial_max"),
        )
        .where(
            *flt.clauses(),
            model_id.is_not(None),
            _coded(uncoded),
            has_batch(serial, drop_chars),
        )
        .group_by(model_id, claims.c.defect_cause, batch)
        .having(n >= min_claims)
        .subquery("grouped")
    )
    g = grouped.c
    return (
        select(
            product_models.c.code.label("product_model"),
            g.defect_cause,
            g.batch,
            g.claims,
            g.serial_min,
            g.serial_max,
        )
        .select_from(grouped.join(product_models, product_models.c.id == g.model_id))
        # The caller keeps each (model, cause)'s batches in the order read: the largest first,
        # then by batch. Which group comes first does not matter, so the model's id sorts
        # them rather than its code's text.
        .order_by(g.model_id, g.defect_cause, g.claims.desc(), g.batch)
    )


def uncoded_candidates(flt: ClaimFilter, *, limit: int, uncoded: tuple[str, ...] = ()) -> Any:
    """CTE of the newest ``limit`` claims in the window with no cause coded yet."""
    return (
        select(
            claims.c.id,
            claims.c.number,
            func.coalesce(claims.c.product_model_id, 0).label("model_key"),
            claims.c.defect_description.label("description"),
        )
        .where(
            *flt.clauses(),
            ~_coded(uncoded),
            func.length(func.trim(claims.c.defect_description)) > 0,
        )
        .order_by(claims.c.received_at.desc(), claims.c.id.desc())
        .limit(limit)
        .cte("candidates")
    )


def uncoded_candidate_rows(
    flt: ClaimFilter, *, limit: int, uncoded: tuple[str, ...] = ()
) -> Select[Any]:
    """The bounded candidate set itself, with model codes (for the token fallback)."""
    cand = uncoded_candidates(flt, limit=limit, uncoded=uncoded)
    return (
        select(
            cand.c.id, cand.c.number, cand.c.model_key, cand.c.description, product_models.c.code
        )
        .select_from(cand.outerjoin(product_models, product_models.c.id == cand.c.model_key))
        .order_by(cand.c.id)
    )


def trigram_pairs(
    flt: ClaimFilter, *, limit: int, min_similarity: float, uncoded: tuple[str, ...] = ()
) -> Select[Any]:
    """PostgreSQL only (pg_trgm): pairs of alike descriptions among the candidates.

    Compared only within a product model (claims with no model form one bucket),
    which is what a recurring defect means and keeps the pair count small.
    """
    cand = uncoded_candidates(flt, limit=limit, uncoded=uncoded)
    a, b = cand.alias("a"), cand.alias("b")
    sim = func.similarity(a.c.description, b.c.description)
    return (
        select(a.c.id.label("a"), b.c.id.label("b"), sim.label("similarity"))
        .select_from(a.join(b, and_(a.c.model_key == b.c.model_key, a.c.id < b.c.id)))
        .where(sim >= min_similarity)
    )


def claims_by_ids(ids: list[Any]) -> Select[Any]:
    return (
        select(
            claims.c.id,
            claims.c.number,
            claims.c.defect_description,
            claims.c.received_at,
            product_models.c.code.label("product_model"),
        )
        .select_from(
            claims.outerjoin(product_models, claims.c.product_model_id == product_models.c.id)
        )
        .where(claims.c.id.in_(ids))
        .order_by(claims.c.received_at, claims.c.id)
    )


# --------------------------------------------------------------------------- costs


def costs_by_year(year: int) -> Select[Any]:
    """Cost totals for accounting, rolled up three ways in one round trip.

    Rows (grouping, product_model, cost_bearer, kind, currency, entries, cents):
    ``grouping`` is ``bearer`` (by cost bearer and kind), ``model`` (by model and
    kind) or ``total`` (by kind). The year's entries are read once, grouped at the
    finest grain (model, bearer, kind, currency); the three roll-ups add up that
    small set. Amounts are summed in whole cents, so the sum is exact on SQLite too
    (which stores NUMERIC as floating point). Currencies are never added together.
    """
    kind, bearer, cur = claim_costs.c.kind, claim_costs.c.cost_bearer, claim_costs.c.currency
    model_id = claim_costs.c.product_model_id
    # The cost row carries its claim's model (kept equal by triggers, migration `cost_models`):
    # the year's cost rows are all this reads, not the claims. They are grouped by the model's
    # id and the few groups take the model's code (one code per id).
    by_id = (
        select(
            model_id.label("model_id"),
            bearer.label("cost_bearer"),
            kind.label("kind"),
            cur.label("currency"),
            func.count().label("entries"),
            func.sum(cast(func.round(claim_costs.c.amount * 100), Integer())).label("cents"),
        )
        .where(
            claim_costs.c.incurred_on >= date(year, 1, 1),
            claim_costs.c.incurred_on < date(year + 1, 1, 1),
        )
        .group_by(model_id, bearer, kind, cur)
        .subquery("by_id")
    )
    fine = (
        select(
            product_models.c.code.label("product_model"),
            by_id.c.cost_bearer,
            by_id.c.kind,
            by_id.c.currency,
            by_id.c.entries,
            by_id.c.cents,
        )
        .select_from(by_id.outerjoin(product_models, by_id.c.model_id == product_models.c.id))
        .cte("fine")
    )
    none = literal(None, String())

    def part(grouping: str, m: Any, br: Any, keys: list[Any]) -> Select[Any]:
        return select(
            literal(grouping, String()).label("grouping"),
            m.label("product_model"),
            br.label("cost_bearer"),
            fine.c.kind,
            fine.c.currency,
            func.sum(fine.c.entries).label("entries"),
            func.sum(fine.c.cents).label("cents"),
        ).group_by(*keys)

    f = fine.c
    return (
        union_all(
            part("bearer", none, f.cost_bearer, [f.cost_bearer, f.kind, f.currency]),
            part("model", f.product_model, none, [f.product_model, f.kind, f.currency]),
            part("total", none, none, [f.kind, f.currency]),
        )
        .subquery("costs")
        .select()
    )


def recovered_by_year(year: int) -> Select[Any]:
    """Money recovered from suppliers in the year (by `recovered_on`), per supplier and
    currency, in whole cents (exact on SQLite too): rows (supplier_id, supplier, currency,
    supplier_claims, cents)."""
    return (
        select(
            suppliers.c.id.label("supplier_id"),
            suppliers.c.name.label("supplier"),
            supplier_claims.c.currency,
            func.count().label("supplier_claims"),
            func.sum(cast(func.round(supplier_claims.c.amount_recovered * 100), Integer())).label(
                "cents"
            ),
        )
        .select_from(
            supplier_claims.join(suppliers, supplier_claims.c.supplier_id == suppliers.c.id)
        )
        .where(
            supplier_claims.c.recovered_on >= date(year, 1, 1),
            supplier_claims.c.recovered_on < date(year + 1, 1, 1),
        )
        .group_by(suppliers.c.id, suppliers.c.name, supplier_claims.c.currency)
    )
