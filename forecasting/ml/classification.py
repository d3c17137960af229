"""Demand classification (Syntetos-Boylan): smooth / erratic / intermittent / lumpy.

ADI (average demand interval) = number of observed periods / number of periods with demand;
CV² = squared coefficient of variation of the non-zero demand sizes. Cut-offs 1.32 (ADI) and
0.49 (CV²). Censored periods (out of stock) are left out: they say nothing about demand.
A series without any demand is classed ``"none"``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy", "none")

__all__ = ["ADI_CUTOFF", "CV2_CUTOFF", "DEMAND_CLASSES", "adi_cv2", "demand_class",
           "classify_matrix", "classify_series"]


def adi_cv2(y, censored=None) -> tuple[float, float]:
    """Return (ADI, CV²) of one series; (inf, nan) when it has no demand."""
    y = np.asarray(y, dtype=float)
    if censored is not None:
        y = y[~np.asarray(censored, dtype=bool)]
    y = y[np.isfinite(y)]
    nz = y[y > 0]
    if nz.size == 0:
        return float("inf"), float("nan")
    adi = y.size / nz.size
    mean = nz.mean()
    cv2 = float((nz.std() / mean) ** 2) if nz.size > 1 else 0.0
    return float(adi), cv2


def demand_class(adi: float, cv2: float) -> str:
    if not np.isfinite(adi):
        return "none"
    if adi < ADI_CUTOFF:
        return "smooth" if cv2 < CV2_CUTOFF else "erratic"
    return "intermittent" if cv2 < CV2_CUTOFF else "lumpy"


def classify_matrix(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised classification of a (series × periods) matrix; NaN marks censored periods."""
    Y = np.asarray(Y, dtype=float)
    obs = np.isfinite(Y)
    pos = obs & (Y > 0)
    n_obs = obs.sum(1)
    n_pos = pos.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(n_pos > 0, n_obs / np.maximum(n_pos, 1), np.inf)
        Z = np.where(pos, Y, 0.0)
        mean = Z.sum(1) / np.maximum(n_pos, 1)
        var = (np.where(pos, (Y - mean[:, None]) ** 2, 0.0)).sum(1) / np.maximum(n_pos, 1)
        cv2 = np.where(n_pos > 1, var / np.maximum(mean, 1e-12) ** 2, np.where(n_pos == 1, 0.0, np.nan))
    classes = np.array([demand_class(a, c) for a, c in zip(adi, cv2)], dtype=object)
    return adi, cv2, classes


def classify_series(history: pd.DataFrame, *, id_col: str = "series_id", target_col: str = "y",
                    censored_col: str = "censored") -> pd.DataFrame:
    """One row per series: series_id, adi, cv2, demand_class.

    ``history`` must hold every period of each series (zeros included) over the window to
    classify; rows flagged in ``censored_col`` (if present) are ignored.
    """
    rows = []
    has_cens = censored_col in history.columns
    for sid, g in history.groupby(id_col, sort=False):
        adi, cv2 = adi_cv2(g[target_col].to_numpy(), g[censored_col].to_numpy() if has_cens else None)
        rows.append((sid, adi, cv2, demand_class(adi, cv2)))
    return pd.DataFrame(rows, columns=[id_col, "adi", "cv2", "demand_class"])
