"""The engine's configuration: one function for production (``retrain forecasting``) and evaluation
(``backtest_forecasts``, the benchmarks), from documented settings and properties of the data.

``EngineSettings`` mirrors the ``FORECAST_*`` settings that shape the model (``forecasting.inputs.
engine_settings`` reads them from ``electroshop.conf``); ``configure`` turns them and the data's
frequency and history length into the engine's parameters. Nothing here is tuned on
a test window: candidate weights, per-series choices, the GBM's boosting rounds and the interval
dispersion are all chosen by the engine on rolling-origin windows before the forecast origin.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["EngineSettings", "CLASS_CANDIDATES", "configure"]

# statsforecast candidates per demand class: level / trend / season models where demand is regular,
# intermittent-demand methods where most periods are zero
CLASS_CANDIDATES = {
    "smooth": ("theta", "auto_ets"),
    "erratic": ("theta", "auto_ets"),
    "intermittent": ("croston", "tsb", "adida"),
    "lumpy": ("croston", "tsb", "adida"),
}
PERIOD_DAYS = {"D": 1, "W": 7, "M": 30}


@dataclass(frozen=True)
class EngineSettings:
    # FORECAST_STAT_WINDOW_DAYS: statsforecast candidates are fitted on at most this many recent days
    stat_window_days: int = 364
    # FORECAST_AUTO_ETS_MAX_SERIES: AutoETS (~85 ms per fit of a year of days, three fits per series)
    # is a candidate only in a chunk with at most this many series of the classes it suits
    auto_ets_max_series: int = 50
    # FORECAST_PER_SERIES_MIN_SALES: selling days in the backtest windows a series needs before it may
    # choose its own candidate combination (shrunk toward its class's)
    per_series_min_sales: int = 10


def configure(settings: EngineSettings | None = None, *, freq: str, n_periods: int) -> dict:
    """The engine's parameters for a panel with ``n_periods`` of history at ``freq``."""
    s = settings or EngineSettings()
    window = max(int(math.ceil(s.stat_window_days / PERIOD_DAYS[freq])), 1)
    return {
        "n_backtests": 2,                  # rolling-origin windows for selection and intervals
        "class_candidates": CLASS_CANDIDATES,
        "stat_window": min(window, n_periods),
        "auto_ets_max_series": int(s.auto_ets_max_series),
        "seasonal_avg": True,              # the vectorised level × seasonal-profile candidate
        "gbm": {},                         # GlobalGBM keyword arguments (False: no global model)
        "gbm_bag": True,                   # average two GBMs scaled by a long and a short recent level
        "per_series": True,                # per-series choice where supported, its shrinkage chosen by backtest
        "per_series_min_sales": int(s.per_series_min_sales),
        "weight_step": 0.1,
        "max_nonzero": 2,                  # at most two candidates in one combination
        "classify_window": 365 if freq == "D" else n_periods,
    }
