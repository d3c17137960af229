"""Forecasts of new and zero-forecast products in a fill chunk: analogues (``ml.analogues``) with the engine's.

A product of the chunk is new when it is active, in stock (on hand > 0) and launched fewer than
``FORECAST_ANALOGUE_DAYS`` days before the origin; its launch is its creation day, or its first
sale when that came earlier (a catalogue imported after its sales). Analogues are read from the
whole shop, only when the chunk has a new product:

* launched products: created within the history window at least ``FORECAST_ANALOGUE_DAYS`` days
  before the origin, without a sale before their creation; their first weeks' daily units;
* established sellers: sold in the ``ESTABLISHED_DAYS`` days before the last ``FORECAST_ANALOGUE_DAYS``
  days; their units over those last days before the origin.

An older active, in-stock product whose engine forecast totals under ``ZERO_UNITS`` over the horizon
gets its own long-run rate shrunk towards its category's analogue rate (``ml.analogues.shrunk_rate``,
the category worth ``FORECAST_ANALOGUE_DAYS`` days of evidence): never a flat zero where the
category sells.

A product created since the last retrain is not in the served version: the request path's fallback
(``selectors.product_forecast``) gives it, when it is active, in stock, created fewer than
``FORECAST_ANALOGUE_DAYS`` days ago and unsold in the last four weeks, its category's established
sellers' mean (``fallback_analogue``) instead of the seasonal naive's zeros.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

from . import selectors
from .ml.analogues import AnalogueMatch, analogue_demand, blend, shrunk_rate, window_stats
from .ml.hierarchy import interval_columns

logger = logging.getLogger("electroshop.forecasting")

ESTABLISHED_DAYS = 91  # a seller "established" in a category sold in the quarter before the recent weeks
ZERO_UNITS = 0.05  # an engine forecast totalling less over the horizon is a flat zero (a unit in 20 horizons)


def _empty_stats() -> pd.DataFrame:
    return pd.DataFrame({"product_id": pd.Series(dtype="int64"), "mean": pd.Series(dtype=float),
                         "var": pd.Series(dtype=float)})


def _launch_days(summaries: dict[int, dict], first_sale: dict[int, date], origin: date) -> dict[int, int]:
    """product_id -> days from its launch (creation, or an earlier first sale) to the origin (>= 0)."""
    out = {}
    for pid, card in summaries.items():
        days = [timezone.localdate(card["created_at"])] if card.get("created_at") else []
        days += [first_sale[pid]] if pid in first_sale else []
        launched = min(days) if days else origin
        out[pid] = max((origin - launched).days, 0)
    return out


def _listed_days(*, product_ids: list[int], origin: date, history: pd.DataFrame) -> dict[int, int]:
    """product_id -> days from its launch to the origin, for the chunk's active products in stock."""
    stock = get_adapter().stock_levels(product_ids)
    in_stock = [pid for pid, level in stock.items() if level.on_hand > 0]
    summaries = {pid: card for pid, card in get_adapter().product_summaries(in_stock).items() if card["is_active"]}
    sold = history[history["y"] > 0]
    first_sale = {int(pid): d.date() for pid, d in sold.groupby("series_id")["date"].min().items()}
    return _launch_days(summaries, first_sale, origin)


def new_product_ids(*, product_ids: list[int], origin: date, history: pd.DataFrame) -> dict[int, int]:
    """product_id -> days of own history, for the chunk's new products (active, in stock, launched
    fewer than FORECAST_ANALOGUE_DAYS days before the origin)."""
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    if days <= 0:
        return {}
    own = _listed_days(product_ids=product_ids, origin=origin, history=history)
    return {pid: n for pid, n in own.items() if n < days}


