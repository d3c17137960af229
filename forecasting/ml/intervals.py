"""Forecast intervals: quantiles of a predictive count distribution calibrated on backtests.

Demand of a day is a count with the forecast ``mean`` m and the predictive variance

    variance = phi * m + alpha * m²

(``phi`` >= 1 scales the Poisson part, ``alpha`` is the negative-binomial dispersion). (phi, alpha)
is chosen per demand class, from a small grid, so that the rolling-origin backtest windows (before the
origin) have the nominal share of actual units inside the 80% and 95% central intervals of the
distribution (``distribution.demand_quantile``); a class with too few backtest observations uses the
pooled choice. The intervals are then whole-unit quantiles: lo95 <= lo80 <= hi80 <= hi95 always
(nothing forces them around the mean), a slow mover's upper quantiles may honestly be 0 or 1, and the
same (mean, variance) per day gives the safety stock over a lead time (``distribution.lead_time_demand``).
Coverage is checked by calibrating on one backtest window and scoring another (``cross_window_coverage``).
"""
from __future__ import annotations

import numpy as np

from .distribution import demand_cdf, demand_quantile

__all__ = ["LEVELS", "PHI_GRID", "ALPHA_GRID", "predictive_variance", "calibrate", "quantile_intervals",
           "cross_window_coverage"]

LEVELS = (0.80, 0.95)
PHI_GRID = (1.0, 1.5, 2.0, 3.0, 5.0)
ALPHA_GRID = (0.0, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0)
MIN_CLASS_OBS = 500      # backtest observations a class needs for its own (phi, alpha)
MAX_CALIBRATION_OBS = 5000   # observations per class scored for each grid point (a fixed random sample)


def predictive_variance(mean: np.ndarray, phi, alpha) -> np.ndarray:
    m = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    return np.asarray(phi, dtype=float) * m + np.asarray(alpha, dtype=float) * m ** 2


def _coverages(actual: np.ndarray, mean: np.ndarray, phi: float, alpha: float, levels) -> list[float]:
    """Share of ``actual`` inside each level's central interval (via the cdf: no quantile search)."""
    v = predictive_variance(mean, phi, alpha)
    upper = demand_cdf(actual, mean, v)          # P(Y <= y)
    lower = demand_cdf(actual - 1, mean, v)      # P(Y <= y - 1)
    out = []
    for lv in levels:
        a = (1 - lv) / 2
        out.append(float(np.mean((upper >= a - 1e-12) & (lower < 1 - a - 1e-12))))
    return out


def _fit(actual: np.ndarray, mean: np.ndarray, levels) -> tuple[float, float]:
    best, best_loss = (1.0, 0.0), np.inf
    for phi in PHI_GRID:
        for alpha in ALPHA_GRID:
            cov = _coverages(actual, mean, phi, alpha, levels)
            loss = sum((c - lv) ** 2 for c, lv in zip(cov, levels))
            if loss < best_loss - 1e-12:
                best, best_loss = (phi, alpha), loss
    return best


def calibrate(means: list[np.ndarray], actuals: list[np.ndarray], classes: np.ndarray, *, levels=LEVELS,
              seed: int = 0) -> dict:
    """{class or '__all__': (phi, alpha)} from backtest windows: means[k], actuals[k] are n × H
    (actual NaN where not learnable: censored or closed)."""
    M = np.concatenate(means, axis=1)
    A = np.concatenate(actuals, axis=1)
    rng = np.random.default_rng(seed)

    def fit(rows: np.ndarray) -> tuple[float, float] | None:
        m, a = M[rows].reshape(-1), A[rows].reshape(-1)
        ok = np.isfinite(a) & np.isfinite(m)
        m, a = m[ok], np.clip(np.round(a[ok]), 0, None)
        if m.size == 0:
            return None
        if m.size > MAX_CALIBRATION_OBS:
            pick = rng.choice(m.size, MAX_CALIBRATION_OBS, replace=False)
            m, a = m[pick], a[pick]
        return _fit(a, m, levels)

    table = {"__all__": fit(np.arange(M.shape[0])) or (1.0, 0.0)}
    for cls in np.unique(classes):
        rows = np.flatnonzero(classes == cls)
        if np.isfinite(A[rows]).sum() >= MIN_CLASS_OBS:
            table[cls] = fit(rows) or table["__all__"]
    return table


def class_dispersion(classes: np.ndarray, table: dict) -> tuple[np.ndarray, np.ndarray]:
    """(phi, alpha) per series from the calibration table."""
    pairs = [table.get(c, table["__all__"]) for c in classes]
    return np.array([p for p, _ in pairs], dtype=float), np.array([a for _, a in pairs], dtype=float)


def quantile_intervals(mean: np.ndarray, variance: np.ndarray, *, open_mask: np.ndarray | None = None,
                       levels=LEVELS) -> dict:
    """{'lo80', 'hi80', 'lo95', 'hi95'}: n × H whole-unit quantiles; zero on closed periods."""
    out = {}
    for lv in levels:
        a = (1 - lv) / 2
        tag = int(round(lv * 100))
        lo, hi = demand_quantile(mean, variance, a), demand_quantile(mean, variance, 1 - a)
        if open_mask is not None:
            lo, hi = np.where(open_mask, lo, 0.0), np.where(open_mask, hi, 0.0)
        out[f"lo{tag}"], out[f"hi{tag}"] = lo, hi
    return out


def cross_window_coverage(means: list[np.ndarray], actuals: list[np.ndarray], classes: np.ndarray,
                          level: float = 0.95) -> float:
    """Coverage of ``level`` intervals in each backtest window when the dispersion is calibrated on the
    others (leave-one-window-out); NaN with a single window."""
    k = len(means)
    if k < 2:
        return float("nan")
    hits = tot = 0.0
    for i in range(k):
        table = calibrate([m for j, m in enumerate(means) if j != i], [a for j, a in enumerate(actuals) if j != i],
                          classes)
        phi, alpha = class_dispersion(classes, table)
        a = actuals[i]
        ok = np.isfinite(a)
        m = np.broadcast_to(means[i], a.shape)[ok]
        cov = _coverages(np.clip(np.round(a[ok]), 0, None), m, np.broadcast_to(phi[:, None], a.shape)[ok],
                         np.broadcast_to(alpha[:, None], a.shape)[ok], (level,))[0]
        hits += cov * ok.sum()
        tot += ok.sum()
    return float(hits / max(tot, 1))
