"""Issued forecasts and how they did: bias per product and category, and the override report.

At each activation the finaliser records the first ``FORECAST_ISSUED_DAYS`` days of every product's
forecast in ``IssuedForecast`` (one row per product and day: a newer origin overwrites an older
one, never the reverse), with the served mean and the model's mean before any override. Rows older
than ``FORECAST_ISSUED_KEEP_DAYS`` days are pruned.

A day has an actual once the shop has orders on or after it: the reports end at the last day with
an order (before today). Actual units are the shop's demand (cancelled and refunded orders excluded;
a day without a sale is 0).
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

from . import selectors
from .hierarchy import aggregate_members
from .models import IssuedForecast

BULK_BATCH = 5000
LEVELS = ("product", "category")


# --- writes ---------------------------------------------------------------------------------------------

def record_issued_forecasts(*, forecasts: pd.DataFrame, origin: date) -> int:
    """Upsert the first FORECAST_ISSUED_DAYS days of ``forecasts`` [product_id, date, mean, model_mean]
    (model_mean NaN: not overridden) issued at ``origin``; rows of a newer origin are kept."""
    days = int(electroshop_settings.FORECAST_ISSUED_DAYS)
    first = forecasts[forecasts["date"] < pd.Timestamp(origin + timedelta(days=days))]
    if first.empty or days <= 0:
        return 0
    newer = set(IssuedForecast.objects.filter(date__gte=origin, date__lt=origin + timedelta(days=days),
                                              origin__gt=origin).values_list("product_id", "date"))
    overridden = first["model_mean"].notna().to_numpy()
    model_mean = np.where(overridden, first["model_mean"].to_numpy(float), first["mean"].to_numpy(float))
    rows = [IssuedForecast(product_id=int(pid), date=day.date(), origin=origin, mean=float(mean),
                           model_mean=float(mm), overridden=bool(flag))
            for pid, day, mean, mm, flag in zip(first["product_id"], first["date"], first["mean"], model_mean,
                                                overridden)
            if (int(pid), day.date()) not in newer]
    with transaction.atomic():
        IssuedForecast.objects.bulk_create(rows, batch_size=BULK_BATCH, update_conflicts=True,
                                           unique_fields=["product_id", "date"],
                                           update_fields=["origin", "mean", "model_mean", "overridden"])
    return len(rows)


def prune_issued_forecasts(*, today: date | None = None) -> int:
    today = today or timezone.localdate()
    keep = int(electroshop_settings.FORECAST_ISSUED_KEEP_DAYS)
    return IssuedForecast.objects.filter(date__lt=today - timedelta(days=keep)).delete()[0]


# --- reads ----------------------------------------------------------------------------------------------

def last_actual_day(*, until: date | None = None, lookback_days: int | None = None) -> date | None:
    """The last day before ``until`` (default today) with an order in the shop, within the lookback."""
    until = until or timezone.localdate()
    lookback = lookback_days or int(electroshop_settings.FORECAST_ISSUED_KEEP_DAYS)
    since, end = selectors._fallback_window(until)[1] - timedelta(days=lookback), selectors._fallback_window(until)[1]
    days = [d for d, units in get_adapter().recent_daily_units(since=since, until=end) if units]
    return max(days) if days else None


def issued_with_actuals(*, start: date, end: date, overridden_only: bool = False) -> pd.DataFrame:
    """[product_id, date, mean, model_mean, overridden, actual] for the issued days in ``[start, end)``.
    Days a product was out of stock are left out: their sales say nothing of the demand the forecast meant."""
    queryset = IssuedForecast.objects.filter(date__gte=start, date__lt=end)
    if overridden_only:
        queryset = queryset.filter(overridden=True)
    columns = ["product_id", "date", "mean", "model_mean", "overridden"]
    frame = pd.DataFrame.from_records(list(queryset.order_by().values_list(*columns)), columns=columns)
    if frame.empty:
        return frame.assign(actual=pd.Series(dtype=float))
    frame["date"] = pd.to_datetime(frame["date"])
    censored = selectors.censored_days(product_ids=frame["product_id"].unique().tolist(), since=start, until=end)
    if not censored.empty:
        hit = frame.merge(censored.assign(_censored=True), on=["product_id", "date"], how="left")["_censored"]
        frame = frame[hit.isna().to_numpy()].reset_index(drop=True)
        if frame.empty:
            return frame.assign(actual=pd.Series(dtype=float))
    window = selectors._fallback_window(end)[1]
    # the shop's daily units in the window (no list of ids: the window is short, the catalogue may be long)
    sales = get_adapter().daily_units_frame(until=window, since=window - timedelta(days=(end - start).days))
    sales = sales.rename(columns={"units": "actual"})[["product_id", "date", "actual"]]
    merged = frame.merge(sales, on=["product_id", "date"], how="left").fillna({"actual": 0.0})
    return merged.astype({"actual": float, "mean": float, "model_mean": float})


def _window(weeks: int, until: date | None) -> tuple[date, date] | None:
    lookback = max(7 * weeks, int(electroshop_settings.FORECAST_ISSUED_KEEP_DAYS))
    last = last_actual_day(until=until, lookback_days=lookback)
    if last is None:
        return None
    end = last + timedelta(days=1)
    return end - timedelta(weeks=weeks), end


def _bias_row(issued: float, actual: float, days: int) -> dict:
    bias = issued - actual
    return {"issued_units": round(issued, 3), "actual_units": round(actual, 3), "bias_units": round(bias, 3),
            "bias_percent": round(100 * bias / actual, 2) if actual > 0 else None, "days": int(days)}


def issued_bias(*, weeks: int | None = None, until: date | None = None) -> tuple[dict, pd.DataFrame]:
    """(window description, issued rows with actuals) of the last ``weeks`` weeks with actuals."""
    weeks = int(weeks or electroshop_settings.FORECAST_BIAS_WEEKS)
    window = _window(weeks, until)
    head = {"weeks": weeks, "start": None, "end": None}
    if window is None:
        return head, pd.DataFrame()
    start, end = window
    head.update(start=start.isoformat(), end=(end - timedelta(days=1)).isoformat())
    return head, issued_with_actuals(start=start, end=end)


def bias_rows(frame: pd.DataFrame, *, level: str, limit: int) -> tuple[int, list[dict]]:
    """(count, rows) of ``issued_bias``'s frame per product or per category (with subcategories, rolled up
    to ancestors; 0 = the whole shop): sum(issued - actual) in units and as a percentage of actual units,
    the largest bias in units first."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    if frame.empty:
        return 0, []
    if level == "category":
        members = aggregate_members(sorted(frame["product_id"].unique().tolist()))
        frame = frame.merge(members, on="product_id").rename(columns={"aggregate_id": "key"})
    else:
        frame = frame.rename(columns={"product_id": "key"})
    sums = frame.groupby("key").agg(issued=("mean", "sum"), actual=("actual", "sum"), days=("date", "nunique"))
    sums = sums.assign(size=(sums["issued"] - sums["actual"]).abs()).sort_values(["size"], ascending=False)
    top = sums.head(limit)
    names = _names(level, [int(k) for k in top.index])
    return len(sums), [{"id": int(k), **names.get(int(k), {}), **_bias_row(r.issued, r.actual, r.days)}
                       for k, r in top.iterrows()]


