"""The dashboard page: the three reports drawn as server-side SVG charts."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader

from app.models.reports import CostKind, CostReport, CostRow, RecurringReport, SummaryReport
from app.reports.charts import bar_chart, share_bar, stacked_chart

KINDS = [k.value for k in CostKind]
TOP = 15  # bars per chart; the rest are summed in one bar
TABLE_ROWS = 30  # recurring groups shown; the CSV has them all


@lru_cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("app", "templates"), autoescape=True)


def _hours(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def _cost_chart(title: str, rows: list[CostRow]) -> Any:
    return stacked_chart(title, [(r.key, [getattr(r, k) for k in KINDS]) for r in rows], KINDS)


def render_dashboard(
    *,
    base: str,
    principal: str,
    summary: SummaryReport,
    recurring: RecurringReport,
    costs: CostReport,
) -> str:
    def counts(title: str, rows: Any, empty: str) -> Any:
        pairs: list[tuple[str | None, float]] = [(r.key, r.claims) for r in rows]
        note = None
        if len(pairs) > TOP:
            rest = pairs[TOP:]
            note = f"… and {len(rest)} more with {sum(v for _, v in rest):,.0f} claims"
            pairs = pairs[:TOP]
        return bar_chart(title, pairs, empty_label=empty, note=note)

    currencies = sorted({r.currency for r in costs.totals})
    cost_charts = []
    for cur in currencies:
        cost_charts.append(
            _cost_chart(
                f"By cost bearer ({cur})", [r for r in costs.by_cost_bearer if r.currency == cur]
            )
        )
        cost_charts.append(
            _cost_chart(
                f"By product model ({cur})",
                [r for r in costs.by_product_model if r.currency == cur],
            )
        )
        total = next(r for r in costs.totals if r.currency == cur)
        cost_charts.append(
            bar_chart(
                f"By kind ({cur}), total {total.total:,.2f}",
                [(k, getattr(total, k)) for k in KINDS],
                color="#3a9e5c",
            )
        )

    c3, c5 = summary.acknowledged_within_3_working_days, summary.acknowledged_within_5_working_days
    charts = {
        "ack3": share_bar(
            "Acknowledged within 3 working days", c3.share, c3.met, c3.missed, c3.pending
        ),
        "ack5": share_bar(
            "Acknowledged within 5 working days", c5.share, c5.met, c5.missed, c5.pending
        ),
        "state": counts("Claims by state", summary.by_state, "(none)"),
        "channel": counts("Claims by channel", summary.by_channel, "(none)"),
        "model": counts("Claims by product model", summary.by_product_model, "(unknown)"),
        "cause": counts("Claims by defect cause", summary.by_defect_cause, "(not coded)"),
        "resolution": counts("Claims by resolution", summary.by_resolution, "(open)"),
        "costs": cost_charts,
    }
    period = {"received_from": summary.received_from, "received_to": summary.received_to}
    csv_links = [
        ("summary", f"{base}/summary.csv?{urlencode(period)}"),
        ("recurring defects", f"{base}/recurring-defects.csv?{urlencode(period)}"),
        ("costs", f"{base}/costs.csv?{urlencode({'year': costs.year})}"),
    ]
    return (
        _env()
        .get_template("web/dashboard.html.j2")
        .render(
            base=base,
            principal=principal,
            summary=summary,
            recurring=recurring,
            costs=costs,
            charts=charts,
            hours=_hours,
            table_rows=TABLE_ROWS,
            csv_links=csv_links,
            year=costs.year,
            received_from=summary.received_from,
            received_to=summary.received_to,
        )
    )


def render_login(*, base: str, message: str | None, hours: int) -> str:
    return (
        _env()
        .get_template("web/dashboard_login.html.j2")
        .render(base=base, message=message, hours=hours)
    )