def _own_rates(history: pd.DataFrame, listed: dict[int, int], origin: date) -> dict[int, tuple[float, int, float]]:
    """product_id -> (units, days, daily variance) over its listed days within ``history``."""
    out = {}
    frame = history[history["series_id"].isin(list(listed))]
    for pid, n in listed.items():
        days = max(n, 1)
        y = frame.loc[(frame["series_id"] == pid) & (frame["date"] >= pd.Timestamp(origin - timedelta(days=days))),
                      "y"].to_numpy(float)
        days = max(min(days, len(y)), 1) if len(y) else days   # the history window bounds the days listed
        mean = y.sum() / days
        out[pid] = (float(y.sum()), days, max(float((y ** 2).sum()) / days - mean ** 2, 0.0))
    return out


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
    launch = _empty_stats()
    if not launched.empty:
        start = selectors._fallback_window(min(launched["created"]))[1]
        daily = adapter.daily_units_for_products(product_ids=launched["id"].tolist(), until=until, since=start)
        daily = daily.rename(columns={"units": "y"})
        starts = pd.Series(pd.to_datetime(launched["created"]).to_numpy(), index=launched["id"].to_numpy())
        before = daily.merge(starts.rename("start"), left_on="product_id", right_index=True)
        sold_before = set(before.loc[before["date"] < before["start"], "product_id"])  # launched earlier than created
        launch = window_stats(daily, starts.drop(list(sold_before)), days)
    sellers = pool[pool["id"].isin(list(_established_ids(origin)))]
    recent = _recent_stats(sellers["id"].tolist(), origin)
    frame = pool.rename(columns={"id": "product_id", "brand_name": "brand"})[
        ["product_id", "categories", "brand", "price"]]
    frame = frame.merge(launch.rename(columns={"mean": "launch_mean", "var": "launch_var"}), on="product_id",
                        how="left")
    frame = frame.merge(recent.rename(columns={"mean": "recent_mean", "var": "recent_var"}), on="product_id",
                        how="left")
    return frame.astype({"launch_mean": float, "launch_var": float, "recent_mean": float, "recent_var": float}), targets


def _established_ids(origin: date) -> set[int]:
    """Products sold in the ESTABLISHED_DAYS days before the last FORECAST_ANALOGUE_DAYS days before ``origin``."""
    until = selectors._fallback_window(origin)[1] - timedelta(days=int(electroshop_settings.FORECAST_ANALOGUE_DAYS))
    return set(get_adapter().product_revenue(until=until, since=until - timedelta(days=ESTABLISHED_DAYS)))


def _recent_stats(product_ids: list[int], origin: date) -> pd.DataFrame:
    """[product_id, mean, var] of daily units over the last FORECAST_ANALOGUE_DAYS days before ``origin``."""
    if not product_ids:
        return _empty_stats()
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    until = selectors._fallback_window(origin)[1]
    start = until - timedelta(days=days)
    daily = get_adapter().daily_units_for_products(product_ids=product_ids, until=until, since=start)
    return window_stats(daily.rename(columns={"units": "y"}),
                        pd.Series(pd.Timestamp(start.date()), index=list(product_ids)), days)


def fallback_analogue(product_id: int, *, origin: date) -> AnalogueMatch | None:
    """The analogue forecast of a product missing from the served version (created since the retrain):
    its category's established sellers' mean daily units, when it is active, in stock and created fewer
    than FORECAST_ANALOGUE_DAYS days before ``origin``; else None. A handful of queries."""
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    adapter = get_adapter()
    card = adapter.product_summaries([product_id]).get(product_id)
    if (days <= 0 or not card or not card["is_active"] or not card.get("created_at")
            or (origin - timezone.localdate(card["created_at"])).days >= days):
        return None
    level = adapter.stock_levels([product_id]).get(product_id)
    categories = adapter.product_category_ids([product_id]).get(product_id, [])
    if level is None or level.on_hand <= 0 or not categories:
        return None
    established = sorted(_established_ids(origin) - {product_id})
    ancestors = adapter.product_category_ids(established)
    members = [pid for pid in established if set(categories) & set(ancestors.get(pid, ()))]
    if not members:
        return None
    stats = _recent_stats(members, origin)
    pool = pd.DataFrame({"product_id": members, "categories": [tuple(ancestors[pid]) for pid in members],
                         "brand": "", "price": 0.0, "launch_mean": float("nan"), "launch_var": float("nan")})
    pool = pool.merge(stats.rename(columns={"mean": "recent_mean", "var": "recent_var"}), on="product_id", how="left")
    return analogue_demand({"categories": categories, "brand": "", "price": 0.0}, pool)


