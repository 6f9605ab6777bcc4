"""Server-side SVG charts for the dashboard: no JavaScript, no external assets.

Every label is escaped; the output is safe to put in a page as Markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#2f6db5", "#e08a2e", "#3a9e5c", "#c4453c", "#7d5ab5", "#8c6d46", "#d46fb1", "#6f7f8f")
ROW = 22
LABEL_W = 250
BAR_W = 270
LABEL_CHARS = 30  # longer labels are cut with "…"; the full text is in the bar's tooltip
CHAR_W = 7.5  # a generous average advance at 12 px, Cyrillic included: used to lay out text


def _fit(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _num(value: float | Decimal) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def bar_chart(
    title: str,
    rows: Sequence[tuple[str | None, float | Decimal]],
    *,
    empty_label: str = "(none)",
    color: str = PALETTE[0],
    note: str | None = None,
    no_data: str = "no data",
) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value; ``note`` is a
    line of text under the bars (e.g. what was left out)."""
    height = max(1, len(rows)) * ROW + 30 + (ROW if note else 0)
    width = LABEL_W + BAR_W + 90
    top = max((float(v) for _, v in rows), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
    ]
    if not rows:
        parts.append(f'<text x="0" y="42" class="m">{escape(no_data)}</text>')
    for i, (label, value) in enumerate(rows):
        y = 28 + i * ROW
        w = max(1.0, BAR_W * float(value) / top) if float(value) > 0 else 0.0
        text = label if label is not None else empty_label
        parts += [
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end" class="l">'
            f"{escape(_fit(text))}</text>",
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" fill="{color}">'
            f"<title>{escape(text)}: {_num(value)}</title></rect>",
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 14}" class="v">{_num(value)}</text>',
        ]
    if note:
        y = 28 + max(1, len(rows)) * ROW + 14
        parts.append(f'<text x="{LABEL_W}" y="{y}" class="m">{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bar(
    title: str,
    share: float | None,
    met: int,
    missed: int,
    pending: int,
    *,
    words: dict[str, str] | None = None,
) -> Markup:
    """A 100 % bar: met (green) against missed (red), with the share written out and the
    counts on a line of their own under the bar, where any language has room."""
    w = {"met": "met", "missed": "missed", "pending": "pending", "n_a": "n/a", **(words or {})}
    width, height = LABEL_W + BAR_W + 90, 72
    label = w["n_a"] if share is None else f"{share * 100:.1f} %"
    decided = met + missed
    green = BAR_W * met / decided if decided else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {escape(label)}">',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
        f'<text x="{LABEL_W - 6}" y="42" text-anchor="end" class="big">{escape(label)}</text>',
        f'<rect x="{LABEL_W}" y="28" width="{BAR_W}" height="18" fill="#eee"/>',
    ]
    if decided:
        parts += [
            f'<rect x="{LABEL_W}" y="28" width="{green:.1f}" height="18" fill="{PALETTE[2]}">'
            f"<title>{escape(w['met'])}: {met}</title></rect>",
            f'<rect x="{LABEL_W + green:.1f}" y="28" width="{BAR_W - green:.1f}" height="18" '
            f'fill="{PALETTE[3]}"><title>{escape(w["missed"])}: {missed}</title></rect>',
        ]
    counts = f"{w['met']} {met} · {w['missed']} {missed}"
    if pending:
        counts += f" · {w['pending']} {pending}"
    parts += [f'<text x="{LABEL_W}" y="64" class="v">{escape(counts)}</text>', "</svg>"]
    return Markup("".join(parts))


def stacked_chart(
    title: str,
    rows: Sequence[tuple[str | None, Sequence[Decimal]]],
    series: Sequence[str],
    *,
    empty_label: str = "(unknown)",
    no_data: str = "no data",
) -> Markup:
    """Horizontal stacked bars: one bar per row, one colour per series, with a legend that
    wraps onto more lines rather than running past the edge."""
    width = LABEL_W + BAR_W + 110
    legend: list[tuple[float, int]] = []  # (x, line) per series
    x_at, line = 0.0, 0
    for name in series:
        item_w = 14 + len(name) * CHAR_W + 16
        if x_at and x_at + item_w > width:
            x_at, line = 0.0, line + 1
        legend.append((x_at, line))
        x_at += item_w
    legend_h = 20 * (line + 1)
    height = max(1, len(rows)) * ROW + 30 + legend_h
    top = max((float(sum(vals)) for _, vals in rows), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
    ]
    for j, name in enumerate(series):
        x: float = legend[j][0]
        y0 = 24 + 20 * legend[j][1]
        parts.append(
            f'<rect x="{x:.1f}" y="{y0}" width="10" height="10" '
            f'fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14:.1f}" y="{y0 + 9}" class="l">{escape(name)}</text>'
        )
    if not rows:
        parts.append(f'<text x="0" y="{42 + legend_h}" class="m">{escape(no_data)}</text>')
    for i, (label, values) in enumerate(rows):
        y = 28 + legend_h + i * ROW
        text = label if label is not None else empty_label
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end" class="l">'
            f"{escape(_fit(text))}</text>"
        )
        x = float(LABEL_W)
        for j, value in enumerate(values):
            w = BAR_W * float(value) / top
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" '
                f'fill="{PALETTE[j % len(PALETTE)]}"><title>{escape(text)}, '
                f"{escape(series[j])}: {_num(value)}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + 14}" class="v">{_num(sum(values, Decimal(0)))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
