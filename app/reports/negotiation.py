"""JSON or CSV: `?format=` wins, otherwise the Accept header's preference."""

from __future__ import annotations

from fastapi import Response

CSV_TYPE = "text/csv; charset=utf-8"


def _quality(accept: str, media: str) -> float:
    best = 0.0
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        kind = parts[0].lower()
        q = 1.0
        for p in parts[1:]:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        main_type = media.split("/")[0]
        if kind == media:
            return q
        if kind in (f"{main_type}/*", "*/*"):
            best = max(best, q * 0.99)  # a wildcard loses a tie against an exact match
    return best


def wants_csv(format: str | None, accept: str | None) -> bool:
    if format is not None:
        return format == "csv"
    if not accept:
        return False
    return _quality(accept, "text/csv") > _quality(accept, "application/json")


def csv_response(body: str, name: str) -> Response:
    return Response(
        body,
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
