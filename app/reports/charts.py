"""Server-side SVG charts for the dashboard: no JavaScript, no external assets.

Every label is escaped; the output is safe to put in a page as Markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

PALETTE = ("#2f6db5", "#e08a2e", "#3a9e5c", "#c4453c", "#7d5ab5", "#8c6d46", "#d46fb1", "#6f7f8f")
ROW = 22
LABEL_W = 190
BAR_W = 320


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
        parts.append('<text x="0" y="42" class="m">no data</text>')
    for i, (label, value) in enumerate(rows):
        y = 28 + i * ROW
        w = max(1.0, BAR_W * float(value) / top) if float(value) > 0 else 0.0
        text = label if label is not None else empty_label
        parts += [
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end" class="l">'
            f"{escape(text[:32])}</text>",
            f'<rect x="{LABEL_W}" y="{y + 2}" width="{w:.1f}" height="{ROW - 6}" fill="{color}">'
            f"<title>{escape(text)}: {_num(value)}</title></rect>",
            f'<text x="{LABEL_W + w + 6:.1f}" y="{y + 14}" class="v">{_num(value)}</text>',
        ]
    if note:
        y = 28 + max(1, len(rows)) * ROW + 14
        parts.append(f'<text x="{LABEL_W}" y="{y}" class="m">{escape(note)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def share_bar(title: str, share: float | None, met: int, missed: int, pending: int) -> Markup:
    """A 100 % bar: met (green) against missed (red), with the share written out."""
    width, height = LABEL_W + BAR_W + 90, 58
    label = "n/a" if share is None else f"{share * 100:.1f} %"
    decided = met + missed
    green = BAR_W * met / decided if decided else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}: {label}">',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
        f'<text x="{LABEL_W - 6}" y="42" text-anchor="end" class="big">{label}</text>',
        f'<rect x="{LABEL_W}" y="28" width="{BAR_W}" height="18" fill="#eee"/>',
    ]
    if decided:
        parts += [
            f'<rect x="{LABEL_W}" y="28" width="{green:.1f}" height="18" fill="{PALETTE[2]}">'
            f"<title>met: {met}</title></rect>",
            f'<rect x="{LABEL_W + green:.1f}" y="28" width="{BAR_W - green:.1f}" height="18" '
            f'fill="{PALETTE[3]}"><title>missed: {missed}</title></rect>',
        ]
    parts += [
        f'<text x="{LABEL_W + BAR_W + 6}" y="42" class="v">{met}/{decided}'
        f"{f' (+{pending} pending)' if pending else ''}</text>",
        "</svg>",
    ]
    return Markup("".join(parts))


def stacked_chart(
    title: str,
    rows: Sequence[tuple[str | None, Sequence[Decimal]]],
    series: Sequence[str],
    *,
    empty_label: str = "(unknown)",
) -> Markup:
    """Horizontal stacked bars: one bar per row, one colour per series, with a legend."""
    legend_h = 20
    height = max(1, len(rows)) * ROW + 30 + legend_h
    width = LABEL_W + BAR_W + 110
    top = max((float(sum(vals)) for _, vals in rows), default=0.0) or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}">',
        f'<text x="0" y="16" class="t">{escape(title)}</text>',
    ]
    for j, name in enumerate(series):
        x: float = LABEL_W + j * 100
        parts.append(
            f'<rect x="{x}" y="24" width="10" height="10" fill="{PALETTE[j % len(PALETTE)]}"/>'
            f'<text x="{x + 14}" y="33" class="l">{escape(name)}</text>'
        )
    if not rows:
        parts.append(f'<text x="0" y="{42 + legend_h}" class="m">no data</text>')
    for i, (label, values) in enumerate(rows):
        y = 28 + legend_h + i * ROW
        text = label if label is not None else empty_label
        parts.append(
            f'<text x="{LABEL_W - 6}" y="{y + 14}" text-anchor="end" class="l">'
            f"{escape(text[:32])}</text>"
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