def forecast_bias(*, level: str = "product", weeks: int | None = None, until: date | None = None,
                  limit: int = 100) -> dict:
    """The bias of the issued forecasts over the last ``weeks`` weeks with actuals (default
    FORECAST_BIAS_WEEKS), per product or per category (``bias_rows``): the API's body."""
    head, frame = issued_bias(weeks=weeks, until=until)
    count, rows = bias_rows(frame, level=level, limit=limit)
    return {"level": level, **head, "count": count, "results": rows}


def _names(level: str, ids: list[int]) -> dict[int, dict]:
    if level == "product":
        return {pid: {"sku": card["sku"], "name": card["name"]}
                for pid, card in get_adapter().product_summaries(ids).items()}
    return {cid: {"name": name} for cid, name in category_names(ids).items()}


def category_names(category_ids: list[int]) -> dict[int, str]:
    """category id -> "Parent/Child" path (0: "whole shop"), from the products' category paths."""
    out = {selectors.TOTAL_CATEGORY_ID: "whole shop"}
    wanted = set(category_ids) - set(out)
    if not wanted:
        return out
    catalogue = get_adapter().products_frame()[["id", "category_path"]]
    ancestors = get_adapter().product_category_ids(catalogue["id"].tolist())
    for pid, path in zip(catalogue["id"], catalogue["category_path"]):
        parts = str(path).split("/") if path else []
        for k, cid in enumerate(ancestors.get(int(pid), [])):
            if cid in wanted and cid not in out and len(parts) > k:
                out[cid] = "/".join(parts[:len(parts) - k])
        if wanted <= set(out):
            break
    return out


def override_report(*, until: date | None = None, weeks: int | None = None) -> dict:
    """The overridden product-days with actuals (the last ``weeks`` weeks, default
    FORECAST_ISSUED_KEEP_DAYS days): WAPE and bias of the model's mean and of the served (overridden)
    mean against actual units, and n (product-days)."""
    days = 7 * weeks if weeks else int(electroshop_settings.FORECAST_ISSUED_KEEP_DAYS)
    last = last_actual_day(until=until, lookback_days=days)
    empty = {"n": 0, "products": 0, "actual_units": 0.0, "model": None, "override": None, "start": None, "end": None}
    if last is None:
        return empty
    end = last + timedelta(days=1)
    frame = issued_with_actuals(start=end - timedelta(days=days), end=end, overridden_only=True)
    if frame.empty:
        return empty
    actual = frame["actual"].to_numpy(float)

    def scores(forecast: np.ndarray) -> dict:
        total = float(actual.sum())
        return {"wape": round(float(np.abs(forecast - actual).sum() / total), 4) if total > 0 else None,
                "bias_units": round(float((forecast - actual).sum()), 3),
                "bias_percent": round(100 * float((forecast - actual).sum()) / total, 2) if total > 0 else None}

    return {"n": int(len(frame)), "products": int(frame["product_id"].nunique()),
            "actual_units": round(float(actual.sum()), 3), "start": frame["date"].min().date().isoformat(),
            "end": frame["date"].max().date().isoformat(),
            "model": scores(frame["model_mean"].to_numpy(float)), "override": scores(frame["mean"].to_numpy(float))}
