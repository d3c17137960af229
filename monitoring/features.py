"""The inputs each model is watched on, read through the shop adapter for one time window.

Each reader returns ``(numeric, categorical)``: feature name -> a sample of numbers (one value per
day of the window, or per order), and feature name -> counts per category. Days are the 24-hour
periods counted back from the window's end, so a window ending mid-day has no partial day.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter
from fraud import selectors as fraud_selectors

Numeric = dict[str, list[float]]
Categorical = dict[str, dict[str, float]]
DAY = pd.Timedelta(days=1)
# Popularity concentration: the share of a day's interactions on its most interacted 1% of products.
HEAD_SHARE = 0.01
SCORE_BIN_WIDTH = 10


def _day_index(times: pd.Series, *, until: datetime) -> np.ndarray:
    """The day of each time, 0 for the last 24 hours before ``until``."""
    return ((pd.Timestamp(until) - times) // DAY).to_numpy(dtype=int)


def _days(since: datetime, until: datetime) -> int:
    return max(int(np.ceil((until - since) / timedelta(days=1))), 1)


def _per_day(days: np.ndarray, n_days: int, weights: np.ndarray | None = None) -> list[float]:
    return np.bincount(days, weights=weights, minlength=n_days)[:n_days].astype(float).tolist()


def _counts(values: pd.Series, weights: pd.Series | None = None) -> dict[str, float]:
    totals = (weights if weights is not None else pd.Series(1.0, index=values.index)).groupby(
        values.fillna("unknown").astype(str)).sum()
    return {key: float(n) for key, n in totals.items() if n > 0}


def _categories(product_ids) -> pd.DataFrame:
    """category_id (as text) and created_at of these products, indexed by product id."""
    products = get_adapter().products_frame(product_ids=sorted({int(pid) for pid in product_ids}))
    products = products.set_index("id")
    return pd.DataFrame({"category": products["category_id"].astype("Int64").astype(str),
                         "created_at": pd.to_datetime(products["created_at"], utc=True)}, index=products.index)


def recommendations(*, since: datetime, until: datetime) -> tuple[Numeric, Categorical]:
    """Daily interaction volume, active customers per day, popularity concentration per day, catalogue
    churn per day (the share of a day's interactions on products created in the MONITORING_CURRENT_DAYS
    before it) and the category mix of interactions."""
    frame = get_adapter().interactions_frame(since=since, until=until)
    n_days = _days(since, until)
    if frame.empty:
        return {}, {}
    frame = frame.assign(day=_day_index(frame["occurred_at"], until=until))
    products = _categories(frame["product_id"].unique())
    frame = frame.join(products, on="product_id")
    fresh_days = pd.Timedelta(days=electroshop_settings.MONITORING_CURRENT_DAYS)
    frame["fresh"] = (frame["occurred_at"] - frame["created_at"]).between(pd.Timedelta(0), fresh_days)
    concentration, churn = [], []
    for _, day in frame.groupby("day"):
        per_product = day["product_id"].value_counts()
        head = max(int(np.ceil(len(per_product) * HEAD_SHARE)), 1)
        concentration.append(float(per_product.iloc[:head].sum() / len(day)))
        churn.append(float(day["fresh"].mean()))
    customers = frame.dropna(subset=["customer_id"]).groupby("day")["customer_id"].nunique()
    numeric = {
        "interactions per day": _per_day(frame["day"].to_numpy(), n_days),
        "active customers per day": [float(customers.get(day, 0)) for day in range(n_days)],
        "popularity concentration": concentration,
        "catalogue churn": churn,
    }
    return numeric, {"category mix": _counts(frame["category"])}


def forecasting(*, since: datetime, until: datetime) -> tuple[Numeric, Categorical]:
    """Units per day of the whole shop and of each of the MONITORING_MAX_CATEGORIES categories that
    sold most, and the category mix of units."""
    frame = get_adapter().daily_units_frame(since=since, until=until)
    if frame.empty:
        return {}, {}
    n_days = _days(since, until)
    dates = pd.to_datetime(frame["date"])
    if dates.dt.tz is None:
        dates = dates.dt.tz_localize("UTC")
    # a date's units are sold during that day: they count on the day holding its end
    frame = frame.assign(day=_day_index(dates + DAY - pd.Timedelta(microseconds=1), until=until))
    frame = frame[(frame["day"] >= 0) & (frame["day"] < n_days)]
    frame = frame.join(_categories(frame["product_id"].unique())[["category"]], on="product_id")
    units = frame["units"].astype(float)
    numeric = {"units per day": _per_day(frame["day"].to_numpy(), n_days, units.to_numpy())}
    top = units.groupby(frame["category"]).sum().nlargest(electroshop_settings.MONITORING_MAX_CATEGORIES)
    for category in top.index:
        mask = (frame["category"] == category).to_numpy()
        numeric[f"units per day, category {category}"] = _per_day(
            frame["day"].to_numpy()[mask], n_days, units.to_numpy()[mask])
    return numeric, {"category mix of units": _counts(frame["category"], units)}


def fraud(*, since: datetime, until: datetime) -> tuple[Numeric, Categorical]:
    """Order amounts, orders per day, the billing-country mix and the served risk scores (10-point bins)."""
    orders = get_adapter().orders_risk_frame(since=since, until=until)
    scores = fraud_selectors.score_counts(since=since, until=until, bin_width=SCORE_BIN_WIDTH)
    categorical: Categorical = {"risk score": {f"{k * SCORE_BIN_WIDTH}-{(k + 1) * SCORE_BIN_WIDTH}": float(n)
                                              for k, n in enumerate(scores) if n}}
    if orders.empty:
        return {}, categorical
    numeric = {"order amount": orders["total"].astype(float).tolist(),
               "orders per day": _per_day(_day_index(orders["created_at"], until=until), _days(since, until))}
    categorical["billing country"] = _counts(orders["billing_country"].replace("", None))
    return numeric, categorical


READERS = {"recommendations": recommendations, "forecasting": forecasting, "fraud": fraud}
