"""Small server-rendered SVG charts for admin screens: no JavaScript library, no CDN.

``line_chart`` draws one or more series over shared x labels, with an optional shaded band (for
forecast intervals) and vertical markers (for a stock-out date); ``bar_chart`` draws one bar per
label (methods side by side, a histogram with threshold markers); ``sparkline`` a small trend line
for the overview. The output is a ``SafeString`` holding accessible SVG (``role="img"`` and a
title), ready for a template. Axis values are written like every other admin number.
"""
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .formatting import format_number, format_percent

PALETTE = ("#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#4b5563")


@dataclass
class Series:
    name: str
    values: Sequence[float | None]
    color: str | None = None
    dashed: bool = False


@dataclass
class Band:
    name: str
    low: Sequence[float | None]
    high: Sequence[float | None]
    color: str = "#93c5fd"


@dataclass
class Marker:
    label: str
    index: float  # a position on the x axis, in labels (bars: a bar's left edge)
    color: str = "#dc2626"


@dataclass
class BarData:
    title: str
    labels: Sequence[str]
    values: Sequence[float | None]
    colors: Sequence[str] | None = None  # one per bar; default the first palette colour
    markers: list[Marker] = field(default_factory=list)  # at a bar's left edge (index == len: the right end)


@dataclass
class ChartData:
    title: str
    labels: Sequence[str]
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    percent: bool = False  # values are shares: the axis reads 25%, not 0.25


def _finite(values) -> list[float]:
    return [float(v) for v in values if v is not None]


def _legend_rows(items: list[tuple[str, str]], *, start: float, end: float) -> list[list[tuple[float, str, str]]]:
    """Legend entries (x, name, colour) in as many rows as the width needs."""
    rows: list[list[tuple[float, str, str]]] = [[]]
    x = start
    for name, color in items:
        size = 24 + 6.5 * len(name)
        if rows[-1] and x + size > end:
            rows.append([])
            x = start
        rows[-1].append((x, name, color))
        x += size
    return rows


def line_chart(chart: ChartData, *, width: int = 760, height: int = 260) -> SafeString:
    legend = _legend_rows(
        [(s.name, s.color or PALETTE[k % len(PALETTE)]) for k, s in enumerate(chart.series)]
        + [(b.name, b.color) for b in chart.bands], start=56, end=width - 16)
    left, right, top, bottom = 56, 16, 28, 28 + 14 * len(legend)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(chart.labels)
    every = _finite(v for s in chart.series for v in s.values) + _finite(
        v for b in chart.bands for v in list(b.low) + list(b.high)
    )
    if n == 0 or not every:
        return mark_safe(f'<p class="chart-empty">{escape(chart.title)}: no data yet.</p>')
    y_min, y_max = min(0.0, min(every)), max(every)
    if y_max == y_min:
        y_max = y_min + 1.0

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)  # a single point in the middle

    def y(v: float) -> float:
        return top + plot_h - (plot_h * (v - y_min) / (y_max - y_min))

    parts = _svg_open(chart.title, width, height)
    parts.append(f'<text x="{left}" y="16" font-weight="bold" font-size="13">{escape(chart.title)}</text>')
    # percent labels: enough decimals that the grid's five labels differ (a 0-2% axis reads 0.5%, 1.0%...)
    gap = (y_max - y_min) * 100 / 4
    decimals = 0 if gap >= 1 or gap <= 0 else min(3, -math.floor(math.log10(gap)))
    for k in range(5):  # horizontal grid with value labels
        value = y_min + (y_max - y_min) * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e5e7eb"/>')
        label = format_percent(value, decimals=decimals) if chart.percent else format_number(value, digits=2)
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#374151">{label}</text>')
    step = max(1, n // 8)
    for i in range(0, n, step):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" fill="#374151">'
                     f"{escape(str(chart.labels[i]))}</text>")
    for band in chart.bands:
        upper = [(x(i), y(float(v))) for i, v in enumerate(band.high) if v is not None]
        lower = [(x(i), y(float(v))) for i, v in enumerate(band.low) if v is not None]
        if upper and lower:
            points = " ".join(f"{px:.1f},{py:.1f}" for px, py in upper + lower[::-1])
            parts.append(f'<polygon points="{points}" fill="{band.color}" fill-opacity="0.35" stroke="none">'
                         f"<title>{escape(band.name)}</title></polygon>")
    for k, series in enumerate(chart.series):
        color = series.color or PALETTE[k % len(PALETTE)]
        segments, current = [], []
        for i, v in enumerate(series.values):
            if v is None:
                if current:
                    segments.append(current)
                current = []
            else:
                current.append(f"{x(i):.1f},{y(float(v)):.1f}")
        if current:
            segments.append(current)
        dash = ' stroke-dasharray="5,4"' if series.dashed else ""
        for seg in segments:
            if len(seg) == 1:
                cx, cy = seg[0].split(",")
                parts.append(f'<circle cx="{cx}" cy="{cy}" r="3" fill="{color}"/>')
            else:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
    for marker in chart.markers:
        if 0 <= marker.index < n:
            mx = x(marker.index)
            parts.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{marker.color}" '
                         f'stroke-dasharray="3,3"/><text x="{mx + 4:.1f}" y="{top + 12}" fill="{marker.color}">'
                         f"{escape(marker.label)}</text>")
    for row, entries in enumerate(legend):
        ly = height - 14 * (len(legend) - row)
        for lx, name, color in entries:
            parts.append(f'<rect x="{lx:.0f}" y="{ly}" width="10" height="10" fill="{color}"/>'
                         f'<text x="{lx + 14:.0f}" y="{ly + 9}" fill="#111827">{escape(name)}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _svg_open(title: str, width: int, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-label="{escape(title)}" style="max-width:{width}px;font:11px sans-serif">',
            f"<title>{escape(title)}</title>"]