def apply_analogues(forecasts: pd.DataFrame, *, product_ids: list[int], origin: date, history: pd.DataFrame,
                    history_days: int) -> tuple[pd.DataFrame, dict[int, str]]:
    """The chunk's forecasts with new products' rows blended with their analogues', and established
    active, in-stock products whose engine forecast totals under ``ZERO_UNITS`` over the horizon given
    their own long-run rate shrunk towards their category's (``ml.analogues.shrunk_rate``): mean,
    variance, intervals and model label; and {product_id: label} of the products changed."""
    days = int(electroshop_settings.FORECAST_ANALOGUE_DAYS)
    if days <= 0:
        return forecasts, {}
    listed = _listed_days(product_ids=product_ids, origin=origin, history=history)
    new = {pid: n for pid, n in listed.items() if n < days}
    totals = forecasts.groupby("series_id")["mean"].sum()
    zero = {pid: n for pid, n in listed.items() if n >= days and float(totals.get(pid, 0.0)) < ZERO_UNITS}
    if not new and not zero:
        return forecasts, {}
    pool, targets = _analogue_pool(new={**new, **zero}, origin=origin, history_days=history_days)
    band = float(electroshop_settings.FORECAST_ANALOGUE_PRICE_BAND)
    own_rates = _own_rates(history, {pid: min(n, history_days) for pid, n in zero.items()}, origin)
    labels = {}
    for pid in [*new, *zero]:
        match = analogue_demand(targets[pid], pool, price_band=band) if pid in targets else None
        if match is None and pid in zero and own_rates[pid][0] > 0:
            match = AnalogueMatch(0.0, 0.0, 0, "no category sales")   # its own sales alone
        if match is None:
            continue
        rows = forecasts.index[forecasts["series_id"] == pid]
        if pid in new:
            mean, variance = blend(forecasts.loc[rows, "mean"], forecasts.loc[rows, "variance"], match, new[pid] / days)
            label = f"analogue x{1 - new[pid] / days:.2f}"
        else:  # the engine's (near) zero replaced: its own rate, shrunk towards the category's
            rate, weight = shrunk_rate(*own_rates[pid], match, days)
            mean, variance = np.full(len(rows), rate.mean), np.full(len(rows), rate.variance)
            label = f"category-rate x{weight:.2f}"
        forecasts.loc[rows, "mean"], forecasts.loc[rows, "variance"] = mean, variance
        for name, values in interval_columns(mean, variance).items():
            forecasts.loc[rows, name] = values
        labels[pid] = f"{label} ({match.analogues} products, {match.basis})"[:200]
        forecasts.loc[rows, "model"] = labels[pid]
    if labels:
        logger.info("analogue forecasts for %d new and %d zero-forecast products", len(set(labels) & set(new)),
                    len(set(labels) & set(zero)))
    return forecasts, labels


def fallback_analogue_points(product_id: int, *, origin: date, horizon: int) -> list[dict]:
    """``fallback_analogue`` as the API's points (flat mean, count-distribution intervals); [] if none."""
    match = fallback_analogue(product_id, origin=origin)
    if match is None or match.mean <= 0:
        return []
    bands = {name: float(values[0]) for name, values in interval_columns([match.mean], [match.variance]).items()}
    return [selectors._point(origin + timedelta(days=k), match.mean, bands["lo80"], bands["hi80"], bands["lo95"],
                             bands["hi95"]) for k in range(horizon)]
