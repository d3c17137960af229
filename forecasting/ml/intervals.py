"""Prediction intervals by split-conformal calibration on rolling-origin backtest residuals.

Residuals of the final (ensemble) forecast in each backtest window are divided by a per-series
spread σ_i (standard deviation of recent learnable demand, floored), pooled per demand class,
and their empirical quantiles give the interval offsets: lo = mean + q_lo σ_i, hi = mean + q_hi σ_i,
clipped at zero (demand is non-negative). Quantiles are taken with the finite-sample conformal
correction and forced to straddle zero so that lo95 <= lo80 <= mean <= hi80 <= hi95 always holds.
Coverage is checked by leaving one backtest window out (``cross_window_coverage``).
"""
from __future__ import annotations

import numpy as np

__all__ = ["series_spread", "calibrate", "apply_intervals", "cross_window_coverage", "LEVELS"]

LEVELS = (0.80, 0.95)


def series_spread(Y: np.ndarray, t0: int, window: int = 56) -> np.ndarray:
    """σ_i: std of learnable demand in the last ``window`` periods before t0 (whole history if
    that window is empty), floored at 5% of the level and a tiny constant."""
    W = Y[:, max(t0 - window, 0):t0]
    with np.errstate(invalid="ignore", divide="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            sd = np.nanstd(W, axis=1)
            lvl = np.nanmean(W, axis=1)
            empty = ~np.isfinite(sd)
            if empty.any():
                sd[empty] = np.nanstd(Y[empty, :t0], axis=1) if t0 > 0 else np.nan
                lvl[empty] = np.nanmean(Y[empty, :t0], axis=1) if t0 > 0 else np.nan
    sd = np.nan_to_num(sd, nan=0.0)
    lvl = np.nan_to_num(lvl, nan=0.0)
    return np.maximum(sd, np.maximum(0.05 * lvl, 1e-3))


def _quantile(r: np.ndarray, q: float) -> float:
    r = np.sort(r[np.isfinite(r)])
    if r.size == 0:
        return 0.0
    # finite-sample conformal rank: ceil((n + 1) q) for upper, floor for lower tail
    if q >= 0.5:
        k = min(int(np.ceil((r.size + 1) * q)) - 1, r.size - 1)
    else:
        k = max(int(np.floor((r.size + 1) * q)) - 1, 0)
    return float(r[k])


def calibrate(residuals: list[np.ndarray], sigmas: list[np.ndarray], classes: np.ndarray, *,
              levels=LEVELS, min_class_obs: int = 500) -> dict:
    """Table {class or '__all__': {level: (q_lo, q_hi)}} of scaled residual quantiles.

    residuals[k]: n × H (actual − forecast, NaN where not learnable) for backtest window k;
    sigmas[k]: n spreads measured at that window's origin."""
    R = np.concatenate([r / s[:, None] for r, s in zip(residuals, sigmas)], axis=1)
    table = {}

    def qs(block):
        out = {}
        for lv in levels:
            a = (1 - lv) / 2
            out[lv] = (min(_quantile(block, a), 0.0), max(_quantile(block, 1 - a), 0.0))
        return out

    table["__all__"] = qs(R.reshape(-1))
    for cls in np.unique(classes):
        block = R[classes == cls].reshape(-1)
        if np.isfinite(block).sum() >= min_class_obs:
            table[cls] = qs(block)
    # nested levels: the wider level's offsets never inside the narrower's
    for tab in table.values():
        lv = sorted(tab)
        for a, b in zip(lv, lv[1:]):
            tab[b] = (min(tab[b][0], tab[a][0]), max(tab[b][1], tab[a][1]))
    return table


def apply_intervals(mean: np.ndarray, sigma: np.ndarray, classes: np.ndarray, table: dict,
                    *, open_mask: np.ndarray | None = None, levels=LEVELS) -> dict:
    """{'lo80', 'hi80', 'lo95', 'hi95'} n × H arrays, non-negative and nested around mean."""
    out = {}
    mean = np.clip(mean, 0, None)
    for lv in levels:
        qlo = np.array([table.get(c, table["__all__"])[lv][0] for c in classes])
        qhi = np.array([table.get(c, table["__all__"])[lv][1] for c in classes])
        lo = np.clip(mean + qlo[:, None] * sigma[:, None], 0, None)
        hi = np.maximum(mean + qhi[:, None] * sigma[:, None], mean)
        if open_mask is not None:
            lo = np.where(open_mask, lo, 0.0)
            hi = np.where(open_mask, hi, 0.0)
        tag = int(round(lv * 100))
        out[f"lo{tag}"], out[f"hi{tag}"] = np.minimum(lo, mean), hi
    return out


def cross_window_coverage(residuals, sigmas, classes, means, actuals, level: float = 0.95) -> float:
    """Coverage of ``level`` intervals in each backtest window when calibrated on the others
    (leave-one-window-out); NaN with a single window."""
    k = len(residuals)
    if k < 2:
        return float("nan")
    hits = tot = 0
    for i in range(k):
        tab = calibrate([r for j, r in enumerate(residuals) if j != i],
                        [s for j, s in enumerate(sigmas) if j != i], classes, levels=(level,))
        iv = apply_intervals(means[i], sigmas[i], classes, tab, levels=(level,))
        tag = int(round(level * 100))
        a = actuals[i]
        m = np.isfinite(a)
        hits += ((a >= iv[f"lo{tag}"] - 1e-9) & (a <= iv[f"hi{tag}"] + 1e-9) & m).sum()
        tot += m.sum()
    return float(hits / max(tot, 1))
