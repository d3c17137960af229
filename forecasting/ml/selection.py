"""Model choice / ensembling from rolling-origin backtests (data before the origin only).

Candidate forecasts of every backtest window are scored with the RMSSE-style loss
(squared error divided by the series' scale), and for each demand class a convex combination
of the candidates is picked from a small grid. Weights are chosen per *class* rather than per
series by default: one or two 28-day windows are too few to choose reliably for a single
intermittent series, while a class pools hundreds of series. ``per_series=True`` picks the best
combination per series instead (shrunk to the class choice when its gain is small).
"""
from __future__ import annotations

import itertools

import numpy as np

__all__ = ["weight_grid", "scaled_losses", "choose_weights", "combine"]


def weight_grid(names, step: float = 0.25) -> list[dict]:
    """Convex combinations of the candidates on a grid (each weight a multiple of ``step``)."""
    names = list(names)
    k = int(round(1 / step))
    out = []
    for combo in itertools.product(range(k + 1), repeat=len(names)):
        if sum(combo) == k:
            out.append({nm: c / k for nm, c in zip(names, combo)})
    return out


def scaled_losses(windows: list[dict], actuals: list[np.ndarray], scales: np.ndarray, grid: list[dict],
                  weights: np.ndarray | None = None) -> np.ndarray:
    """(len(grid) × n) mean over windows of sqrt(mean_h err² / scale) for each combination."""
    n = actuals[0].shape[0]
    sc = np.where(scales > 0, scales, np.nan)
    L = np.zeros((len(grid), n))
    cnt = np.zeros(n)
    for fc, act in zip(windows, actuals):
        mask = np.isfinite(act)
        has = mask.any(1)
        cnt += has
        for g, w in enumerate(grid):
            f = sum(wt * fc[nm] for nm, wt in w.items() if wt > 0)
            err = np.where(mask, (np.nan_to_num(act) - f) ** 2, 0.0).sum(1) / np.maximum(mask.sum(1), 1)
            L[g] += np.where(has, np.sqrt(err / sc), 0.0)
    L = L / np.maximum(cnt, 1)
    return np.nan_to_num(L, nan=0.0)


def choose_weights(windows: list[dict], actuals: list[np.ndarray], scales: np.ndarray, classes: np.ndarray,
                   *, series_weights: np.ndarray | None = None, step: float = 0.25, min_class_size: int = 30,
                   per_series: bool = False) -> tuple[list[dict], np.ndarray]:
    """Return (grid, index n: the chosen grid entry for each series)."""
    names = list(windows[0].keys())
    grid = weight_grid(names, step)
    L = scaled_losses(windows, actuals, scales, grid)
    n = L.shape[1]
    w = np.ones(n) if series_weights is None else np.asarray(series_weights, float)
    overall = int(np.argmin(L @ w))
    choice = np.full(n, overall)
    for cls in np.unique(classes):
        m = classes == cls
        if m.sum() >= min_class_size:
            choice[m] = int(np.argmin(L[:, m] @ w[m]))
    if per_series:
        best = L.argmin(0)
        gain = L[choice, np.arange(n)] - L[best, np.arange(n)]
        # switch only when the series' own windows show a clear gain (10% of its loss)
        switch = gain > 0.1 * np.maximum(L[choice, np.arange(n)], 1e-12)
        choice = np.where(switch, best, choice)
    return grid, choice


def combine(forecasts: dict, grid: list[dict], choice: np.ndarray) -> np.ndarray:
    """n × H ensemble forecast: row i uses grid[choice[i]]."""
    first = next(iter(forecasts.values()))
    out = np.zeros_like(first, dtype=float)
    for g in np.unique(choice):
        rows = choice == g
        out[rows] = sum(wt * forecasts[nm][rows] for nm, wt in grid[g].items() if wt > 0)
    return out
