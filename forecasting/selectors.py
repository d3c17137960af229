"""Reads of the forecasting app: demand history for training, and what the API and admin show.

Demand history
    Units per product per day from order lines of orders that are not cancelled or refunded
    (the shop adapter, ``electroshop.seam``), plus a ``censored`` flag for days on which the product was
    out of stock. Out-of-stock days come from this app's ``StockSnapshot`` log (filled when the shop
    saves a Stock row whose on_hand reaches 0, and by the daily ``forecasting.snapshot_stock`` task):
    their sales are a lower bound of demand, so the engine does not learn them (NaN), instead of
    learning "zero demand". Per category (rolled up to every ancestor) and in total (id 0) too.

Request path
    One or two queries on the cached tables of the active version; no model computation. A product
    or category with nothing cached gets a seasonal-naive forecast from its last weeks of daily units
    (one query), marked ``"source": "fallback"`` (an unsold new product: its category's analogue,
    ``new_products.fallback_analogue``). A product's points also go through the Django
    cache (a version's rows never change), so a warm product read is one cache round trip.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from django.core.cache import cache
from django.db.models import Case, Count, Sum, When
from django.utils import timezone

from electroshop.cache import CacheBatch, cache_get
from electroshop.conf import electroshop_settings
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.selectors import active_version_id, active_version_key, last_seen_version_id
from electroshop.seam import get_adapter, reads

from .ml.intervals import quantile_intervals
from .models import (
    CategoryForecast,
    DemandForecast,
    LostSales,
    ReorderSuggestion,
    ServiceLevelTarget,
    StockAlert,
    StockSnapshot,
)

APP, KIND = "forecasting", "demand"
TOTAL_CATEGORY_ID = 0  # the whole shop in CategoryForecast and the categories endpoint
ALERT_ORDER = (StockAlert.Kind.STOCKOUT_RISK, StockAlert.Kind.OVERSTOCK, StockAlert.Kind.DEAD_STOCK)
FALLBACK_WEEKS = 4
SEASON = 7


def current_version_id(*, prefetched: CacheBatch | None = None) -> int | None:
    return active_version_id(app=APP, kind=KIND, prefetched=prefetched)


# --- demand history ------------------------------------------------------------------------------------

def censored_days(*, product_ids, since: date, until: date) -> pd.DataFrame:
    """[product_id, date] of days in ``[since, until)`` on which the product was out of stock."""
    rows = StockSnapshot.objects.filter(
        product_id__in=list(product_ids), date__gte=since, date__lt=until, out_of_stock=True
    ).values_list("product_id", "date")
    frame = pd.DataFrame.from_records(list(rows), columns=["product_id", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"product_id": "int64"})


def demand_history(*, product_ids, until: datetime, since: datetime) -> pd.DataFrame:
    """Daily demand of these products in ``[since, until)``.

    Columns: product_id, date (midnight), units, revenue, censored (bool). Days with neither a sale
    nor a stock-out are absent (zero demand); a censored day without sales has units 0.
    """
    ids = list(product_ids)
    sales = get_adapter().daily_units_for_products(product_ids=ids, until=until, since=since)
    sales["censored"] = False
    out = censored_days(product_ids=ids, since=timezone.localdate(since), until=timezone.localdate(until))
    if not out.empty:
        keys = sales.set_index(["product_id", "date"]).index
        flagged = pd.MultiIndex.from_frame(out[["product_id", "date"]])
        sales["censored"] = keys.isin(flagged)
        extra = out[~flagged.isin(keys)].assign(units=0, revenue=0.0, censored=True)
        sales = pd.concat([sales, extra[sales.columns]], ignore_index=True)
    return (sales.astype({"product_id": "int64", "units": "int64", "censored": "bool"})
            .sort_values(["product_id", "date"]).reset_index(drop=True))


def category_demand_history(*, until: datetime, since: datetime) -> pd.DataFrame:
    """Daily units per category, each category including its subcategories, and for the whole shop
    (category_id 0). Columns: category_id, date, units. Not censored: an aggregate keeps selling."""
    daily = get_adapter().daily_units_frame(until=until, since=since)
    if daily.empty:
        return pd.DataFrame({"category_id": pd.Series(dtype="int64"), "date": pd.Series(dtype="datetime64[ns]"),
                             "units": pd.Series(dtype="int64")})
    ancestors = get_adapter().product_category_ids(daily["product_id"].unique().tolist())
    pairs = [(pid, cid) for pid, cids in ancestors.items() for cid in cids]
    pairs += [(pid, TOTAL_CATEGORY_ID) for pid in daily["product_id"].unique()]
    mapping = pd.DataFrame(pairs, columns=["product_id", "category_id"])
    rolled = daily.merge(mapping, on="product_id").groupby(["category_id", "date"], as_index=False)["units"].sum()
    return rolled.astype({"category_id": "int64", "units": "int64"})


def service_levels(product_ids) -> dict[int, float]:
    """product_id -> target service level: its own row, else its nearest category's, else the default."""
    default = float(electroshop_settings.FORECAST_SERVICE_LEVEL)
    ids = list(product_ids)
    by_product, by_category = {}, {}
    for product_id, category_id, level in ServiceLevelTarget.objects.values_list("product_id", "category_id",
                                                                                   "service_level"):
        if product_id is not None:
            by_product[product_id] = level
        elif category_id is not None:
            by_category[category_id] = level
    ancestors = get_adapter().product_category_ids(ids) if by_category else {}
    out = {}
    for product_id in ids:
        level = by_product.get(product_id)
        if level is None:
            level = next((by_category[c] for c in ancestors.get(product_id, []) if c in by_category), default)
        out[product_id] = float(level)
    return out


