"""Inline SVG charts for the HTML brief: no script, no external reference, every label escaped.

Each chart scales to its container (``viewBox`` + ``width: 100%``) so it reads at phone width.
Numbers are formatted with fixed decimals so the same facts give the same bytes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["bar_chart", "scatter_chart", "history_chart"]

_BAR = "#2b6cb0"
_ALERT = "#c53030"
_MUTED = "#a0aec0"
_INK = "#1a202c"
_GRID = "#e2e8f0"


def _n(value: float) -> str:
    return f"{value:.1f}"


def _svg_open(width: int, height: int, label: str, kind: str = "") -> str:
    return (
        f'<svg class="chart{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>"
    )


def bar_chart(rows: Sequence[Mapping[str, Any]], label: str) -> str:
    """Horizontal bars, one per ``{name, count}`` row, label above each bar.

    Labels sit on their own line so long offense names never get cut at phone width.
    """
    width, row_h, top = 340, 40, 6
    height = top + row_h * max(len(rows), 1) + 4
    most = max((int(r["count"]) for r in rows), default=0) or 1
    track = width - 44
    parts = [_svg_open(width, height, label, " bars")]
    for i, row in enumerate(rows):
        y = top + i * row_h
        bar_w = max(track * int(row["count"]) / most, 2.0)
        parts.append(
            f'<text x="0" y="{_n(y + 13)}" font-size="14" fill="{_INK}">{escape(str(row["name"]))}'
            "</text>"
            f'<rect class="bar" x="0" y="{_n(y + 19)}" width="{_n(bar_w)}" height="15" rx="2" '
            f'fill="{_BAR}"><title>{escape(str(row["name"]))}: {int(row["count"])}</title></rect>'
            f'<text x="{_n(bar_w + 6)}" y="{_n(y + 32)}" font-size="14" font-weight="bold" '
            f'fill="{_INK}">{int(row["count"])}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def scatter_chart(points: Sequence[Mapping[str, Any]], label: str) -> str:
    """Incident coordinates, longitude scaled by cos(latitude) so distances look right.

    Weapons incidents are drawn in red. The axes carry the coordinate range.
    """
    width, height, strip = 400, 300, 20  # strip: room under the plot for the lng labels
    box_h = height - strip
    parts = [_svg_open(width, height, label)]
    parts.append(
        f'<rect x="0.5" y="0.5" width="{width - 1}" height="{box_h - 1}" '
        f'fill="#f7fafc" stroke="{_GRID}"/>'
    )
    if not points:
        parts.append(
            f'<text x="{width // 2}" y="{box_h // 2}" text-anchor="middle" font-size="16" '
            f'fill="{_INK}">No coordinates in this window</text></svg>'
        )
        return "".join(parts)
    lats = [float(p["lat"]) for p in points]
    lngs = [float(p["lng"]) for p in points]
    lat0, lat1, lng0, lng1 = min(lats), max(lats), min(lngs), max(lngs)
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = max((lng1 - lng0) * kx, 1e-6)
    span_y = max(lat1 - lat0, 1e-6)
    # Inset: 12 px on the sides, 24 px at top and bottom for the lat labels.
    inner_w, inner_h = width - 24, box_h - 48
    scale = min(inner_w / span_x, inner_h / span_y)
    off_x = 12 + (inner_w - span_x * scale) / 2
    off_y = 24 + (inner_h - span_y * scale) / 2
    # Draw plain points first so red (weapons) points stay visible on top.
    for p in sorted(points, key=lambda q: bool(q.get("weapons"))):
        x = off_x + (float(p["lng"]) - lng0) * kx * scale
        y = off_y + (lat1 - float(p["lat"])) * scale
        color = _ALERT if p.get("weapons") else _BAR
        parts.append(
            f'<circle class="point" cx="{_n(x)}" cy="{_n(y)}" r="5" fill="{color}" '
            f'fill-opacity="0.7" stroke="#fff" stroke-width="1">'
            f"<title>{escape(str(p['type']))}</title></circle>"
        )
    parts.append(
        f'<text x="0" y="{height - 5}" font-size="12" fill="{_INK}">lng {lng0:.3f}</text>'
        f'<text x="{width}" y="{height - 5}" font-size="12" text-anchor="end" '
        f'fill="{_INK}">lng {lng1:.3f}</text>'
        f'<text x="6" y="16" font-size="12" fill="{_INK}">lat {lat1:.3f}</text>'
        f'<text x="6" y="{box_h - 7}" font-size="12" fill="{_INK}">lat {lat0:.3f}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def history_chart(bars: Sequence[tuple[str, int | None, bool]], label: str) -> str:
    """Vertical bars per window, oldest first: ``(label, count or None, is_current)``.

    A window without a trustworthy count is drawn as a hatched grey stub marked "n/a", never
    as zero.
    """
    width, height, base = 400, 170, 140
    n = max(len(bars), 1)
    slot = width / n
    most = max((c for _, c, _ in bars if c is not None), default=0) or 1
    parts = [_svg_open(width, height, label)]
    parts.append(
        f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="{_GRID}" stroke-width="2"/>'
    )
    for i, (name, count, current) in enumerate(bars):
        x = i * slot + slot * 0.15
        w = slot * 0.7
        cx = i * slot + slot / 2
        if count is None:
            parts.append(
                f'<rect class="bar missing" x="{_n(x)}" y="{base - 20}" width="{_n(w)}" '
                f'height="20" fill="none" stroke="{_MUTED}" stroke-dasharray="4 3"/>'
                f'<text x="{_n(cx)}" y="{base - 26}" font-size="13" text-anchor="middle" '
                f'fill="{_MUTED}">n/a</text>'
            )
        else:
            h = max((base - 30) * count / most, 2.0)
            parts.append(
                f'<rect class="bar" x="{_n(x)}" y="{_n(base - h)}" width="{_n(w)}" '
                f'height="{_n(h)}" fill="{_ALERT if current else _BAR}"/>'
                f'<text x="{_n(cx)}" y="{_n(base - h - 6)}" font-size="13" text-anchor="middle" '
                f'font-weight="bold" fill="{_INK}">{count}</text>'
            )
        parts.append(
            f'<text x="{_n(cx)}" y="{base + 20}" font-size="12" text-anchor="middle" '
            f'fill="{_INK}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
