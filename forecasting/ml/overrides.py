"""A merchant's overrides applied to forecasts: a value (units per day) or a percentage, over a period.

Each override replaces the model's mean on the days of its period (inclusive): ``units_per_day``, or
the model's mean times ``1 + percent / 100``. Overlapping overrides do not compound: the latest
(the last row of ``overrides``) wins on the days they share. The variance is scaled with the mean
(``variance * (new / old)²``: the same relative spread); a model mean of 0 raised by a value gets a
Poisson variance (equal to the value). Rows an override changed keep the model's mean in
``model_mean`` and are flagged ``overridden``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["apply_overrides"]


def _day(value) -> np.datetime64:
    """A date (or an ISO string) as datetime64[D], whatever its year."""
    return np.datetime64(value.isoformat() if hasattr(value, "isoformat") else str(value)[:10], "D")


def apply_overrides(forecasts: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """forecasts: [series_id, date, mean, variance, ...]; overrides: [product_id, starts_on, ends_on,
    units_per_day, percent] oldest first. Returns a copy with mean and variance overridden, and
    ``model_mean`` (NaN where unchanged) and ``overridden`` columns."""
    out = forecasts.copy()
    out["model_mean"] = np.nan
    out["overridden"] = False
    if overrides.empty or out.empty:
        return out
    model_mean = out["mean"].to_numpy(float).copy()
    model_var = out["variance"].to_numpy(float).copy()
    new_mean = model_mean.copy()
    hit = np.zeros(len(out), dtype=bool)
    ids = out["series_id"].to_numpy()
    # Compared as days (datetime64[D]): a period ending past 2262 must not overflow nanoseconds.
    dates = pd.to_datetime(out["date"]).to_numpy().astype("datetime64[D]")
    for row in overrides.itertuples():
        mask = ((ids == row.product_id) & (dates >= _day(row.starts_on)) & (dates <= _day(row.ends_on)))
        if not mask.any():
            continue
        if row.units_per_day is not None and np.isfinite(row.units_per_day):
            new_mean[mask] = max(float(row.units_per_day), 0.0)
        else:
            new_mean[mask] = np.clip(model_mean[mask] * (1 + float(row.percent) / 100.0), 0.0, None)
        hit |= mask
    ratio = np.divide(new_mean, model_mean, out=np.zeros_like(new_mean), where=model_mean > 0)
    new_var = np.where(model_mean > 0, model_var * ratio ** 2, new_mean)
    out["mean"] = np.where(hit, new_mean, model_mean)
    out["variance"] = np.where(hit, new_var, model_var)
    out["model_mean"] = np.where(hit, model_mean, np.nan)
    out["overridden"] = hit
    return out