# --- request path -------------------------------------------------------------------------------------

@dataclass
class ForecastAnswer:
    source: str  # model | fallback
    model_version: int | None
    origin: date
    points: list[dict] = field(default_factory=list)


def _version_info_key(version_id: int) -> str:
    return f"fc:version-info:{version_id}"


def version_info(version_id: int | None, *, prefetched: CacheBatch | None = None) -> tuple[int | None, date | None]:
    """(version number, forecast origin) of a version id; cached: neither ever changes."""
    if version_id is None:
        return None, None
    key = _version_info_key(version_id)
    info = cache_get(key, prefetched)
    if info is None:
        row = ModelVersion.objects.filter(pk=version_id).values_list("version", "parameters").first()
        origin = (row[1] or {}).get("origin") if row else None
        info = (row[0] if row else None, date.fromisoformat(origin) if origin else None)
        cache.set(key, info, 24 * 3600)
    return info


def version_number(version_id: int | None) -> int | None:
    return version_info(version_id)[0]


def _point(day: date, mean: float, lo80: float, hi80: float, lo95: float, hi95: float) -> dict:
    return {"date": day.isoformat(), "mean": round(mean, 4), "lo80": round(lo80, 4), "hi80": round(hi80, 4),
            "lo95": round(lo95, 4), "hi95": round(hi95, 4)}


def _cached_points(queryset, horizon: int) -> tuple[date | None, list[dict]]:
    rows = list(queryset.order_by("date").values_list("date", "mean", "lo80", "hi80", "lo95", "hi95")[:horizon])
    if not rows:
        return None, []
    return rows[0][0], [_point(*row) for row in rows]


