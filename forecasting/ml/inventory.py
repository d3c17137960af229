"""Inventory advice from a demand forecast: pure arithmetic, no I/O.

Conventions (documented choices):

* **Stock-out date**: the first forecast day on which cumulative forecast demand exceeds the
  stock available that day. Available stock = on hand, plus stock on order *from its arrival
  day on*. When the arrival day of the open order is unknown it is assumed to arrive at the end
  of the lead time (``start + lead_time_days``): the pessimistic end of "within lead time", so a
  stock-out before the delivery is reported rather than hidden by stock that is not there yet.
* **Reorder point** = expected demand over the lead time + safety stock. Safety stock =
  z(service level) × σ_LT, where σ_LT = sqrt(Σ σ_d²) over the lead-time days and each daily σ_d is
  read off the forecast's 95% interval under a normal approximation
  (σ_d = (hi95 − lo95) / (2 × 1.96)); daily errors are treated as independent. Default service
  level 95% (z ≈ 1.645, one-sided).
* **Suggested order** covers lead time + review period: order-up-to level
  S = demand(L + R) + z σ_(L+R); quantity = S − inventory position (on hand + on order), when
  positive, then raised to the minimum order quantity and rounded *up* to a whole number of
  packs. ``reorder_now`` says whether the position has reached the reorder point.
* **Overstock**: inventory position above S plus ``overstock_days`` of forecast demand.
  **Dead stock**: stock on hand, no sale for ``dead_days`` days and (almost) no forecast demand.
* **ABC** by revenue share (A: the items making the first 80%, B: next 15%, C: last 5%).
  **XYZ** by coefficient of variation of per-period demand (X ≤ 0.5 < Y ≤ 1.0 < Z).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from statistics import NormalDist

import numpy as np
import pandas as pd

__all__ = ["service_level_z", "sigma_from_interval", "projected_stockout_date", "reorder_point",
           "round_order_quantity", "ReorderAdvice", "reorder_advice", "abc_classes", "xyz_classes"]


def service_level_z(service_level: float) -> float:
    """One-sided normal quantile for a cycle service level in (0, 1)."""
    if not 0 < service_level < 1:
        raise ValueError("service_level must be in (0, 1)")
    return NormalDist().inv_cdf(service_level)


def sigma_from_interval(lo, hi, level: float = 0.95) -> np.ndarray:
    """Per-day standard deviation implied by a central prediction interval (normal approx.)."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return np.clip((np.asarray(hi, float) - np.asarray(lo, float)) / (2 * z), 0.0, None)


def projected_stockout_date(*, on_hand: float, daily_forecast, start: date, on_order: float = 0.0,
                            on_order_arrival: date | None = None, lead_time_days: int = 0) -> date | None:
    """First day (``start`` = day 0 of ``daily_forecast``) whose cumulative demand exceeds the
    available stock, or None if the stock lasts the whole forecast."""
    f = np.clip(np.asarray(daily_forecast, dtype=float), 0, None)
    if f.size == 0:
        return None
    arrival = on_order_arrival if on_order_arrival is not None else start + timedelta(days=int(lead_time_days))
    arrival_idx = (arrival - start).days
    days = np.arange(f.size)
    available = on_hand + np.where(days >= arrival_idx, on_order, 0.0)
    short = np.flatnonzero(np.cumsum(f) > available + 1e-9)
    return start + timedelta(days=int(short[0])) if short.size else None


def _horizon_stats(mean, sigma, days: int) -> tuple[float, float]:
    """Expected demand and σ over the first ``days`` days; beyond the forecast the last day is
    repeated (keeps the arithmetic defined for lead times longer than the horizon)."""
    mean = np.clip(np.asarray(mean, float), 0, None)
    sigma = np.asarray(sigma, float)
    if days <= 0 or mean.size == 0:
        return 0.0, 0.0
    if days > mean.size:
        mean = np.concatenate([mean, np.repeat(mean[-1], days - mean.size)])
        sigma = np.concatenate([sigma, np.repeat(sigma[-1], days - sigma.size)])
    return float(mean[:days].sum()), float(math.sqrt(np.sum(sigma[:days] ** 2)))


def reorder_point(*, mean, sigma, lead_time_days: int, service_level: float = 0.95) -> tuple[float, float]:
    """(reorder point, safety stock) for the lead time."""
    d, s = _horizon_stats(mean, sigma, lead_time_days)
    safety = service_level_z(service_level) * s
    return d + safety, safety


