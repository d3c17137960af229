"""Forecast intervals: quantiles of a predictive count distribution calibrated on backtests.

Demand of a day is a count with the forecast ``mean`` m and the predictive variance

    variance = phi * m + alpha * m²

(``phi`` >= 1 scales the Poisson part, ``alpha`` is the negative-binomial dispersion). (phi, alpha)
is chosen per demand class and level of the forecast (slow to fast movers), from a small grid, so that
the rolling-origin backtest windows (before the origin) have the nominal share of actual days inside
the 80% and 95% intervals of the distribution (``distribution.demand_quantile``: central, or
[0, q(level)] for a slow mover whose lower quantile is 0 anyway, see ``quantile_intervals``); a group
with too few backtest observations uses its class's choice, else the pooled one. The intervals are
whole-unit quantiles: lo95 <= lo80 <= hi80 <= hi95 always (nothing forces them around the mean), a
slow mover's upper quantiles may honestly be 0 or 1, and the same (mean, variance) per day gives the
safety stock over a lead time (``distribution.lead_time_demand``).
Coverage is checked by calibrating on one backtest window and scoring another (``cross_window_coverage``).
"""
from __future__ import annotations

import numpy as np

from .distribution import demand_cdf, demand_quantile

__all__ = ["LEVELS", "PHI_GRID", "ALPHA_GRID", "predictive_variance", "level_buckets", "calibrate",
           "class_dispersion", "quantile_intervals", "cross_window_coverage"]

LEVELS = (0.80, 0.95)
PHI_GRID = (1.0, 1.5, 2.0, 3.0, 5.0, 8.0)
ALPHA_GRID = (0.0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 1.0, 2.0, 4.0)
MIN_CLASS_OBS = 500      # backtest observations a class needs for its own (phi, alpha)
MAX_CALIBRATION_OBS = 2000   # observations per group scored for each grid point (a fixed random sample)
LEVEL_EDGES = (0.5, 2.0, 5.0)   # mean units per period: slow, moderate, fast, very fast movers


def predictive_variance(mean: np.ndarray, phi, alpha) -> np.ndarray:
    m = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    return np.asarray(phi, dtype=float) * m + np.asarray(alpha, dtype=float) * m ** 2


def _coverages(actual: np.ndarray, mean: np.ndarray, phi, alpha, levels) -> list[float]:
    """Share of ``actual`` inside each level's interval (``quantile_intervals``), via the cdf (no
    quantile search): y >= q(a) iff F(y) >= a, and y <= q(p) iff F(y - 1) < p."""
    v = predictive_variance(mean, phi, alpha)
    upper = demand_cdf(actual, mean, v)          # P(Y <= y)
    lower = demand_cdf(actual - 1, mean, v)      # P(Y <= y - 1)
    zero = demand_cdf(np.zeros_like(actual), mean, v)   # P(Y = 0)
    out = []
    for lv in levels:
        a = (1 - lv) / 2
        anchored = zero >= a - 1e-12
        central = (upper >= a - 1e-12) & (lower < 1 - a - 1e-12)
        out.append(float(np.mean(np.where(anchored, lower < lv - 1e-12, central))))
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


def level_buckets(mean: np.ndarray) -> np.ndarray:
    """Bucket (0..len(LEVEL_EDGES)) of each series' mean daily forecast over the window (n × H -> n)."""
    return np.searchsorted(LEVEL_EDGES, np.nanmean(np.asarray(mean, dtype=float), axis=1), side="right")