def seasonal_naive_points(history: list[tuple], *, origin: date, horizon: int) -> list[dict]:
    """Seasonal naive (same weekday last week) with the engine's whole-unit count quantiles.

    ``history``: [(date, units)] of days with sales in the ``FALLBACK_WEEKS`` weeks before origin.
    A day's variance is what the same weeks' weekday-on-weekday differences measure (half their mean
    square: a difference of two days has twice a day's variance), growing with the weeks ahead like
    the naive's error, and never below the mean (counts are over-dispersed, not under); the bands are
    ``ml.intervals.quantile_intervals`` of that (mean, variance), as the engine's are.
    """
    days = FALLBACK_WEEKS * SEASON
    start = origin - timedelta(days=days)
    y = np.zeros(days)
    for day, units in history:
        day = day.date() if isinstance(day, datetime) else day
        index = (day - start).days
        if 0 <= index < days:
            y[index] += float(units)
    errors = y[SEASON:] - y[:-SEASON]
    daily_variance = float(np.mean(errors ** 2)) / 2 if errors.size else 0.0
    steps = np.arange(horizon)
    mean = y[days - SEASON + steps % SEASON]
    variance = np.maximum(daily_variance * (steps // SEASON + 1), mean)
    bands = quantile_intervals(mean, variance)
    return [_point(origin + timedelta(days=int(h)), float(mean[h]), float(bands["lo80"][h]), float(bands["hi80"][h]),
                   float(bands["lo95"][h]), float(bands["hi95"][h])) for h in steps]


def _fallback_window(origin: date) -> tuple[datetime, datetime]:
    until = timezone.make_aware(datetime.combine(origin, time.min))
    return until - timedelta(days=FALLBACK_WEEKS * SEASON), until


def _product_points_key(version_id: int, product_id: int) -> str:
    return f"fc:product-points:{version_id}:{product_id}"


def _product_points(version_id: int, product_id: int, *, prefetched: CacheBatch) -> tuple[date | None, list[dict]]:
    """(origin, every cached point) of one product in one version; through the cache, else one query."""
    key = _product_points_key(version_id, product_id)
    cached = prefetched.get(key)
    if cached is None:
        cached = _cached_points(DemandForecast.objects.filter(model_version_id=version_id, product_id=product_id),
                                int(electroshop_settings.FORECAST_HORIZON_DAYS))
        cache.set(key, cached, electroshop_settings.SELECTOR_CACHE_SECONDS)
    return cached


def product_forecast(*, product_id: int, horizon: int) -> ForecastAnswer:
    """The active version's forecast for one product (cached; one query on a miss), else a seasonal-naive
    fallback. Warm: one cache round trip (pointer, points and version number of the version read last)."""
    keys = [active_version_key(app=APP, kind=KIND)]
    guess = last_seen_version_id(app=APP, kind=KIND)
    if guess is not None:
        keys += [_product_points_key(guess, product_id), _version_info_key(guess)]
    found = CacheBatch(keys)
    version_id = current_version_id(prefetched=found)
    if version_id is not None:
        origin, points = _product_points(version_id, product_id, prefetched=found)
        if points:
            return ForecastAnswer("model", version_info(version_id, prefetched=found)[0], origin, points[:horizon])
    origin = timezone.localdate()
    since, until = _fallback_window(origin)
    history = get_adapter().recent_daily_units(since=since, until=until, product_id=product_id)
    if not history:  # unsold: a product created since the retrain gets its category's analogue (new_products)
        from .new_products import fallback_analogue_points

        points = fallback_analogue_points(product_id, origin=origin, horizon=horizon)
        if points:
            return ForecastAnswer("fallback", None, origin, points)
    return ForecastAnswer("fallback", None, origin, seasonal_naive_points(history, origin=origin, horizon=horizon))


def category_forecast(*, category_id: int, horizon: int) -> ForecastAnswer:
    """The active version's forecast for a category (0 = whole shop), else a seasonal-naive fallback."""
    version_id = current_version_id()
    if version_id is not None:
        origin, points = _cached_points(
            CategoryForecast.objects.filter(model_version_id=version_id, category_id=category_id), horizon)
        if points:
            return ForecastAnswer("model", version_number(version_id), origin, points)
    origin = timezone.localdate()
    since, until = _fallback_window(origin)
    subtree = None if category_id == TOTAL_CATEGORY_ID else (reads.category_subtree_ids(category_id) or [category_id])
    history = get_adapter().recent_daily_units(since=since, until=until, category_ids=subtree)
    return ForecastAnswer("fallback", None, origin, seasonal_naive_points(history, origin=origin, horizon=horizon))


SUGGESTION_FIELDS = (
    "product_id", "sku", "name", "supplier", "origin", "on_hand", "on_order", "lead_time_days", "pack_size",
    "minimum_order_quantity", "service_level", "daily_demand", "safety_stock", "reorder_point", "order_up_to",
    "suggested_quantity", "reorder_now", "stockout_date", "days_of_cover", "urgency", "abc_class", "xyz_class",
    "demand_class", "lead_time_std_days", "lead_time_demand", "inventory_position", "unit_price", "next_arrival_on",
    "needs_attention", "reason",
)


def _suggestion_dict(row: dict) -> dict:
    out = dict(row)
    out["urgency"] = ReorderSuggestion._meta.get_field("urgency").choices[row["urgency"]][1]
    for key in ("daily_demand", "safety_stock", "reorder_point", "order_up_to", "days_of_cover", "lead_time_demand",
                "inventory_position", "unit_price"):
        if out[key] is not None:
            out[key] = round(out[key], 3)
    return out


def reorder_suggestions(*, abc: str | None = None, xyz: str | None = None, urgency: int | None = None,
                        reorder_only: bool = False, everything: bool = False, limit: int = 100, offset: int = 0,
                        ) -> tuple[int | None, date | None, int, list[dict]]:
    """(version number, origin, total count, page) of the active version, most urgent first: the products
    that need attention, or with ``everything`` the whole stocked catalogue. Two queries."""
    version_id = current_version_id()
    if version_id is None:
        return None, None, 0, []
    queryset = ReorderSuggestion.objects.filter(model_version_id=version_id)
    if not everything:
        queryset = queryset.filter(needs_attention=True)
    if abc:
        queryset = queryset.filter(abc_class=abc)
    if xyz:
        queryset = queryset.filter(xyz_class=xyz)
    if urgency is not None:
        queryset = queryset.filter(urgency__gte=urgency)
    if reorder_only:
        queryset = queryset.filter(suggested_quantity__gt=0)
    count = queryset.count()
    rows = queryset.order_by("-urgency", "stockout_date", "sku").values(*SUGGESTION_FIELDS)[offset:offset + limit]
    number, origin = version_info(version_id)
    return number, origin, count, [_suggestion_dict(row) for row in rows]


def stockout_risks(*, within_days: int, limit: int = 100) -> tuple[int | None, date | None, list[dict]]:
    """(version number, origin, rows): products of the active version projected to run out within
    ``within_days`` days of the forecast origin (day 0 = origin), soonest first. One query."""
    version_id = current_version_id()
    if version_id is None:
        return None, None, []
    number, origin = version_info(version_id)
    queryset = _stockout_risk_queryset(version_id, origin, within_days)
    rows = queryset.order_by("stockout_date", "-urgency", "sku").values(*SUGGESTION_FIELDS)[:limit]
    return number, origin, [_suggestion_dict(row) for row in rows]


def _stockout_risk_queryset(version_id: int, origin: date | None, within_days: int):
    queryset = ReorderSuggestion.objects.filter(model_version_id=version_id, stockout_date__isnull=False)
    if origin is not None:
        queryset = queryset.filter(stockout_date__lt=origin + timedelta(days=within_days))
    return queryset


def stockout_risk_count(*, within_days: int) -> int:
    """How many products ``stockout_risks`` would list (no limit). One query."""
    version_id = current_version_id()
    if version_id is None:
        return 0
    return _stockout_risk_queryset(version_id, version_info(version_id)[1], within_days).count()


def stock_alerts(*, limit: int) -> list[StockAlert]:
    """The active version's alerts, the most urgent kind first (stock-out risks, then overstock, dead stock)."""
    version_id = current_version_id()
    if version_id is None:
        return []
    urgency = Case(*(When(kind=kind, then=rank) for rank, kind in enumerate(ALERT_ORDER)), default=len(ALERT_ORDER))
    return list(StockAlert.objects.filter(model_version_id=version_id)
                .order_by(urgency, "stockout_date", "sku")[:limit])


def stock_alert_counts() -> dict[str, int]:
    """Alerts of the active version by kind (``StockAlert.Kind`` values). One query."""
    version_id = current_version_id()
    if version_id is None:
        return {}
    return dict(StockAlert.objects.filter(model_version_id=version_id).order_by()
                .values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))


# --- lost sales ---------------------------------------------------------------------------------------

def _lost_sales(version_id: int, origin: date | None, days: int):
    rows = LostSales.objects.filter(model_version_id=version_id)
    return rows.filter(date__gte=origin - timedelta(days=days)) if origin is not None else rows


def lost_sales_totals(*, days: int, limit: int = 100, offset: int = 0,
                      ) -> tuple[int | None, date | None, int, list[dict]]:
    """(version number, origin, products, page): per product the units and revenue estimated lost on
    its stock-out days of the ``days`` before the active version's origin, the largest revenue first."""
    version_id = current_version_id()
    if version_id is None:
        return None, None, 0, []
    number, origin = version_info(version_id)
    rows = (_lost_sales(version_id, origin, days).order_by().values("product_id", "sku")
            .annotate(lost_units=Sum("lost_units"), lost_revenue=Sum("lost_revenue"), stockout_days=Count("pk")))
    count = rows.count()
    page = rows.order_by("-lost_revenue", "sku")[offset:offset + limit]
    return number, origin, count, [{**row, "lost_units": round(row["lost_units"], 2),
                                    "lost_revenue": round(row["lost_revenue"], 2)} for row in page]


def lost_sales_by_day(*, days: int) -> list[tuple[date, float, float]]:
    """[(date, lost units, lost revenue)] of the active version's last ``days`` before its origin."""
    version_id = current_version_id()
    if version_id is None:
        return []
    return list(_lost_sales(version_id, version_info(version_id)[1], days).order_by("date").values("date")
                .annotate(units=Sum("lost_units"), revenue=Sum("lost_revenue"))
                .values_list("date", "units", "revenue"))
