"""Forecasts of new products in a fill chunk: analogues (``ml.analogues``) blended with the engine's.

A product of the chunk is new when it is active, in stock (on hand > 0) and launched fewer than
``FORECAST_ANALOGUE_DAYS`` days before the origin; its launch is its creation day, or its first
sale when that came earlier (a catalogue imported after its sales). Analogues are read from the
whole shop, only when the chunk has a new product:

* launched products: created within the history window at least ``FORECAST_ANALOGUE_DAYS`` days
  before the origin, without a sale before their creation; their first weeks' daily units;
* established sellers: sold in the history window before the last ``FORECAST_ANALOGUE_DAYS`` days;
  their units over those last days before the origin.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import pandas as pd
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

from . import selectors
from .ml.analogues import analogue_demand, blend, window_stats
from .ml.hierarchy import interval_columns, variance_of

logger = logging.getLogger("electroshop.forecasting")


def _launch_days(summaries: dict[int, dict], first_sale: dict[int, date], origin: date) -> dict[int, int]:
    """product_id -> days from its launch (creation, or an earlier first sale) to the origin (>= 0)."""
    out = {}
    for pid, card in summaries.items():
        days = [timezone.localdate(card["created_at"])] if card.get("created_at") else []
        days += [first_sale[pid]] if pid in first_sale else []
        launched = min(days) if days else origin
        out[pid] = max((origin - launched).days, 0)
    return out


def new_product_ids(*, product_ids: list[int], origin: date, history: pd.DataFrame) -> dict[int, int]:
    """product_id -> days of own history, for the chunk's new products (active, in stock, launched
    fewer than FORECAST_ANALOGUE_DAYS days before the origin)."""
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    if days <= 0:
        return {}
    stock = get_adapter().stock_levels(product_ids)
    in_stock = [pid for pid, level in stock.items() if level.on_hand > 0]
    summaries = {pid: card for pid, card in get_adapter().product_summaries(in_stock).items() if card["is_active"]}
    sold = history[history["y"] > 0]
    first_sale = {int(pid): d.date() for pid, d in sold.groupby("series_id")["date"].min().items()}
    own = _launch_days(summaries, first_sale, origin)
    return {pid: n for pid, n in own.items() if n < days}


def _analogue_pool(*, new: dict[int, int], origin: date, history_days: int) -> tuple[pd.DataFrame, dict]:
    """(pool of candidate analogues, the new products' catalogue rows keyed by id)."""
    adapter = get_adapter()
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    catalogue = adapter.products_frame()
    ancestors = adapter.product_category_ids(catalogue["id"].tolist())
    catalogue["categories"] = catalogue["id"].map(lambda pid: tuple(ancestors.get(pid, ())))
    catalogue["created"] = catalogue["created_at"].dt.tz_convert(timezone.get_current_timezone()).dt.date
    targets = {int(r.id): {"categories": list(r.categories), "brand": r.brand_name, "price": float(r.price)}
               for r in catalogue[catalogue["id"].isin(list(new))].itertuples()}
    wanted = {c for t in targets.values() for c in t["categories"]}
    pool = catalogue[~catalogue["id"].isin(list(new)) & catalogue["categories"].map(lambda cs: bool(wanted & set(cs)))]
    until = selectors._fallback_window(origin)[1]
    since = until - timedelta(days=history_days)
    last_launch = origin - timedelta(days=days)
    launched = pool[(pool["created"] > since.date()) & (pool["created"] <= last_launch)]
    launch = pd.DataFrame(columns=["product_id", "mean", "var"])
    if not launched.empty:
        start = selectors._fallback_window(min(launched["created"]))[1]
        daily = adapter.daily_units_for_products(product_ids=launched["id"].tolist(), until=until, since=start)
        daily = daily.rename(columns={"units": "y"})
        starts = pd.Series(pd.to_datetime(launched["created"]).to_numpy(), index=launched["id"].to_numpy())
        before = daily.merge(starts.rename("start"), left_on="product_id", right_index=True)
        sold_before = set(before.loc[before["date"] < before["start"], "product_id"])  # launched earlier than created
        launch = window_stats(daily, starts.drop(list(sold_before)), days)
    established = set(adapter.product_revenue(until=until - timedelta(days=days), since=since))
    sellers = pool[pool["id"].isin(list(established))]
    recent = pd.DataFrame(columns=["product_id", "mean", "var"])
    if not sellers.empty:
        start = until - timedelta(days=days)
        daily = adapter.daily_units_for_products(product_ids=sellers["id"].tolist(), until=until, since=start)
        recent = window_stats(daily.rename(columns={"units": "y"}),
                              pd.Series(pd.Timestamp(start.date()), index=sellers["id"].to_numpy()), days)
    frame = pool.rename(columns={"id": "product_id", "brand_name": "brand"})[
        ["product_id", "categories", "brand", "price"]]
    frame = frame.merge(launch.rename(columns={"mean": "launch_mean", "var": "launch_var"}), on="product_id",
                        how="left")
    frame = frame.merge(recent.rename(columns={"mean": "recent_mean", "var": "recent_var"}), on="product_id",
                        how="left")
    return frame.astype({"launch_mean": float, "launch_var": float, "recent_mean": float, "recent_var": float}), targets


def apply_analogues(forecasts: pd.DataFrame, *, product_ids: list[int], origin: date, history: pd.DataFrame,
                    history_days: int) -> tuple[pd.DataFrame, dict[int, str]]:
    """The chunk's forecasts with new products' rows blended with their analogues' (mean, variance,
    intervals and model label), and {product_id: label} of the products changed. Adds a ``variance``
    column (``ml.hierarchy.variance_of``) when the engine gave none."""
    forecasts = forecasts.assign(variance=variance_of(forecasts))
    new = new_product_ids(product_ids=product_ids, origin=origin, history=history)
    if not new:
        return forecasts, {}
    pool, targets = _analogue_pool(new=new, origin=origin, history_days=history_days)
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    band = float(electroshop_settings.FORECAST_ANALOGUE_PRICE_BAND)
    labels = {}
    for pid, own in new.items():
        match = analogue_demand(targets.get(pid, {}), pool, price_band=band) if pid in targets else None
        if match is None:
            continue
        rows = forecasts.index[forecasts["series_id"] == pid]
        mean, variance = blend(forecasts.loc[rows, "mean"], forecasts.loc[rows, "variance"], match, own / days)
        forecasts.loc[rows, "mean"], forecasts.loc[rows, "variance"] = mean, variance
        for name, values in interval_columns(mean, variance).items():
            forecasts.loc[rows, name] = values
        labels[pid] = f"analogue x{1 - own / days:.2f} ({match.analogues} products, {match.basis})"[:200]
        forecasts.loc[rows, "model"] = labels[pid]
    if labels:
        logger.info("analogue forecasts for %d new products", len(labels))
    return forecasts, labels