def calibrate(means: list[np.ndarray], actuals: list[np.ndarray], classes: np.ndarray, *, levels=LEVELS,
              seed: int = 0) -> dict:
    """{'__all__' | class | (class, level bucket): (phi, alpha)} from backtest windows: means[k],
    actuals[k] are n × H (actual NaN where not learnable: censored or closed). A group needs
    MIN_CLASS_OBS observations; (class, bucket) groups make the coverage right for slow and fast
    movers alike, not only on average."""
    M = np.concatenate(means, axis=1)
    A = np.concatenate(actuals, axis=1)
    H = means[0].shape[1]
    bucket = np.concatenate([np.repeat(level_buckets(m)[:, None], H, axis=1) for m in means], axis=1)
    cls = np.repeat(np.asarray(classes, dtype=object)[:, None], M.shape[1], axis=1)
    rng = np.random.default_rng(seed)
    ok = np.isfinite(A) & np.isfinite(M)

    def fit(mask: np.ndarray) -> tuple[float, float] | None:
        mask = mask & ok
        if mask.sum() == 0:
            return None
        m, a = M[mask], np.clip(np.round(A[mask]), 0, None)
        if m.size > MAX_CALIBRATION_OBS:
            pick = rng.choice(m.size, MAX_CALIBRATION_OBS, replace=False)
            m, a = m[pick], a[pick]
        return _fit(a, m, levels)

    table = {"__all__": fit(np.ones_like(ok)) or (1.0, 0.0)}
    for c in np.unique(classes):
        in_class = cls == c
        if (in_class & ok).sum() >= MIN_CLASS_OBS:
            table[c] = fit(in_class)
        for b in np.unique(bucket[in_class]):
            group = in_class & (bucket == b)
            if (group & ok).sum() >= MIN_CLASS_OBS:
                table[(c, int(b))] = fit(group)
    return table


def class_dispersion(classes: np.ndarray, table: dict, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(phi, alpha) per series: its (class, level bucket of ``mean``) group, else its class, else pooled."""
    buckets = level_buckets(mean) if mean is not None else np.full(len(classes), -1)
    pairs = [table.get((c, int(b)), table.get(c, table["__all__"])) for c, b in zip(classes, buckets)]
    return np.array([p for p, _ in pairs], dtype=float), np.array([a for _, a in pairs], dtype=float)


def quantile_intervals(mean: np.ndarray, variance: np.ndarray, *, open_mask: np.ndarray | None = None,
                       levels=LEVELS) -> dict:
    """{'lo80', 'hi80', 'lo95', 'hi95'}: n × H whole-unit quantiles; zero on closed periods.

    The central interval [q(a), q(1 - a)] (a = (1 - level) / 2), except where q(a) is already 0 (a
    slow mover, P(0) >= a): there the interval is [0, q(level)], which holds the level's probability
    without wasting the lower tail on a bound that cannot go below zero."""
    out = {}
    zero = demand_cdf(np.zeros_like(np.asarray(mean, dtype=float)), mean, variance)
    for lv in levels:
        a = (1 - lv) / 2
        tag = int(round(lv * 100))
        lo = demand_quantile(mean, variance, a)
        hi = np.where(zero >= a - 1e-12, demand_quantile(mean, variance, lv), demand_quantile(mean, variance, 1 - a))
        if open_mask is not None:
            lo, hi = np.where(open_mask, lo, 0.0), np.where(open_mask, hi, 0.0)
        out[f"lo{tag}"], out[f"hi{tag}"] = lo, hi
    return out


def cross_window_coverage(means: list[np.ndarray], actuals: list[np.ndarray], classes: np.ndarray,
                          levels=LEVELS) -> dict:
    """{level: coverage} of each backtest window's intervals when the dispersion is calibrated on the
    other windows (leave-one-window-out); NaN with a single window."""
    k = len(means)
    if k < 2:
        return {lv: float("nan") for lv in levels}
    hits, tot = np.zeros(len(levels)), 0
    for i in range(k):
        table = calibrate([m for j, m in enumerate(means) if j != i], [a for j, a in enumerate(actuals) if j != i],
                          classes, levels=levels)
        phi, alpha = class_dispersion(classes, table, means[i])
        a = actuals[i]
        ok = np.isfinite(a)
        m = np.broadcast_to(means[i], a.shape)[ok]
        cov = _coverages(np.clip(np.round(a[ok]), 0, None), m, np.broadcast_to(phi[:, None], a.shape)[ok],
                         np.broadcast_to(alpha[:, None], a.shape)[ok], levels)
        hits += np.array(cov) * ok.sum()
        tot += ok.sum()
    return {lv: float(h / max(tot, 1)) for lv, h in zip(levels, hits)}