def round_order_quantity(quantity: float, *, pack_size: int = 1, min_order: int = 0) -> int:
    """0 when nothing is needed; else at least ``min_order``, rounded up to whole packs."""
    if quantity <= 0:
        return 0
    q = max(quantity, min_order)
    pack = max(int(pack_size), 1)
    return int(math.ceil(q / pack - 1e-9) * pack)


@dataclass
class ReorderAdvice:
    stockout_date: date | None
    lead_time_demand: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    inventory_position: float
    reorder_now: bool
    suggested_order_qty: int
    days_of_cover: float | None
    overstock: bool
    dead_stock: bool

    def as_dict(self) -> dict:
        return asdict(self)


def reorder_advice(*, on_hand: float, mean, lo95=None, hi95=None, sigma=None, start: date,
                   on_order: float = 0.0, on_order_arrival: date | None = None, lead_time_days: int = 7,
                   review_days: int = 7, service_level: float = 0.95, pack_size: int = 1,
                   min_order: int = 0, overstock_days: int = 90, days_since_last_sale: int | None = None,
                   dead_days: int = 90) -> ReorderAdvice:
    """All inventory figures for one product from its daily forecast (``mean`` and either the
    95% interval bounds or per-day ``sigma``)."""
    mean = np.clip(np.asarray(mean, float), 0, None)
    if sigma is None:
        if lo95 is None or hi95 is None:
            sigma = np.zeros_like(mean)
        else:
            sigma = sigma_from_interval(lo95, hi95, 0.95)
    z = service_level_z(service_level)
    lt_demand, lt_sigma = _horizon_stats(mean, sigma, lead_time_days)
    safety = z * lt_sigma
    rop = lt_demand + safety
    cover_demand, cover_sigma = _horizon_stats(mean, sigma, lead_time_days + review_days)
    order_up_to = cover_demand + z * cover_sigma
    position = on_hand + on_order
    qty = round_order_quantity(order_up_to - position, pack_size=pack_size, min_order=min_order)
    daily = float(mean.mean()) if mean.size else 0.0
    cover = position / daily if daily > 0 else None
    over_demand, _ = _horizon_stats(mean, sigma, lead_time_days + review_days + overstock_days)
    overstock = position > order_up_to + (over_demand - cover_demand)
    dead = (on_hand > 0 and days_since_last_sale is not None and days_since_last_sale >= dead_days
            and float(mean.sum()) < 1.0)
    stockout = projected_stockout_date(on_hand=on_hand, daily_forecast=mean, start=start,
                                       on_order=on_order, on_order_arrival=on_order_arrival,
                                       lead_time_days=lead_time_days)
    return ReorderAdvice(stockout_date=stockout, lead_time_demand=lt_demand, safety_stock=safety,
                         reorder_point=rop, order_up_to=order_up_to, inventory_position=position,
                         reorder_now=position <= rop, suggested_order_qty=qty, days_of_cover=cover,
                         overstock=bool(overstock), dead_stock=bool(dead))


def abc_classes(revenue: pd.Series, *, a: float = 0.80, b: float = 0.15) -> pd.Series:
    """A / B / C per item: sorted by revenue, an item belongs to the class in which the
    cumulative share *before* it falls (so the item crossing 80% is still A)."""
    r = revenue.clip(lower=0).sort_values(ascending=False, kind="stable")
    total = r.sum()
    if total <= 0:
        return pd.Series("C", index=revenue.index)
    before = (r.cumsum() - r) / total
    eps = 1e-9   # 0.80 + 0.15 is not exactly 0.95 in floating point
    cls = np.where(before < a - eps, "A", np.where(before < a + b - eps, "B", "C"))
    return pd.Series(cls, index=r.index).reindex(revenue.index)


def xyz_classes(demand: pd.DataFrame, *, x: float = 0.5, y: float = 1.0) -> pd.Series:
    """X / Y / Z per item from the coefficient of variation of per-period demand.

    ``demand``: one row per item, one column per period (zeros included). Items with no
    demand at all are Z."""
    m = demand.mean(axis=1)
    sd = demand.std(axis=1, ddof=0)
    cv = (sd / m.where(m > 0)).fillna(np.inf)
    return pd.Series(np.where(cv <= x, "X", np.where(cv <= y, "Y", "Z")), index=demand.index)
