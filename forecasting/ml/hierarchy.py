"""Coherent forecasts of aggregates (categories, the whole shop) from their products' forecasts.

Bottom-up reconciliation: an aggregate's daily mean is the sum of its products' means, so a category
forecast always equals the sum of the product forecasts it contains (after overrides and analogue
forecasts). Its predictive variance is the sum of the products' variances (independent products)
times a scale ``k >= 1`` that stands for the covariance between products (common shocks: traffic,
weather, a campaign): ``Var(sum) = sum(Var) + covariance`` with ``covariance = (k - 1) * sum(Var)``.
``k`` is estimated per aggregate from the products' backtest forecasts of the last horizon before the
origin (``covariance_scales``): the squared residuals of the aggregate over the summed variances,
floored at 1 (independence is kept where it does not under-cover). Quantiles of the aggregate
come from the shared count distribution (``distribution.demand_quantile``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .intervals import quantile_intervals

__all__ = ["variance_of", "interval_columns", "roll_up", "covariance_scales"]

MAX_SCALE = 100.0


def variance_of(frame: pd.DataFrame) -> np.ndarray:
    """The frame's ``variance`` column (the engine's predictive variance; every production frame
    carries it), clipped at zero. A frame without it is a caller's error (KeyError)."""
    return np.clip(pd.to_numeric(frame["variance"], errors="coerce").to_numpy(float), 0.0, None)


def interval_columns(mean, variance) -> dict[str, np.ndarray]:
    """lo80, hi80, lo95, hi95 of the count distribution: the engine's intervals
    (``intervals.quantile_intervals``), so a summed, blended or overridden forecast has bands of the
    same kind as the engine's own."""
    return quantile_intervals(np.clip(np.asarray(mean, dtype=float), 0.0, None), np.asarray(variance, dtype=float))


def roll_up(forecasts: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Sum product forecasts into aggregates.

    forecasts: [product_id, date, mean, variance]; members: [product_id, aggregate_id] (a product in
    as many aggregates as it belongs to: its category, each ancestor, the whole shop).
    Returns [aggregate_id, date, mean, variance, products]."""
    merged = forecasts[["product_id", "date", "mean", "variance"]].merge(members, on="product_id")
    out = merged.groupby(["aggregate_id", "date"], as_index=False).agg(
        mean=("mean", "sum"), variance=("variance", "sum"), products=("product_id", "size"))
    return out


def covariance_scales(backtest: pd.DataFrame, *, min_days: int = 14) -> dict[int, float]:
    """aggregate_id -> variance scale k >= 1 from a backtest window before the origin.

    backtest: [aggregate_id, date, mean, variance, actual]: the summed products' backtest forecasts
    (mean and variance) and the aggregate's actual units. k = sum(residual²) / sum(variance) (the
    variance the summed forecast needed, relative to the independent one), floored at 1 and capped
    at ``MAX_SCALE``. An aggregate with fewer than ``min_days`` usable days gets the median k of the
    others (1 when there are none)."""
    if backtest.empty:
        return {}
    frame = backtest.assign(r2=(backtest["actual"] - backtest["mean"]) ** 2)
    frame = frame[np.isfinite(frame["r2"]) & (frame["variance"] > 0)]
    sums = frame.groupby("aggregate_id").agg(r2=("r2", "sum"), variance=("variance", "sum"), days=("r2", "size"))
    ratio = np.clip(sums["r2"] / sums["variance"], 1.0, MAX_SCALE)
    enough = sums["days"] >= min_days
    fallback = float(ratio[enough].median()) if enough.any() else 1.0
    scales = {int(a): float(ratio[a]) if enough[a] else fallback for a in sums.index}
    for aggregate in backtest["aggregate_id"].unique():
        scales.setdefault(int(aggregate), fallback)
    return scales
