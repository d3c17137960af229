"""Forecast charts: units sold, the forecast with its 80/95% bands and the projected stock.

Drawn by the demand model's admin screen (any product or category) and the admin overview (the
whole shop, small).
"""
from datetime import timedelta

import numpy as np
from django.utils.safestring import SafeString

from electroshop.mlops.charts import Band, ChartData, Marker, Series, line_chart
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
