"""Forecasts of new products by analogy: what similar products sold in their first weeks.

A product with little history of its own (fewer than ``days`` days since its launch) gets the mean
daily demand of its analogues over THEIR first ``days`` days after launch: products of the same
category (subcategories included) and brand with a price within ``price_band`` of its own; with
too few of those, the same category and brand, then the same category and price band, then any
launched product of the category (a tier whose launches sold nothing is skipped); with none, the
category's established sellers over the recent ``days`` days ("the category"). A category without
any that sold walks up to its parent. The variance is that
of the analogues' daily units (law of total variance: the mean within-product variance plus the
variance between the analogues' means).

The forecast is blended with the engine's as the product's own history accumulates: weight
``w = own days / days`` on the engine (a mixture of the two predictive distributions).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["window_stats", "analogue_demand", "blend", "shrunk_rate", "AnalogueMatch"]


@dataclass(frozen=True)
class AnalogueMatch:
    mean: float
    variance: float
    analogues: int
    basis: str  # e.g. "launch: category 4, brand, price band", "recent: category 1"


def window_stats(daily: pd.DataFrame, starts: pd.Series, days: int) -> pd.DataFrame:
    """Mean and variance of each product's daily units over ``[start, start + days)``.

    daily: [product_id, date, y] (a day without a row sold nothing); starts: product_id -> Timestamp.
    Returns [product_id, mean, var] for every product of ``starts``."""
    starts = pd.to_datetime(starts)
    if daily.empty:
        sums = pd.DataFrame(columns=["s1", "s2"], dtype=float)
    else:
        frame = daily.merge(starts.rename("start"), left_on="product_id", right_index=True)
        offset = (frame["date"] - frame["start"]).dt.days
        frame = frame[(offset >= 0) & (offset < days)].assign(y2=lambda f: f["y"].astype(float) ** 2)
        sums = frame.groupby("product_id").agg(s1=("y", "sum"), s2=("y2", "sum"))
    sums = sums.reindex(starts.index).fillna(0.0)
    mean = sums["s1"] / days
    var = np.clip(sums["s2"] / days - mean ** 2, 0.0, None)
    return pd.DataFrame({"product_id": starts.index.to_numpy(), "mean": mean.to_numpy(float),
                         "var": var.to_numpy(float)})


def _combine(means: np.ndarray, variances: np.ndarray) -> tuple[float, float]:
    return float(means.mean()), float(variances.mean() + means.var())


def analogue_demand(target: dict, pool: pd.DataFrame, *, price_band: float = 0.5, min_analogues: int = 3,
                    ) -> AnalogueMatch | None:
    """The analogue forecast of one product, or None when no category it belongs to has any.

    target: {categories: [category id, then each ancestor's], brand, price}.
    pool: one row per candidate: product_id, categories (list, as for the target), brand, price,
    launch_mean / launch_var (its first weeks; NaN if its launch is not observed), recent_mean /
    recent_var (the recent weeks; NaN if it is not an established seller). The target itself must
    not be in the pool."""
    price = float(target.get("price") or 0.0)
    low, high = price / (1 + price_band), price * (1 + price_band)
    brand = target.get("brand") or ""
    for category in target.get("categories") or []:
        members = pool[pool["categories"].map(lambda cats, c=category: c in cats)]
        if members.empty:
            continue
        launched = members[np.isfinite(members["launch_mean"].to_numpy(float))]
        same_brand = (launched["brand"] == brand) & (brand != "")
        in_band = (launched["price"] >= low) & (launched["price"] <= high) & (price > 0)
        tiers = [(same_brand & in_band, "brand, price band", min_analogues),
                 (same_brand, "brand", min_analogues),
                 (in_band, "price band", min_analogues),
                 (pd.Series(True, index=launched.index), "", 1)]
        for mask, label, needed in tiers:
            chosen = launched[mask]
            if len(chosen) >= needed:
                mean, variance = _combine(chosen["launch_mean"].to_numpy(float), chosen["launch_var"].to_numpy(float))
                if mean > 0:  # launches that sold nothing say nothing: try a wider tier, then the sellers
                    basis = f"launch: category {category}" + (f", {label}" if label else "")
                    return AnalogueMatch(mean, variance, len(chosen), basis)
        sellers = members[np.isfinite(members["recent_mean"].to_numpy(float))]
        if len(sellers):
            mean, variance = _combine(sellers["recent_mean"].to_numpy(float), sellers["recent_var"].to_numpy(float))
            if mean > 0:
                return AnalogueMatch(mean, variance, len(sellers), f"recent: category {category}")
    return None


def blend(mean, variance, analogue: AnalogueMatch, weight: float) -> tuple[np.ndarray, np.ndarray]:
    """Mixture of the engine's forecast (weight ``weight``) and the analogue's flat daily forecast."""
    w = float(np.clip(weight, 0.0, 1.0))
    m_e, v_e = np.asarray(mean, dtype=float), np.asarray(variance, dtype=float)
    m = w * m_e + (1 - w) * analogue.mean
    v = w * v_e + (1 - w) * analogue.variance + w * (1 - w) * (m_e - analogue.mean) ** 2
    return m, v


def shrunk_rate(units: float, days: float, daily_variance: float, category: AnalogueMatch,
                prior_days: float) -> tuple[AnalogueMatch, float]:
    """(the mixture of a product's own long-run daily rate and its category's, the category's weight).

    ``units`` sold over ``days`` listed; the category counts as ``prior_days`` days of evidence
    (a gamma-Poisson prior), so the mean is (units + prior_days x category mean) / (days + prior_days):
    a product unsold for a year gets a small non-zero rate, one that sold a few units about its own."""
    days = max(float(days), 1.0)
    w = prior_days / (days + prior_days)   # the category's weight
    own = AnalogueMatch(units / days, max(float(daily_variance), units / days), 1, "own")
    m = (1 - w) * own.mean + w * category.mean
    v = (1 - w) * own.variance + w * category.variance + w * (1 - w) * (own.mean - category.mean) ** 2
    return AnalogueMatch(m, v, category.analogues, category.basis), w
