"""Pure parts of the reports: SQL spelling per dialect, text grouping, CSV."""

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import column, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.types import DateTime

from app.reports.csvout import cell, render_csv
from app.reports.similarity import common_terms, connected_groups, jaccard, token_pairs, tokens
from app.reports.sqlfuncs import agg_strings, local_date, seconds_between

PG, LITE = postgresql.dialect(), sqlite.dialect()


def sql(expr, dialect) -> str:
    return str(expr.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_seconds_between_per_dialect():
    a, b = column("a", DateTime(timezone=True)), column("b", DateTime(timezone=True))
    assert sql(seconds_between(a, b), PG) == "CAST(EXTRACT(EPOCH FROM (b - a)) AS DOUBLE PRECISION)"
    assert sql(seconds_between(a, b), LITE) == "((julianday(b) - julianday(a)) * 86400.0)"


def test_local_date_uses_zone_on_pg_and_offset_on_sqlite():
    ts = column("ts", DateTime(timezone=True))
    expr = local_date(ts, literal("Europe/Riga"), literal(120))
    assert sql(expr, PG) == "CAST(timezone('Europe/Riga', ts) AS DATE)"
    assert sql(expr, LITE) == "date(ts, (120 || ' minutes'))"


def test_string_agg_per_dialect():
    assert sql(agg_strings(column("n"), " "), PG) == "string_agg(n, ' ')"
    assert sql(agg_strings(column("n"), " "), LITE) == "group_concat(n, ' ')"


def test_tokens_fold_case_in_every_language_and_drop_noise():
    assert tokens("Насос НЕ качает воду, протекает уплотнение!") == {
        "насос",
        "качает",
        "воду",
        "протекает",
        "уплотнение",
    }
    assert tokens("Sūknis NEDARBOJAS pēc 2 dienām") == {"sūknis", "nedarbojas", "dienām"}
    assert tokens("") == frozenset()
    assert tokens("E4 12345") == frozenset()


def test_jaccard():
    assert jaccard(frozenset({"a", "b"}), frozenset({"b", "c"})) == 1 / 3
    assert jaccard(frozenset(), frozenset({"x"})) == 0.0


def test_token_pairs_only_within_a_bucket():
    items = [
        (1, "PX", "Pump leaks water at the seal"),
        (2, "PX", "Water leaking at the pump seal, leaks"),
        (3, "KX", "Pump leaks water at the seal"),
        (4, "PX", "Display shows error code"),
    ]
    pairs = token_pairs(items, min_similarity=0.3)
    assert [(a, b) for a, b, _ in pairs] == [(1, 2)]


def test_connected_groups_are_transitive_and_sorted():
    pairs = [(3, 4, 0.5), (1, 2, 0.9), (2, 5, 0.6), (8, 9, 0.7)]
    assert connected_groups(pairs) == [[1, 2, 5], [3, 4], [8, 9]]
    assert connected_groups(pairs, min_size=3) == [[1, 2, 5]]
    assert connected_groups([]) == []


def test_common_terms_are_shared_by_half_the_group():
    texts = ["pump seal leaks", "seal leaks badly", "seal cracked"]
    assert common_terms(texts) == ["seal", "leaks"]


def test_csv_cells_are_typed_and_formula_safe():
    assert cell(None) == ""
    assert cell(True) == "true"
    assert cell(Decimal("-12.50")) == "-12.50"
    assert cell(-3) == "-3"
    assert cell('=HYPERLINK("x")') == '\'=HYPERLINK("x")'
    assert cell("-1+1") == "'-1+1"
    assert cell(["CLM-1", "CLM-2"]) == "CLM-1 CLM-2"
    assert cell(date(2026, 1, 2)) == "2026-01-02"
    assert cell(datetime(2026, 1, 2, 3, tzinfo=UTC)) == "2026-01-02T03:00:00+00:00"


def test_render_csv_quotes_and_uses_crlf():
    out = render_csv(["a", "b"], [["x,y", 'say "hi"'], [1, None]])
    assert out == 'a,b\r\n"x,y","say ""hi"""\r\n1,\r\n'


def test_zone_offsets_follow_dst_to_the_minute():
    from zoneinfo import ZoneInfo

    from app.reports.zones import Zone, offset_segments

    segs = offset_segments(
        ZoneInfo("Europe/Riga"),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert segs == (
        (datetime(2026, 3, 29, 1, 0, tzinfo=UTC), 120),
        (datetime(2026, 10, 25, 1, 0, tzinfo=UTC), 180),
        (None, 120),
    )
    assert offset_segments(
        ZoneInfo("UTC"),
        datetime(2026, 1, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    ) == ((None, 0),)
    ts = column("ts", DateTime(timezone=True))
    assert sql(Zone().offset_minutes(ts), LITE) == "0"
    riga = Zone("Europe/Riga", segs)
    assert sql(riga.offset_minutes(ts), LITE).startswith("CASE WHEN (ts < '2026-03-29")


def test_format_query_wins_then_accept_quality():
    from app.reports.negotiation import wants_csv

    assert wants_csv("csv", "application/json") is True
    assert wants_csv("json", "text/csv") is False
    assert wants_csv(None, None) is False
    assert wants_csv(None, "text/csv") is True
    assert wants_csv(None, "text/csv;q=0.5, application/json") is False
    assert wants_csv(None, "application/json;q=0.1, text/csv;q=0.2") is True
    assert wants_csv(None, "text/*") is True
    assert wants_csv(None, "*/*") is False
    assert wants_csv(None, "text/csv;q=oops") is False


def test_charts_escape_labels_and_scale_bars():
    from app.reports.charts import bar_chart, share_bar, stacked_chart

    svg = bar_chart("By <model>", [("<script>", 10), (None, 5), ("zero", 0)])
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'width="270.0"' in svg and 'width="135.0"' in svg  # 10 is full width, 5 half
    assert "(none)" in svg
    assert "no data" in bar_chart("Empty", [])
    assert "40.0 %" in share_bar("SLA", 0.4, 2, 3, 1)
    assert "met 2 · missed 3 · pending 1" in share_bar("SLA", 0.4, 2, 3, 1)
    assert "ожидают 5" in share_bar("SLA", 1.0, 1, 0, 5, words={"pending": "ожидают"})
    assert "n/a" in share_bar("SLA", None, 0, 0, 0)
    stacked = stacked_chart(
        "Costs", [("A", [Decimal("1.50"), Decimal("0")])], ["repair", "transport"]
    )
    assert "A, repair: 1.50" in stacked and "transport" in stacked
    long_label = bar_chart("Long", [("x" * 80, 1)])
    assert "x" * 29 + "…" in long_label and "x" * 80 + ":" in long_label  # cut; tooltip whole
