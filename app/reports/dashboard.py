"""The dashboard page: the three reports drawn as server-side SVG charts, and the corrective
actions' widgets (corrective_widgets.py), in the reader's language (`dashboard_text.py`), with
codes shown by their labels."""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader

from app import l10n
from app.corrective.report import rate_percent
from app.models.reports import CostKind, CostReport, CostRow, RecurringReport, SummaryReport
from app.reports import dashboard_text as words
from app.reports.charts import bar_chart, share_bar, stacked_chart
from app.reports.corrective_widgets import CorrectiveWidgets

KINDS = [k.value for k in CostKind]
TOP = 15  # bars per chart; the rest are summed in one bar
TABLE_ROWS = 30  # recurring groups shown; the CSV has them all
CORRECTIVE_API = "/api/v1/corrective-actions"  # the record's JSON, linked from the widgets


@lru_cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("app", "templates"), autoescape=True)


def _hours(lang: str, value: float | None) -> str:
    if value is None:
        return "–"
    if value < 48:
        return words.text(lang, "hours", value=f"{value:.1f}")
    return words.text(lang, "days", value=f"{value / 24:.1f}")


def render_dashboard(
    *,
    base: str,
    lang: str,
    principal: str,
    summary: SummaryReport,
    recurring: RecurringReport,
    costs: CostReport,
    corrective: CorrectiveWidgets | None = None,
) -> str:
    def t(key: str, **fields: object) -> str:
        return words.text(lang, key, **fields)

    no_data = t("no_data")

    def counts(title: str, rows: Any, empty: str, group: str | None = None) -> Any:
        pairs: list[tuple[str | None, float]] = [
            (words.label(lang, group, r.key) if group else r.key, r.claims) for r in rows
        ]
        note = None
        if len(pairs) > TOP:
            rest = pairs[TOP:]
            note = t("more", rest=len(rest), claims=f"{sum(v for _, v in rest):,.0f}")
            pairs = pairs[:TOP]
        return bar_chart(t(title), pairs, empty_label=t(empty), note=note, no_data=no_data)

    kind_names = [words.label(lang, "cost_kind", k) or k for k in KINDS]

    def cost_chart(title: str, rows: list[CostRow], group: str | None) -> Any:
        return stacked_chart(
            title,
            [
                (
                    words.label(lang, group, r.key) if group else r.key,
                    [getattr(r, k) for k in KINDS],
                )
                for r in rows
            ],
            kind_names,
            empty_label=t("unknown"),
            no_data=no_data,
        )

    currencies = sorted({r.currency for r in costs.totals})
    cost_charts = []
    for cur in currencies:
        cost_charts.append(
            cost_chart(
                t("by_bearer", currency=cur),
                [r for r in costs.by_cost_bearer if r.currency == cur],
                "bearer",
            )
        )
        cost_charts.append(
            cost_chart(
                t("by_model_cost", currency=cur),
                [r for r in costs.by_product_model if r.currency == cur],
                None,
            )
        )
        total = next(r for r in costs.totals if r.currency == cur)
        cost_charts.append(
            bar_chart(
                t("by_kind", currency=cur, total=f"{total.total:,.2f}"),
                [(name, getattr(total, k)) for name, k in zip(kind_names, KINDS, strict=True)],
                color="#3a9e5c",
                no_data=no_data,
            )
        )

    share_words = {key: t(key) for key in ("met", "missed", "pending", "n_a")}
    c3, c5 = summary.acknowledged_within_3_working_days, summary.acknowledged_within_5_working_days
    charts = {
        "ack3": share_bar(t("ack3"), c3.share, c3.met, c3.missed, c3.pending, words=share_words),
        "ack5": share_bar(t("ack5"), c5.share, c5.met, c5.missed, c5.pending, words=share_words),
        "state": counts("by_state", summary.by_state, "none", "state"),
        "channel": counts("by_channel", summary.by_channel, "none", "channel"),
        "model": counts("by_model", summary.by_product_model, "unknown"),
        "cause": counts("by_cause", summary.by_defect_cause, "not_coded", "cause"),
        "resolution": counts("by_resolution", summary.by_resolution, "open", "resolution"),
        "costs": cost_charts,
    }
    corrective = corrective or CorrectiveWidgets()
    charts["ca_state"] = bar_chart(
        t("ca_open", total=corrective.open_total),
        [(words.label(lang, "ca_state", s), n) for s, n in corrective.by_state],
        color="#7d5ab5",
        no_data=t("ca_none_open"),
    )
    period = {"received_from": summary.received_from, "received_to": summary.received_to}
    csv_links = [
        (t("csv_summary"), f"{base}/summary.csv?{urlencode(period)}"),
        (t("csv_recurring"), f"{base}/recurring-defects.csv?{urlencode(period)}"),
        (t("csv_costs"), f"{base}/costs.csv?{urlencode({'year': costs.year})}"),
    ]
    current = {**period, "year": costs.year}
    switcher = [
        (code, words.LANGUAGE_NAMES[code], f"{base}?{urlencode({**current, 'lang': code})}")
        for code in words.LANGUAGES
    ]
    return (
        _env()
        .get_template("web/dashboard.html.j2")
        .render(
            base=base,
            lang=lang,
            t=t,
            label=lambda group, code: words.label(lang, group, code),
            switcher=switcher,
            principal=principal,
            summary=summary,
            recurring=recurring,
            costs=costs,
            charts=charts,
            hours=lambda value: _hours(lang, value),
            table_rows=TABLE_ROWS,
            csv_links=csv_links,
            year=costs.year,
            received_from=summary.received_from,
            received_to=summary.received_to,
            corrective=corrective,
            ca_link=lambda number: f"{CORRECTIVE_API}/{quote(number)}",
            rate=lambda value: rate_percent(value, lang) if value is not None else "–",
            fdate=lambda value: l10n.format_date(value, lang) if value else "–",
        )
    )


def render_login(*, base: str, lang: str, message: str | None, hours: int) -> str:
    """The sign-in form; `message` is a text id of dashboard_text (bad_key, session_ended)."""
    switcher = [
        (code, words.LANGUAGE_NAMES[code], f"{base}?{urlencode({'lang': code})}")
        for code in words.LANGUAGES
    ]
    return (
        _env()
        .get_template("web/dashboard_login.html.j2")
        .render(
            base=base,
            lang=lang,
            t=lambda key, **fields: words.text(lang, key, **fields),
            switcher=switcher,
            message=words.text(lang, message) if message else None,
            hours=hours,
        )
    )
