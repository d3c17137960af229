"""Forecast charts: units sold, the forecast with its 80/95% bands and the projected stock; the bias
of issued forecasts (over- and under-forecast bars around zero).

Drawn by the demand model's admin screen (any product or category) and the admin overview (the
whole shop, small).
"""
from datetime import timedelta
from html import escape

import numpy as np
from django.utils.safestring import SafeString, mark_safe

from electroshop.mlops.charts import Band, ChartData, Marker, Series, line_chart
from electroshop.mlops.formatting import format_number
from electroshop.seam import get_adapter, reads

from . import selectors
from .models import CategoryForecast, DemandForecast, ReorderSuggestion

HISTORY_SHOWN_DAYS = 56
FULL_SIZE = (760, 260)


def forecast_chart(*, title: str, history: list[tuple], points: list, suggestion: ReorderSuggestion | None = None,
                   size: tuple[int, int] = FULL_SIZE) -> SafeString:
    """History, forecast mean, 80/95% bands and (for a stocked product) the projected stock."""
    if not points:
        return line_chart(ChartData(title=title, labels=[]))
    origin = points[0].date
    start = origin - timedelta(days=HISTORY_SHOWN_DAYS)
    n_hist, n_fc = HISTORY_SHOWN_DAYS, len(points)
    labels = [(start + timedelta(days=i)).strftime("%m-%d") for i in range(n_hist + n_fc)]
    sold = [0.0] * n_hist
    for day, units in history:
        index = (day - start).days
        if 0 <= index < n_hist:
            sold[index] += float(units)
    pad = [None] * n_hist
    mean = [p.mean for p in points]
    series = [Series("units sold", sold + [None] * n_fc), Series("forecast", pad + mean, color="#2563eb", dashed=True)]
    bands = [Band("95% interval", pad + [p.lo95 for p in points], pad + [p.hi95 for p in points], color="#bfdbfe"),
             Band("80% interval", pad + [p.lo80 for p in points], pad + [p.hi80 for p in points], color="#93c5fd")]
    markers = [Marker("origin", n_hist, color="#4b5563")]
    if suggestion is not None:
        # everything on order drawn arriving with the next delivery (the stock-out date itself uses each one)
        arrival = ((suggestion.next_arrival_on - origin).days if suggestion.next_arrival_on
                   else suggestion.lead_time_days)
        used = np.cumsum(mean)
        stock = [suggestion.on_hand + (suggestion.on_order if k >= arrival else 0) - float(used[k])
                 for k in range(n_fc)]
        series.append(Series("projected stock", pad + stock, color="#16a34a"))
        if suggestion.stockout_date is not None:
            index = n_hist + (suggestion.stockout_date - origin).days
            markers.append(Marker(f"stock-out {suggestion.stockout_date}", index))
    return line_chart(ChartData(title=title, labels=labels, series=series, bands=bands, markers=markers),
                      width=size[0], height=size[1])


def product_chart(*, version_id: int, product_id: int, sku: str):
    points = list(DemandForecast.objects.filter(model_version_id=version_id, product_id=product_id).order_by("date"))
    if not points:
        return None
    suggestion = ReorderSuggestion.objects.filter(model_version_id=version_id, product_id=product_id).first()
    until = selectors._fallback_window(points[0].date)[1]
    history = get_adapter().recent_daily_units(since=until - timedelta(days=HISTORY_SHOWN_DAYS), until=until,
                                      product_id=product_id)
    return forecast_chart(title=f"{sku}: demand and projected stock", history=history, points=points,
                          suggestion=suggestion)


def category_chart(*, version_id: int, category_id: int, title: str, size: tuple[int, int] = FULL_SIZE):
    points = list(CategoryForecast.objects.filter(model_version_id=version_id, category_id=category_id)
                  .order_by("date"))
    if not points:
        return None
    until = selectors._fallback_window(points[0].date)[1]
    subtree = None if category_id == selectors.TOTAL_CATEGORY_ID else reads.category_subtree_ids(category_id)
    history = get_adapter().recent_daily_units(since=until - timedelta(days=HISTORY_SHOWN_DAYS), until=until,
                                      category_ids=subtree)
    return forecast_chart(title=title, history=history, points=points, size=size)


OVER, UNDER = "#ea580c", "#2563eb"


def bias_chart(*, title: str, rows: list[dict], width: int = 760) -> SafeString:
    """Horizontal bars of ``bias_percent`` around zero (right, orange: over-forecast; left, blue:
    under-forecast), one per row with its name; rows without actual units are left out."""
    rows = [r for r in rows if r.get("bias_percent") is not None]
    if not rows:
        return mark_safe(f'<p class="chart-empty">{escape(title)}: no issued forecast with actual sales yet.</p>')
    label_w, bar_h, top = 220, 18, 28
    height = top + bar_h * len(rows) + 24
    span = max(abs(r["bias_percent"]) for r in rows) or 1.0
    plot_w = width - label_w - 100  # room for the value written past each bar's end
    zero = label_w + 50 + plot_w / 2
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" style="max-width:{width}px;font:11px sans-serif">'
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="16" font-weight="bold" font-size="13">{escape(title)}</text>',
             f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top - 4}" y2="{height - 20}" stroke="#4b5563"/>']
    for i, row in enumerate(rows):
        value = float(row["bias_percent"])
        y = top + i * bar_h
        w = plot_w / 2 * abs(value) / span
        x = zero if value >= 0 else zero - w
        name = str(row.get("sku") or row.get("name") or row["id"])[:34]
        text = (f'{format_number(value, digits=3)}% ({format_number(row["bias_units"])} units, '
                f'{format_number(row["actual_units"])} sold)')
        parts.append(f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" fill="#374151">{escape(name)}</text>'
                     f'<rect x="{x:.1f}" y="{y + 3}" width="{max(w, 1):.1f}" height="{bar_h - 6}" '
                     f'fill="{OVER if value >= 0 else UNDER}"><title>{escape(name)}: {escape(text)}</title></rect>'
                     f'<text x="{(x + w + 4) if value >= 0 else (x - 4):.1f}" y="{y + 12}" '
                     f'text-anchor="{"start" if value >= 0 else "end"}" fill="#374151">'
                     f"{format_number(value, digits=2)}%</text>")
    parts.append(f'<text x="{zero:.1f}" y="{height - 6}" text-anchor="middle" fill="#4b5563">'
                 f"under-forecast &#8592; 0 &#8594; over-forecast</text></svg>")
    return mark_safe("".join(parts))
