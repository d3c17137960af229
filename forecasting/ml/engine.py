"""One entry point for demand forecasting: ``forecast`` (production) and ``backtest`` (evaluation).

Pipeline for one chunk of series, everything from data strictly before ``origin``:

1. dense panel (censored / closed periods are NaN: never learned as zero demand);
2. demand class per series (ADI / CV² over the last year);
3. rolling-origin backtests at origin − k·H (k = 1..n_backtests): the global gradient-boosting
   model is refitted on the data before each backtest origin, statistical candidates too;
4. per demand class, the convex combination of candidates with the lowest scaled error in the
   backtests (``selection``);
5. final fit at the origin, ensemble forecast, zero on closed periods;
6. 80 / 95% intervals from the backtest residuals of the chosen ensemble (``intervals``).

Output columns: series_id, date, mean, lo80, hi80, lo95, hi95, model (the ensemble, e.g.
``gbm:0.75+seasonal_avg:0.25``) plus, in ``forecast(..., return_info=True)``, diagnostics.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .classification import classify_matrix
from .intervals import apply_intervals, calibrate, cross_window_coverage, series_spread
from .metrics import interval_coverage, wrmsse
from .models import (FREQ_SETTINGS, GlobalGBM, build_panel, seasonal_average,
                     statsforecast_models)
from .selection import choose_weights, combine

__all__ = ["DEFAULT_PARAMS", "forecast", "backtest", "ForecastInfo"]

DEFAULT_PARAMS = {
    "n_backtests": 2,            # rolling-origin windows used for selection and intervals
    "stat_models": (),           # extra statsforecast candidates, e.g. ("theta", "tsb", "auto_ets")
    "seasonal_avg": True,        # the vectorised level × seasonal-profile candidate
    "gbm": {},                   # GlobalGBM keyword arguments (False: no global model)
    "gbm_bag": True,             # average two GBMs scaled by a long and a short recent level
    "per_series": False,         # per-series choice on top of per-class ensembling
    "weight_step": 0.1,
    "classify_window": 365,      # periods (D); W/M use the whole history
    "series_weights": None,      # optional {series_id: weight} for the selection loss (revenue)
}


@dataclass
class ForecastInfo:
    classes: pd.Series = None
    ensemble: pd.Series = None
    backtest_coverage95: float = float("nan")
    backtest_coverage80: float = float("nan")
    interval_table: dict = field(default_factory=dict)
    cpu_seconds: float = 0.0


def _candidates(panel, t0, params, gbm_kwargs):
    out = {}
    if gbm_kwargs is not False:
        model = GlobalGBM(**gbm_kwargs).fit(panel, t_end=t0)
        out["gbm"] = model.predict(panel, t0)
        if params["gbm_bag"]:
            lw = FREQ_SETTINGS[panel.freq]["level_window"]
            kw = {"scale_window": max(lw // 2, 1), "random_state": gbm_kwargs.get("random_state", 0) + 1,
                  **{k: v for k, v in gbm_kwargs.items() if k not in ("scale_window", "random_state")}}
            out["gbm"] = 0.5 * out["gbm"] + 0.5 * GlobalGBM(**kw).fit(panel, t_end=t0).predict(panel, t0)
    closed = _closed_positions(panel, t0)
    if closed is not None:
        out = {k: np.where(closed[None, :], 0.0, v) for k, v in out.items()}
    if params["seasonal_avg"]:
        out["seasonal_avg"] = seasonal_average(panel, t0)
    if params["stat_models"]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out.update(statsforecast_models(panel, params["stat_models"], t0))
    return out


def _closed_positions(panel, t0, n_seasons: int = 8):
    """Boolean H-vector: forecast periods whose season position (weekday for daily data) had no
    sale in any series over the last ``n_seasons`` seasons, e.g. a shop closed on Saturdays.
    None when nothing is closed or the season is long (weekly / monthly data)."""
    season = FREQ_SETTINGS[panel.freq]["season"]
    if season > 14 or t0 < season * n_seasons:
        return None
    W = panel.Y[:, t0 - season * n_seasons:t0]
    ordinal0 = panel.periods[0].ordinal
    pos = (np.arange(t0 - season * n_seasons, t0) + ordinal0) % season
    sold = np.nansum(W, axis=0) > 0
    seen = np.isfinite(W).any(axis=0)
    closed_pos = [p for p in range(season) if seen[pos == p].any() and not sold[pos == p].any()]
    if not closed_pos:
        return None
    fpos = (np.arange(t0, t0 + panel.H) + ordinal0) % season
    return np.isin(fpos, closed_pos)


def _infer_exog(history, id_col, date_col, target_col, censored_col):
    skip = {id_col, date_col, target_col, censored_col}
    return [c for c in history.columns if c not in skip]


def forecast(history: pd.DataFrame, *, origin, horizon: int, freq: str = "D",
             future_exog: pd.DataFrame | None = None, params: dict | None = None,
             id_col: str = "series_id", date_col: str = "date", target_col: str = "y",
             censored_col: str = "censored", exog_cols=None, open_col: str | None = None,
             price_col: str | None = None, return_info: bool = False):
    """Forecast ``horizon`` periods from ``origin`` (the first forecast period) for every series
    in ``history``.

    history: long frame [id_col, date_col, target_col, censored_col?, exog...]; periods without
      a row are zero demand; rows at or after ``origin`` are ignored.
    future_exog: [id_col, date_col, exog...] for the forecast periods (known future inputs such as
      promotions, holidays, prices, opening days); missing values repeat the previous season.
    exog_cols: exogenous columns (default: every other column of ``history``).
    open_col: a 0/1 column; closed periods are forecast as zero and never learned.
    params: overrides of DEFAULT_PARAMS.

    Returns [series_id, date, mean, lo80, hi80, lo95, hi95, model] (and ForecastInfo when
    ``return_info``). ``date`` is the start of each period (day, Monday of the week, first of
    the month).
    """
    cpu0 = time.process_time()
    p = {**DEFAULT_PARAMS, **(params or {})}
    if exog_cols is None:
        exog_cols = _infer_exog(history, id_col, date_col, target_col, censored_col)
    panel = build_panel(history, origin=origin, horizon=horizon, freq=freq, id_col=id_col,
                        date_col=date_col, target_col=target_col, censored_col=censored_col,
                        exog_cols=exog_cols, future_exog=future_exog, open_col=open_col)
    gbm_kwargs = p["gbm"]
    if gbm_kwargs is not False:
        gbm_kwargs = {"price_col": price_col, **gbm_kwargs}
    s = FREQ_SETTINGS[freq]
    T, H = panel.T, panel.H
    cw = p["classify_window"] if freq == "D" else T
    _, _, classes = classify_matrix(panel.Y[:, max(T - cw, 0):T])
    scales = _rmsse_scales(panel.Y0[:, :T])

    # rolling-origin backtests on data before the origin only
    windows, actuals, residual_origins = [], [], []
    min_train = s["level_window"] + H + 2 * s["season"] * (s["season"] <= 14)
    for k in range(1, p["n_backtests"] + 1):
        tb = T - k * H
        if tb < min_train:
            break
        windows.append(_candidates(panel, tb, p, gbm_kwargs))
        actuals.append(panel.Y[:, tb:tb + H])
        residual_origins.append(tb)

    final = _candidates(panel, T, p, gbm_kwargs)
    names = list(final)
    sw = None
    if p["series_weights"] is not None:
        sw = pd.Series(p["series_weights"]).reindex(panel.ids).fillna(0).to_numpy(float)
    if windows and len(names) > 1:
        grid, choice = choose_weights(windows, actuals, scales, classes, series_weights=sw,
                                      step=p["weight_step"], per_series=p["per_series"])
    else:
        grid, choice = [{names[0]: 1.0}], np.zeros(panel.n, dtype=int)
    mean = combine(final, grid, choice)
    open_future = panel.is_open()[:, T:T + H]
    mean = np.where(open_future, np.clip(mean, 0, None), 0.0)

    # intervals from the backtest residuals of the chosen ensemble
    sigma = series_spread(panel.Y, T)
    info = ForecastInfo()
    if windows:
        bt_means = [np.where(panel.is_open()[:, tb:tb + H], combine(w, grid, choice), 0.0)
                    for w, tb in zip(windows, residual_origins)]
        residuals = [a - m for a, m in zip(actuals, bt_means)]
        sigmas = [series_spread(panel.Y, tb) for tb in residual_origins]
        table = calibrate(residuals, sigmas, classes)
        info.backtest_coverage95 = cross_window_coverage(residuals, sigmas, classes, bt_means, actuals, 0.95)
        info.backtest_coverage80 = cross_window_coverage(residuals, sigmas, classes, bt_means, actuals, 0.80)
    else:   # no backtest possible (short history): a wide normal-ish fallback
        table = {"__all__": {0.80: (-1.2816, 1.2816), 0.95: (-1.96, 1.96)}}
    iv = apply_intervals(mean, sigma, classes, table, open_mask=open_future)

    labels = np.array(["+".join(f"{nm}:{wt:g}" for nm, wt in g.items() if wt > 0) for g in grid])
    dates = panel.periods[T:T + H].to_timestamp()
    out = pd.DataFrame({
        "series_id": np.repeat(panel.ids, H),
        "date": np.tile(dates, panel.n),
        "mean": mean.reshape(-1),
        "lo80": iv["lo80"].reshape(-1), "hi80": iv["hi80"].reshape(-1),
        "lo95": iv["lo95"].reshape(-1), "hi95": iv["hi95"].reshape(-1),
        "model": np.repeat(labels[choice], H),
    })
    if not return_info:
        return out
    info.classes = pd.Series(classes, index=panel.ids, name="demand_class")
    info.ensemble = pd.Series(labels[choice], index=panel.ids, name="model")
    info.interval_table = table
    info.cpu_seconds = time.process_time() - cpu0
    return out, info


def _rmsse_scales(Y0: np.ndarray) -> np.ndarray:
    d = np.diff(Y0, axis=1)
    return (d ** 2).mean(1) if d.shape[1] else np.ones(Y0.shape[0])


def backtest(history: pd.DataFrame, *, horizon: int, freq: str = "D", n_windows: int = 1,
             id_col: str = "series_id", date_col: str = "date", target_col: str = "y",
             censored_col: str = "censored", exog_cols=None, open_col: str | None = None,
             price_col: str | None = None, params: dict | None = None,
             weights: pd.Series | None = None, baselines=("seasonal_naive",)) -> pd.DataFrame:
    """Hold out the last ``n_windows`` × ``horizon`` periods in turn, forecast each window from
    the data before it, and score it: one row per window and method with WRMSSE, WAPE and the
    engine's 80/95% interval coverage. Known future exogenous values are taken from ``history``.
    Used by the ``backtest_forecasts`` management command (long-format CSV input)."""
    h = history.copy()
    h["_p"] = pd.PeriodIndex(pd.to_datetime(h[date_col]), freq=freq)
    last = h["_p"].max()
    if exog_cols is None:
        exog_cols = _infer_exog(history, id_col, date_col, target_col, censored_col)
    rows = []
    for k in range(n_windows, 0, -1):
        origin_p = last - k * horizon + 1
        origin = origin_p.to_timestamp()
        end = origin_p + horizon
        train = h[h["_p"] < origin_p].drop(columns="_p")
        test = h[(h["_p"] >= origin_p) & (h["_p"] < end)].drop(columns="_p")
        fut = test[[id_col, date_col] + list(exog_cols)] if exog_cols else None
        fc = forecast(train, origin=origin, horizon=horizon, freq=freq, future_exog=fut, params=params,
                      id_col=id_col, date_col=date_col, target_col=target_col, censored_col=censored_col,
                      exog_cols=exog_cols, open_col=open_col, price_col=price_col)
        cal_train, cal_test = _complete(train, test, id_col, date_col, target_col, freq, origin_p, horizon)
        fc = fc.rename(columns={"series_id": id_col, "date": date_col})
        fc = fc[fc[id_col].isin(cal_test[id_col].unique())]
        merged = cal_test.merge(fc, on=[id_col, date_col], how="left").fillna({"mean": 0.0})
        score = wrmsse(cal_test, fc, cal_train, weights=weights, id_col=id_col, date_col=date_col,
                       target_col=target_col)
        rows.append(dict(window=k, origin=origin.date(), method="engine", wrmsse=score,
                         wape=_wape(merged[target_col], merged["mean"]),
                         coverage80=interval_coverage(merged[target_col], merged["lo80"], merged["hi80"]),
                         coverage95=interval_coverage(merged[target_col], merged["lo95"], merged["hi95"])))
        if baselines:
            panel = build_panel(train, origin=origin, horizon=horizon, freq=freq, id_col=id_col,
                                date_col=date_col, target_col=target_col, censored_col=censored_col)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bf = statsforecast_models(panel, list(baselines))
            dates = panel.periods[panel.T:panel.T + horizon].to_timestamp()
            for nm, F in bf.items():
                bdf = pd.DataFrame({id_col: np.repeat(panel.ids, horizon), date_col: np.tile(dates, panel.n),
                                    "mean": F.reshape(-1)})
                m = cal_test.merge(bdf, on=[id_col, date_col], how="left").fillna({"mean": 0.0})
                rows.append(dict(window=k, origin=origin.date(), method=nm,
                                 wrmsse=wrmsse(cal_test, bdf, cal_train, weights=weights, id_col=id_col,
                                               date_col=date_col, target_col=target_col),
                                 wape=_wape(m[target_col], m["mean"]), coverage80=np.nan, coverage95=np.nan))
    return pd.DataFrame(rows)


def _wape(a, f):
    from .metrics import wape
    return wape(a.to_numpy(), f.to_numpy())


def _complete(train, test, id_col, date_col, target_col, freq, origin_p, horizon):
    """Complete calendars (zeros for missing periods) for scoring, dates = period starts."""
    t = pd.concat([train, test])
    t = t.assign(_p=pd.PeriodIndex(pd.to_datetime(t[date_col]), freq=freq))
    agg = t.groupby([id_col, "_p"])[target_col].sum()
    ids = train[id_col].unique()
    periods = pd.period_range(agg.index.get_level_values(1).min(), origin_p + horizon - 1, freq=freq)
    full = agg.reindex(pd.MultiIndex.from_product([ids, periods], names=[id_col, "_p"]), fill_value=0).reset_index()
    full[date_col] = full["_p"].dt.to_timestamp()
    full = full.drop(columns="_p")
    start = origin_p.to_timestamp()
    return full[full[date_col] < start], full[full[date_col] >= start]