def bar_chart(chart: BarData, *, width: int = 760, height: int = 240) -> SafeString:
    left, right, top, bottom = 56, 16, 28, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [0.0 if v is None else float(v) for v in chart.values]
    if not values or max(values) <= 0:
        return mark_safe(f'<p class="chart-empty">{escape(chart.title)}: no data yet.</p>')
    top_value, slot = max(values), plot_w / len(values)

    def y(v: float) -> float:
        return top + plot_h - plot_h * v / top_value

    parts = _svg_open(chart.title, width, height)
    parts.append(f'<text x="{left}" y="16" font-weight="bold" font-size="13">{escape(chart.title)}</text>')
    for k in range(5):
        value = top_value * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#e5e7eb"/><text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#374151">'
                     f"{format_number(value, digits=2)}</text>")
    step = max(1, len(values) // 12)
    for i, (label, value) in enumerate(zip(chart.labels, values)):
        color = chart.colors[i] if chart.colors else PALETTE[0]
        x = left + i * slot
        parts.append(f'<rect x="{x + slot * 0.1:.1f}" y="{y(value):.1f}" width="{slot * 0.8:.1f}" '
                     f'height="{top + plot_h - y(value):.1f}" fill="{color}"><title>{escape(str(label))}: '
                     f"{format_number(value)}</title></rect>")
        if i % step == 0:
            parts.append(f'<text x="{x + slot / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'fill="#374151">{escape(str(label))}</text>')
    for marker in chart.markers:
        mx = left + marker.index * slot
        parts.append(f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top}" y2="{top + plot_h}" stroke="{marker.color}" '
                     f'stroke-dasharray="3,3"/><text x="{mx + 4:.1f}" y="{top + 12}" fill="{marker.color}">'
                     f"{escape(marker.label)}</text>")
    parts.append("</svg>")
    return mark_safe("".join(parts))


def sparkline(values: Sequence[float | None], *, title: str, width: int = 180, height: int = 40) -> SafeString:
    """A small trend line (last point marked) for the overview; the title is its tooltip and label."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return mark_safe("")
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0
    last = len(values) - 1

    def xy(i: int, v: float) -> tuple[float, float]:
        return 4 + (width - 8) * i / max(last, 1), height - 4 - (height - 8) * (v - low) / span

    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in points))
    end_x, end_y = xy(*points[-1])
    parts = _svg_open(title, width, height)
    parts.append(f'<polyline points="{line}" fill="none" stroke="{PALETTE[0]}" stroke-width="2"/>'
                 f'<circle cx="{end_x:.1f}" cy="{end_y:.1f}" r="3" fill="{PALETTE[0]}"/></svg>')
    return mark_safe("".join(parts))
