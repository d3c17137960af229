"""Forecast accuracy metrics: WRMSSE (M5), WAPE and prediction-interval coverage.

All functions take long-format frames (``series_id, date, ...``) so that they work the same
for daily, weekly and monthly data. Pure pandas / numpy.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["rmsse_scale", "wrmsse", "wape", "interval_coverage"]


def rmsse_scale(train: pd.DataFrame, *, id_col: str = "series_id", target_col: str = "y",
                trim_leading_zeros: bool = False) -> pd.Series:
    """Per-series RMSSE denominator: mean squared one-step difference of the training series.

    ``train`` must be a complete calendar (missing days already filled with zeros, sorted by
    date within each series). M5 starts each series at its first sale; our protocol runs the
    calendar from the first day of the data (``trim_leading_zeros=False``), so leading zeros count.
    """
    scales = {}
    for sid, g in train.groupby(id_col, sort=False):
        y = g[target_col].to_numpy(dtype=float)
        if trim_leading_zeros:
            nz = np.flatnonzero(y != 0)
            y = y[nz[0]:] if nz.size else y[:0]
        d = np.diff(y)
        scales[sid] = float(np.mean(d ** 2)) if d.size else np.nan
    return pd.Series(scales, name="scale")


def wrmsse(actual: pd.DataFrame, forecast: pd.DataFrame, train: pd.DataFrame, *,
           weights: pd.Series | None = None, id_col: str = "series_id", date_col: str = "date",
           target_col: str = "y", forecast_col: str = "mean", trim_leading_zeros: bool = False,
           return_per_series: bool = False):
    """Weighted root mean squared scaled error (M5, bottom level only).

    RMSSE_i = sqrt( mean_h (y_ih - f_ih)^2 / mean_t (y_it - y_i,t-1)^2 ), the denominator over
    the training window; WRMSSE = sum_i w_i RMSSE_i with w normalised to sum to one.
    ``weights`` (indexed by series id) defaults to equal weights; the protocol uses each
    series' revenue over the training window. Series whose scale is zero (constant history)
    are dropped from the sum (their weight is re-normalised away), as in M5 they cannot exist.
    Forecast rows missing for an actual row count as a forecast of zero.
    """
    scale = rmsse_scale(train, id_col=id_col, target_col=target_col,
                        trim_leading_zeros=trim_leading_zeros)
    merged = actual[[id_col, date_col, target_col]].merge(
        forecast[[id_col, date_col, forecast_col]], on=[id_col, date_col], how="left")
    merged[forecast_col] = merged[forecast_col].fillna(0.0)
    mse = ((merged[target_col] - merged[forecast_col]) ** 2).groupby(merged[id_col]).mean()
    scale = scale.reindex(mse.index)
    rmsse = np.sqrt(mse / scale)
    ok = np.isfinite(rmsse) & (scale > 0)
    rmsse = rmsse[ok]
    if weights is None:
        w = pd.Series(1.0, index=rmsse.index)
    else:
        w = weights.reindex(rmsse.index).fillna(0.0).clip(lower=0.0)
    if w.sum() <= 0:
        return (np.nan, rmsse) if return_per_series else np.nan
    w = w / w.sum()
    score = float((w * rmsse).sum())
    if return_per_series:
        return score, rmsse
    return score


def wape(actual, forecast) -> float:
    """Weighted absolute percentage error: sum |y - f| / sum |y| (arrays aligned)."""
    a = np.asarray(actual, dtype=float)
    f = np.asarray(forecast, dtype=float)
    denom = np.abs(a).sum()
    return float(np.abs(a - f).sum() / denom) if denom > 0 else np.nan


def interval_coverage(actual, lo, hi) -> float:
    """Share of observations with lo <= y <= hi (arrays aligned)."""
    a = np.asarray(actual, dtype=float)
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    if a.size == 0:
        return np.nan
    return float(np.mean((a >= lo - 1e-9) & (a <= hi + 1e-9)))
