"""Model choice / ensembling from rolling-origin backtests (data before the origin only).

Candidate forecasts of every backtest window are scored with the RMSSE-style loss (squared error
divided by the series' scale). Each demand class has its own candidates (the global model and the
seasonal average for every class, plus the statistical models suited to the class) and picks the
convex combination with the lowest loss over its series from a grid (weights multiples of ``step``,
at most ``max_nonzero`` candidates). A class with fewer than ``min_class_size`` series is pooled with
its family (smooth + erratic, intermittent + lumpy).

Per series, where its history supports it: a series with at least ``min_sales`` selling periods in the
backtest windows chooses its own combination, its relative losses shrunk toward its class's
(``(n_i r_i + k r_class) / (n_i + k)``, n_i its selling periods). The shrinkage k (or no per-series
choice at all) is itself chosen by backtest: choices made on the older windows are scored on the most
recent one, and the k that did best there is used with all windows.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

__all__ = ["FAMILIES", "SHRINKAGE_GRID", "weight_grid", "scaled_losses", "choose_weights", "combine"]

FAMILIES = {"smooth": "continuous", "erratic": "continuous", "intermittent": "intermittent",
            "lumpy": "intermittent"}
SHRINKAGE_GRID = (None, 100.0, 30.0, 10.0, 3.0)   # None: the class choice for every series


def weight_grid(names, step: float = 0.25, max_nonzero: int | None = None) -> list[dict]:
    """Convex combinations of the candidates on a grid (each weight a multiple of ``step``), as dicts
    of the non-zero weights."""
    names = list(names)
    k = int(round(1 / step))
    out = []
    for combo in itertools.product(range(k + 1), repeat=len(names)):
        if sum(combo) == k and (max_nonzero is None or sum(c > 0 for c in combo) <= max_nonzero):
            out.append({nm: c / k for nm, c in zip(names, combo) if c > 0})
    return out


def scaled_losses(windows: list[dict], actuals: list[np.ndarray], scales: np.ndarray, grid: list[dict],
                  rows: np.ndarray | None = None) -> np.ndarray:
    """(len(grid) × n_rows) mean over windows of sqrt(mean_h err² / scale) for each combination."""
    rows = np.arange(actuals[0].shape[0]) if rows is None else rows
    sc = np.where(scales[rows] > 0, scales[rows], np.nan)
    L = np.zeros((len(grid), rows.size))
    cnt = np.zeros(rows.size)
    for fc, act in zip(windows, actuals):
        act = act[rows]
        mask = np.isfinite(act)
        has = mask.any(1)
        cnt += has
        a = np.nan_to_num(act)
        sub = {nm: fc[nm][rows] for nm in fc}
        for g, w in enumerate(grid):
            f = sum(wt * sub[nm] for nm, wt in w.items())
            err = np.where(mask, (a - f) ** 2, 0.0).sum(1) / np.maximum(mask.sum(1), 1)
            L[g] += np.where(has, np.sqrt(err / sc), 0.0)
    L = L / np.maximum(cnt, 1)
    return np.nan_to_num(L, nan=0.0)


@dataclass
class _Group:
    rows: np.ndarray       # the series of this class
    grid_ids: np.ndarray   # indices into the shared grid
    class_pick: int        # local index (into grid_ids) of the class's combination
    L: np.ndarray          # len(grid_ids) × rows: each series' backtest loss per combination
    rel_class: np.ndarray  # len(grid_ids): the class's weighted loss relative to its pick
    sales: np.ndarray      # selling (finite, positive) backtest periods per series


def _groups(windows, actuals, scales, classes, class_candidates, w, *, step, max_nonzero, min_class_size):
    names = list(windows[0])
    special = {nm for cands in class_candidates.values() for nm in cands}
    base = [nm for nm in names if nm not in special]
    grid, index = [], {}

    def ids_of(combos):
        out = []
        for g in combos:
            key = tuple(sorted(g.items()))
            if key not in index:
                index[key] = len(grid)
                grid.append(dict(g))
            out.append(index[key])
        return np.array(out)

    n = len(classes)
    sales = sum(np.where(np.isfinite(a), np.nan_to_num(a) > 0, False).sum(1) for a in actuals)
    fam = np.array([FAMILIES.get(c, c) for c in classes], dtype=object)
    groups = []
    for cls in np.unique(classes):
        rows = np.flatnonzero(classes == cls)
        cands = base + [nm for nm in class_candidates.get(cls, ()) if nm in names]
        ids = ids_of(weight_grid(cands, step, max_nonzero))
        pool = rows
        if rows.size < min_class_size:
            pool = np.flatnonzero(fam == FAMILIES[cls]) if cls in FAMILIES else np.arange(n)
            if cls not in FAMILIES:   # series without demand: only the candidates every series has
                ids = ids_of(weight_grid(base, step, max_nonzero))
        L = scaled_losses(windows, actuals, scales, [grid[i] for i in ids], rows)
        Lp = (L if pool is rows else scaled_losses(windows, actuals, scales, [grid[i] for i in ids], pool)) @ w[pool]
        pick = int(np.argmin(Lp))
        groups.append(_Group(rows=rows, grid_ids=ids, class_pick=pick, L=L,
                             rel_class=Lp / max(Lp[pick], 1e-12), sales=sales[rows]))
    return grid, groups


def _pick(groups, n: int, k: float | None, min_sales: int) -> np.ndarray:
    choice = np.zeros(n, dtype=int)
    for g in groups:
        local = np.full(g.rows.size, g.class_pick)
        if k is not None:
            own = g.L / np.maximum(g.L[g.class_pick][None, :], 1e-12)
            score = (g.sales[None, :] * own + k * g.rel_class[:, None]) / (g.sales[None, :] + k)
            eligible = (g.sales >= min_sales) & (g.L[g.class_pick] > 0)
            local = np.where(eligible, score.argmin(0), local)
        choice[g.rows] = g.grid_ids[local]
    return choice


def choose_weights(windows: list[dict], actuals: list[np.ndarray], scales: np.ndarray, classes: np.ndarray,
                   *, class_candidates: dict | None = None,
                   step: float = 0.1, max_nonzero: int | None = 2, min_class_size: int = 30,
                   per_series: bool = True, min_sales: int = 10) -> tuple[list[dict], np.ndarray, float | None]:
    """Return (grid, index n: the chosen grid entry for each series, the per-series shrinkage used or
    None when every series takes its class's combination)."""
    class_candidates = class_candidates or {}
    n = len(classes)
    w = np.ones(n)
    kw = dict(step=step, max_nonzero=max_nonzero, min_class_size=min_class_size)
    grid, groups = _groups(windows, actuals, scales, classes, class_candidates, w, **kw)
    k_best = None
    if per_series and len(windows) >= 2:
        # choose on the older windows, score on the most recent one, for every shrinkage
        _, older = _groups(windows[1:], actuals[1:], scales, classes, class_candidates, w, **kw)
        recent = [scaled_losses(windows[:1], actuals[:1], scales, [grid[i] for i in g.grid_ids], g.rows)
                  for g in groups]
        best = np.inf
        for k in SHRINKAGE_GRID:
            choice = _pick(older, n, k, min_sales)
            loss = 0.0
            for g, L in zip(groups, recent):
                lookup = np.full(len(grid), -1)
                lookup[g.grid_ids] = np.arange(g.grid_ids.size)
                local = lookup[choice[g.rows]]
                loss += float(L[local, np.arange(g.rows.size)] @ w[g.rows])
            if loss < best - 1e-12:
                best, k_best = loss, k
    return grid, _pick(groups, n, k_best, min_sales), k_best


def combine(forecasts: dict, grid: list[dict], choice: np.ndarray) -> np.ndarray:
    """n × H ensemble forecast: row i uses grid[choice[i]] (its candidates exist for that row)."""
    first = next(iter(forecasts.values()))
    out = np.zeros_like(first, dtype=float)
    for g in np.unique(choice):
        rows = choice == g
        out[rows] = sum(wt * forecasts[nm][rows] for nm, wt in grid[g].items() if wt > 0)
    return out
