"""Reports as CSV: one flat table per report, for spreadsheets and accounting."""

from __future__ import annotations

from app.models.reports import CostReport, RecurringReport, SummaryReport
from app.reports.csvout import render_csv


def summary_csv(report: SummaryReport) -> str:
    """Long format: section, key, value (one figure per line)."""
    rows: list[list[object]] = [
        ["period", "received_from", report.received_from],
        ["period", "received_to", report.received_to],
        ["period", "as_of", report.as_of],
        ["filter", "channel", report.channel],
        ["filter", "product_model", report.product_model],
        ["claims", "total", report.total_claims],
    ]
    for field in ("by_state", "by_channel", "by_product_model", "by_defect_cause", "by_resolution"):
        rows += [[f"claims_{field}", r.key, r.claims] for r in getattr(report, field)]
    for field in ("time_to_acknowledge", "time_to_close"):
        stats = getattr(report, field)
        rows += [
            [field, "claims", stats.claims],
            [field, "median_hours", stats.median_hours],
            [field, "p90_hours", stats.p90_hours],
        ]
    for field in ("acknowledged_within_3_working_days", "acknowledged_within_5_working_days"):
        c = getattr(report, field)
        rows += [[field, k, getattr(c, k)] for k in ("met", "missed", "pending", "share")]
    sat = report.satisfaction
    figures = ("closed_claims", "rated", "response_rate", "average_rating")
    rows += [["satisfaction", k, getattr(sat, k)] for k in figures]
    for field in ("by_month", "by_product_model"):
        rows += [
            [f"satisfaction_{field}_{k}", r.key, getattr(r, k)]
            for r in getattr(sat, field)
            for k in figures
        ]
    return render_csv(["section", "key", "value"], rows)


RECURRING_HEADER = [
    "kind",
    "product_model",
    "defect_cause",
    "batch",
    "claims",
    "model_claims",
    "systematic",
    "first_received_at",
    "last_received_at",
    "serial_min",
    "serial_max",
    "common_terms",
    "claim_numbers",
]


def recurring_csv(report: RecurringReport) -> str:
    """One line per group: ``cause`` groups, their ``batch`` sub-groups, ``similar`` groups."""
    rows: list[list[object]] = []
    for g in report.by_cause:
        rows.append(
            [
                "cause",
                g.product_model,
                g.defect_cause,
                None,
                g.claims,
                g.model_claims,
                g.systematic,
                g.first_received_at,
                g.last_received_at,
                g.serial_min,
                g.serial_max,
                None,
                g.claim_numbers,
            ]
        )
        for b in g.batches:
            rows.append(
                [
                    "batch",
                    g.product_model,
                    g.defect_cause,
                    b.batch,
                    b.claims,
                    None,
                    b.systematic,
                    None,
                    None,
                    b.serial_min,
                    b.serial_max,
                    None,
                    None,
                ]
            )
    for s in report.similar_descriptions.groups:
        rows.append(
            [
                "similar",
                s.product_model,
                None,
                None,
                s.claims,
                None,
                s.systematic,
                None,
                None,
                None,
                None,
                s.common_terms,
                s.claim_numbers,
            ]
        )
    return render_csv(RECURRING_HEADER, rows)


COST_HEADER = [
    "grouping",
    "key",
    "currency",
    "entries",
    "repair",
    "replacement",
    "field_visit",
    "transport",
    "total",
]


def costs_csv(report: CostReport) -> str:
    rows: list[list[object]] = []
    for grouping, items in (
        ("cost_bearer", report.by_cost_bearer),
        ("product_model", report.by_product_model),
        ("total", report.totals),
    ):
        rows += [
            [
                grouping,
                c.key,
                c.currency,
                c.entries,
                c.repair,
                c.replacement,
                c.field_visit,
                c.transport,
                c.total,
            ]
            for c in items
        ]
    # Money back from suppliers and the net cost: the amount in `total`, the kinds left empty.
    blank = ["", "", "", ""]
    rows += [
        ["recovered_by_supplier", r.supplier, r.currency, r.supplier_claims, *blank, r.amount]
        for r in report.recovered_by_supplier
    ]
    rows += [
        ["recovered", None, r.currency, r.supplier_claims, *blank, r.amount]
        for r in report.recovered
    ]
    rows += [["net", None, n.currency, "", *blank, n.net] for n in report.net_costs]
    return render_csv(COST_HEADER, rows)
