"""One entry point for demand forecasting: ``forecast`` (production) and ``backtest`` (evaluation).

Pipeline for one chunk of series, everything from data strictly before ``origin``:

1. dense panel (censored / closed periods are NaN: never learned as zero demand);
2. demand class per series (ADI / CV² over the last year);
3. rolling-origin backtests at origin − k·H (k = 1..n_backtests): the global gradient-boosting
   model is refitted on the data before each backtest origin, statistical candidates too (the
   statsforecast ones only on the series of the classes they suit, ``config.CLASS_CANDIDATES``,
   on a bounded recent window);
4. per demand class, the convex combination of its candidates with the lowest scaled error in the
   backtests, and per series where its backtest sales support it, shrunk toward its class
   (``selection``);
5. final fit at the origin, ensemble forecast, zero on closed periods;
6. the predictive distribution of units per day: variance = phi·mean + alpha·mean², (phi, alpha) per
   demand class and forecast level calibrated on the backtest windows' coverage; 80 / 95% intervals are its whole-unit
   quantiles (``intervals``, ``distribution``).

The parameters come from ``config.configure`` (settings + data), the same for production and
``backtest``. Output columns: series_id, date, mean, variance, lo80, hi80, lo95, hi95, model (the
ensemble, e.g. ``gbm:0.7+theta:0.3``) plus, in ``forecast(..., return_info=True)``, diagnostics.
"""
from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .classification import classify_matrix
from .config import EngineSettings, configure
from .intervals import calibrate, class_dispersion, cross_window_coverage, predictive_variance, quantile_intervals
from .metrics import interval_coverage, wape, wrmsse
from .models import (FREQ_SETTINGS, GlobalGBM, Panel, build_panel, seasonal_average,
                     statsforecast_models)
from .selection import choose_weights, combine

__all__ = ["forecast", "backtest", "baseline_forecasts", "holdout_scores", "complete_calendar",
           "detect_open_column", "ForecastInfo"]


@dataclass
class ForecastInfo:
    classes: pd.Series = None
    ensemble: pd.Series = None
    backtest_coverage95: float = float("nan")
    backtest_coverage80: float = float("nan")
    interval_table: dict = field(default_factory=dict)   # {group: (phi, alpha)} of the predictive variance
    per_series_shrinkage: float | None = None   # None: every series took its class's combination
    params: dict = field(default_factory=dict)   # the configuration used (``config.configure``)
    cpu_seconds: float = 0.0
    # the engine's forecast of the last horizon before the origin (see ``forecast``), or None
    holdout: pd.DataFrame | None = None
    holdout_origin: pd.Timestamp | None = None


def _candidates(panel, t0, params, gbm_kwargs, stat_rows: dict):
    """{name: n × H forecast from t0}; a statistical candidate is NaN outside its ``stat_rows``."""
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
    by_rows: dict = {}
    for name, rows in stat_rows.items():   # one statsforecast call per set of series
        by_rows.setdefault(rows.tobytes(), (rows, []))[1].append(name)
    for rows, names in by_rows.values():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = statsforecast_models(panel, names, t0, rows=rows, window=params["stat_window"])
        for name, F in fitted.items():
            full = np.full((panel.n, panel.H), np.nan)
            full[rows] = np.where(closed[None, :], 0.0, F) if closed is not None else F
            out[name] = full
    return out


def _stat_rows(panel, origins, p) -> dict:
    """{statsforecast candidate: series to fit it on}: the series whose demand class suits it at any of
    the ``origins`` (the forecast's and its backtests'), so every ensemble finds its candidates."""
    cw = p["classify_window"]
    classes = [classify_matrix(panel.Y[:, max(t - cw, 0):t])[2] for t in origins]
    out = {}
    for cls, names in p["class_candidates"].items():
        suited = np.logical_or.reduce([c == cls for c in classes])
        for name in names:
            out[name] = out.get(name, np.zeros(panel.n, dtype=bool)) | suited
    if "auto_ets" in out and out["auto_ets"].sum() > p["auto_ets_max_series"]:
        del out["auto_ets"]   # over the cost budget (EngineSettings.auto_ets_max_series)
    return {name: np.flatnonzero(mask) for name, mask in out.items() if mask.any()}


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
             future_exog: pd.DataFrame | None = None, settings: EngineSettings | None = None,
             params: dict | None = None, id_col: str = "series_id", date_col: str = "date",
             target_col: str = "y", censored_col: str = "censored", exog_cols=None,
             open_col: str | None = None, price_col: str | None = None, return_info: bool = False):
    """Forecast ``horizon`` periods from ``origin`` (the first forecast period) for every series
    in ``history``.

    history: long frame [id_col, date_col, target_col, censored_col?, exog...]; periods without
      a row are zero demand; rows at or after ``origin`` are ignored.
    future_exog: [id_col, date_col, exog...] for the forecast periods (known future inputs such as
      promotions, holidays, events, opening days); missing values repeat the previous season.
    exog_cols: exogenous columns (default: every other column of ``history``).
    open_col: a 0/1 column; closed periods are forecast as zero and never learned.
    price_col: the price column: the global model sees the price in effect at the origin and its
      ratio to the mean of the 28 periods before (no price path inside the horizon, which a price
      derived from sales would leak).
    settings: ``config.EngineSettings`` (production reads them from the FORECAST_* settings);
      the parameters are ``config.configure(settings, ...)`` of the data.
    params: overrides of the configured parameters, for unit tests only.

    Returns [series_id, date, mean, variance, lo80, hi80, lo95, hi95, model] (and ForecastInfo when
    ``return_info``). ``date`` is the start of each period (day, Monday of the week, first of
    the month); ``variance`` is the predictive variance of the period's demand, the intervals its
    whole-unit quantiles.
    """
    cpu0 = time.process_time()
    if exog_cols is None:
        exog_cols = _infer_exog(history, id_col, date_col, target_col, censored_col)
    panel = build_panel(history, origin=origin, horizon=horizon, freq=freq, id_col=id_col,
                        date_col=date_col, target_col=target_col, censored_col=censored_col,
                        exog_cols=exog_cols, future_exog=future_exog, open_col=open_col)
    p = {**configure(settings, freq=freq, n_periods=panel.T), **(params or {})}
    gbm_kwargs = p["gbm"]
    if gbm_kwargs is not False:
        gbm_kwargs = {"price_col": price_col, **gbm_kwargs}
    out, info = _forecast_panel(panel, p, gbm_kwargs, holdout=return_info)
    info.params = p
    info.cpu_seconds = time.process_time() - cpu0
    return (out, info) if return_info else out


def _truncated(panel: Panel, t: int) -> Panel:
    """The panel as it was known at period t: history before t, known inputs up to t + H."""
    H = panel.H
    return Panel(ids=panel.ids, periods=panel.periods[:t + H], T=t, H=H, freq=panel.freq, Y=panel.Y[:, :t],
                 Y0=panel.Y0[:, :t], X={k: v[:, :t + H] for k, v in panel.X.items()}, open_col=panel.open_col)


def _forecast_panel(panel: Panel, p: dict, gbm_kwargs, *, holdout: bool):
    s = FREQ_SETTINGS[panel.freq]
    T, H = panel.T, panel.H
    cw = p["classify_window"]
    _, _, classes = classify_matrix(panel.Y[:, max(T - cw, 0):T])
    scales = _rmsse_scales(panel.Y0[:, :T])

    # rolling-origin backtests on data before the origin only
    min_train = s["level_window"] + H + 2 * s["season"] * (s["season"] <= 14)
    origins = [T - k * H for k in range(1, p["n_backtests"] + 1) if T - k * H >= min_train]
    stat_rows = _stat_rows(panel, [T, *origins], p)
    windows = [_candidates(panel, tb, p, gbm_kwargs, stat_rows) for tb in origins]
    actuals = [panel.Y[:, tb:tb + H] for tb in origins]

    final = _candidates(panel, T, p, gbm_kwargs, stat_rows)
    ens = _ensemble(panel, T, final, windows, actuals, origins, classes, scales, p)
    out = _forecast_frame(panel, T, ens)
    info = ForecastInfo(backtest_coverage95=ens.coverage95, backtest_coverage80=ens.coverage80,
                        per_series_shrinkage=ens.shrinkage)
    info.classes = pd.Series(classes, index=panel.ids, name="demand_class")
    info.ensemble = pd.Series(ens.labels[ens.choice], index=panel.ids, name="model")
    info.interval_table = ens.table
    if not holdout:
        return out, info
    tb = T - H
    if len(windows) >= 2:
        # The most recent backtest window forecast as the engine would have at its origin: its
        # candidates were fitted on the data before it, and the ensemble weights, demand classes
        # and intervals come from the older windows only. An honest one-window backtest of the
        # whole engine without fitting it all again (the fill's accuracy table uses it).
        cls_b = classify_matrix(panel.Y[:, max(tb - cw, 0):tb])[2]
        ens_b = _ensemble(panel, tb, windows[0], windows[1:], actuals[1:], origins[1:], cls_b,
                          _rmsse_scales(panel.Y0[:, :tb]), p)
        info.holdout = _forecast_frame(panel, tb, ens_b)
    elif tb >= H:   # too short for two windows: refit the engine on the data before the window
        info.holdout = _forecast_panel(_truncated(panel, tb), p, gbm_kwargs, holdout=False)[0]
    if info.holdout is not None:
        info.holdout_origin = panel.periods[tb].to_timestamp()
    return out, info


@dataclass
class _Ensemble:
    mean: np.ndarray
    variance: np.ndarray
    intervals: dict
    labels: np.ndarray
    choice: np.ndarray
    table: dict
    shrinkage: float | None = None
    coverage80: float = float("nan")
    coverage95: float = float("nan")


def _ensemble(panel, t0, final, windows, actuals, origins, classes, scales, p) -> _Ensemble:
    """Weights per demand class (and per series where supported) chosen on the backtest ``windows``
    (origins before t0), the ensemble of the ``final`` candidates (n × H from t0), and its predictive
    distribution calibrated on the windows."""
    names = list(final)
    H = panel.H
    shrinkage = None
    if windows and len(names) > 1:
        grid, choice, shrinkage = choose_weights(
            windows, actuals, scales, classes, class_candidates=p["class_candidates"],
            step=p["weight_step"], max_nonzero=p["max_nonzero"], per_series=p["per_series"],
            min_sales=p["per_series_min_sales"])
    else:
        first = "gbm" if "gbm" in final else names[0]
        grid, choice = [{first: 1.0}], np.zeros(panel.n, dtype=int)
    open_mask = panel.is_open()
    open_future = open_mask[:, t0:t0 + H]
    mean = np.where(open_future, np.clip(combine(final, grid, choice), 0, None), 0.0)
    labels = np.array(["+".join(f"{nm}:{wt:g}" for nm, wt in g.items() if wt > 0) for g in grid])
    if windows:
        bt_means = [np.where(open_mask[:, tb:tb + H], np.clip(combine(w, grid, choice), 0, None), 0.0)
                    for w, tb in zip(windows, origins)]
        table = calibrate(bt_means, actuals, classes)
        coverage = cross_window_coverage(bt_means, actuals, classes)
        cov80, cov95 = coverage[0.80], coverage[0.95]
    else:   # no backtest possible (short history): a wide negative binomial
        table, cov95, cov80 = {"__all__": (2.0, 1.0)}, float("nan"), float("nan")
    phi, alpha = class_dispersion(classes, table, mean)
    variance = np.where(open_future, predictive_variance(mean, phi[:, None], alpha[:, None]), 0.0)
    return _Ensemble(mean=mean, variance=variance, intervals=quantile_intervals(mean, variance, open_mask=open_future),
                     labels=labels, choice=choice, table=table, shrinkage=shrinkage, coverage80=cov80,
                     coverage95=cov95)


def _forecast_frame(panel, t0: int, ens: _Ensemble) -> pd.DataFrame:
    H = panel.H
    iv = ens.intervals
    return pd.DataFrame({
        "series_id": np.repeat(panel.ids, H),
        "date": np.tile(panel.periods[t0:t0 + H].to_timestamp(), panel.n),
        "mean": ens.mean.reshape(-1),
        "variance": ens.variance.reshape(-1),
        "lo80": iv["lo80"].reshape(-1), "hi80": iv["hi80"].reshape(-1),
        "lo95": iv["lo95"].reshape(-1), "hi95": iv["hi95"].reshape(-1),
        "model": np.repeat(ens.labels[ens.choice], H),
    })


def _rmsse_scales(Y0: np.ndarray) -> np.ndarray:
    d = np.diff(Y0, axis=1)
    return (d ** 2).mean(1) if d.shape[1] else np.ones(Y0.shape[0])


def backtest(history: pd.DataFrame, *, horizon: int, freq: str = "D", n_windows: int = 1,
             id_col: str = "series_id", date_col: str = "date", target_col: str = "y",
             censored_col: str = "censored", exog_cols=None, open_col: str | None = None,
             price_col: str | None = None, settings: EngineSettings | None = None, params: dict | None = None,
             weights: pd.Series | str | None = None, baselines=("seasonal_naive",),
             return_forecasts: bool = False):
    """Hold out the last ``n_windows`` × ``horizon`` periods in turn, forecast each window from
    the data before it, and score it (``holdout_scores``): one row per window and method with
    WRMSSE, WAPE and the engine's 80/95% interval coverage. Known future exogenous values are
    taken from ``history``; the ``baselines`` are fitted as published (``baseline_forecasts``).
    ``weights``: per-series WRMSSE weights, ``"target"`` (each series' share of the target over
    the window's training periods: the revenue share when the target is revenue) or None (equal).
    With ``return_forecasts`` also returns the engine's forecast of the last window.
    Used by the ``backtest_forecasts`` management command (long-format CSV input)."""
    h = history.copy()
    h["_p"] = pd.PeriodIndex(pd.to_datetime(h[date_col]), freq=freq)
    last = h["_p"].max()
    if exog_cols is None:
        exog_cols = _infer_exog(history, id_col, date_col, target_col, censored_col)
    frames, fc = [], None
    for k in range(n_windows, 0, -1):
        origin_p = last - k * horizon + 1
        origin = origin_p.to_timestamp()
        window = h[h["_p"] < origin_p + horizon].drop(columns="_p")
        train = h[h["_p"] < origin_p].drop(columns="_p")
        test = h[(h["_p"] >= origin_p) & (h["_p"] < origin_p + horizon)].drop(columns="_p")
        fut = test[[id_col, date_col] + list(exog_cols)] if exog_cols else None
        fc = forecast(train, origin=origin, horizon=horizon, freq=freq, future_exog=fut, settings=settings,
                      params=params, id_col=id_col, date_col=date_col, target_col=target_col, censored_col=censored_col,
                      exog_cols=exog_cols, open_col=open_col, price_col=price_col)
        forecasts = {"engine": fc, **baseline_forecasts(train, baselines, origin=origin, horizon=horizon, freq=freq,
                                                        id_col=id_col, date_col=date_col, target_col=target_col)}
        scores = holdout_scores(window, forecasts, origin=origin, horizon=horizon, freq=freq, weights=weights,
                                id_col=id_col, date_col=date_col, target_col=target_col)
        scores.insert(0, "origin", origin.date())
        scores.insert(0, "window", k)
        frames.append(scores)
    result = pd.concat(frames, ignore_index=True)
    return (result, fc) if return_forecasts else result


def baseline_forecasts(history: pd.DataFrame, names, *, origin, horizon: int, freq: str = "D",
                       series_ids=None, id_col: str = "series_id", date_col: str = "date",
                       target_col: str = "y") -> dict[str, pd.DataFrame]:
    """statsforecast baselines (``models.statsforecast_models`` names) as published: fitted on the
    zero-filled calendar of the history before ``origin`` (censored and closed periods are not
    treated specially), for ``series_ids`` (default: every series). {name: [id_col, date_col, mean]}."""
    names = list(names)
    if not names:
        return {}
    panel = build_panel(history, origin=origin, horizon=horizon, freq=freq, id_col=id_col, date_col=date_col,
                        target_col=target_col, censored_col=None, series_ids=series_ids)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = statsforecast_models(panel, names)
    dates = panel.periods[panel.T:panel.T + horizon].to_timestamp()
    return {nm: pd.DataFrame({id_col: np.repeat(panel.ids, horizon), date_col: np.tile(dates, panel.n),
                              "mean": F.reshape(-1)}) for nm, F in fitted.items()}


def holdout_scores(history: pd.DataFrame, forecasts: dict, *, origin, horizon: int, freq: str = "D",
                   weights: pd.Series | str | None = None, id_col: str = "series_id", date_col: str = "date",
                   target_col: str = "y") -> pd.DataFrame:
    """Score forecasts of the ``horizon`` periods from ``origin`` against ``history``.

    forecasts: {method: frame [id_col (or series_id), date_col (or date), mean, lo80?, hi80?, lo95?,
    hi95?]}; each method is scored on the series its frame covers (a baseline fitted on a sample is
    scored on that sample). Calendars are complete (missing periods are zero), RMSSE scales come from
    the history before the origin. Returns one row per method: method, series, weight (the
    series' total WRMSSE weight, for pooling), actual (held-out target total), wrmsse, wape,
    coverage80, coverage95 (NaN without intervals)."""
    h = history.assign(_p=pd.PeriodIndex(pd.to_datetime(history[date_col]), freq=freq))
    origin_p = pd.Period(pd.Timestamp(origin), freq=freq)
    train = h[h["_p"] < origin_p].drop(columns="_p")
    test = h[(h["_p"] >= origin_p) & (h["_p"] < origin_p + horizon)].drop(columns="_p")
    cal_train, cal_test = _complete(train, test, id_col, date_col, target_col, freq, origin_p, horizon)
    if isinstance(weights, str):
        if weights != "target":
            raise ValueError("weights must be a Series, 'target' or None")
        weights = cal_train.groupby(id_col)[target_col].sum()
    rows = []
    for method, fc in forecasts.items():
        fc = fc.rename(columns={"series_id": id_col, "date": date_col})
        fc = fc[[c for c in (id_col, date_col, "mean", "lo80", "hi80", "lo95", "hi95") if c in fc.columns]]
        ids = pd.Index(fc[id_col].unique())
        act = cal_test[cal_test[id_col].isin(ids)]
        tr = cal_train[cal_train[id_col].isin(ids)]
        merged = act.merge(fc, on=[id_col, date_col], how="left").fillna({"mean": 0.0})
        has_iv = "lo95" in fc.columns
        cov = {f"coverage{lv}": (interval_coverage(merged[target_col], merged[f"lo{lv}"], merged[f"hi{lv}"])
                                 if has_iv else np.nan) for lv in (80, 95)}
        weight = float(weights.reindex(ids).fillna(0).sum()) if weights is not None else float(len(ids))
        rows.append(dict(method=method, series=len(ids), weight=weight, actual=float(act[target_col].sum()),
                         wrmsse=wrmsse(act, fc, tr, weights=weights, id_col=id_col, date_col=date_col,
                                       target_col=target_col),
                         wape=wape(merged[target_col].to_numpy(), merged["mean"].to_numpy()), **cov))
    return pd.DataFrame(rows)


def complete_calendar(history: pd.DataFrame, *, id_col: str = "series_id", date_col: str = "date",
                      target_col: str = "y", freq: str = "D", censored_col: str = "censored",
                      min_recorded: float = 0.9) -> pd.DataFrame:
    """Add the unrecorded periods of a file that records periods without demand as explicit rows.

    Such a file (it has rows with a zero target, and rows for at least ``min_recorded`` of the
    periods between each series' first and last row: a store's daily sales, zeros included) says
    nothing about a period it has no row for: a store closed for refurbishment, a gap in the
    export. Those periods are added with a zero target and ``censored_col`` True, so the engine does
    not learn them as zero demand (they still score as zero, as the protocol's calendar does).
    A sparse log (no zero rows, or many missing periods) is returned unchanged: there a missing
    period is a period without sales. Exogenous values of added rows are left empty (NaN)."""
    p = pd.PeriodIndex(pd.to_datetime(history[date_col]), freq=freq)
    codes = p.asi8
    cells = pd.DataFrame({"id": history[id_col].to_numpy(), "t": codes}).drop_duplicates()
    span = cells.groupby("id")["t"].agg(["min", "max", "size"])
    expected = int((span["max"] - span["min"] + 1).sum())
    explicit_zeros = bool((pd.to_numeric(history[target_col], errors="coerce") == 0).any())
    if not explicit_zeros or len(cells) >= expected or len(cells) < min_recorded * expected:
        return history
    full = pd.MultiIndex.from_arrays([np.repeat(span.index.to_numpy(), (span["max"] - span["min"] + 1).to_numpy()),
                                      np.concatenate([np.arange(a, b + 1) for a, b in zip(span["min"], span["max"])])])
    missing = full.difference(pd.MultiIndex.from_frame(cells))
    added = pd.DataFrame({id_col: missing.get_level_values(0),
                          date_col: pd.PeriodIndex.from_ordinals(missing.get_level_values(1), freq=freq).to_timestamp(),
                          target_col: 0.0, censored_col: True})
    out = history.copy()
    if censored_col in out.columns:
        out[censored_col] = out[censored_col].fillna(False).astype(bool)
    else:
        out[censored_col] = False
    out[date_col] = pd.to_datetime(out[date_col])
    return pd.concat([out, added], ignore_index=True).sort_values([id_col, date_col], kind="stable",
                                                                  ignore_index=True)


def detect_open_column(history: pd.DataFrame, columns, *, target_col: str = "y",
                       closed_zero_share: float = 0.99) -> str | None:
    """The first of ``columns`` that marks opening periods: numeric 0/1 taking both values, the
    target zero on at least ``closed_zero_share`` of its 0 rows and positive on most of its 1 rows
    (Rossmann's ``Open``). Such a column is the engine's ``open_col``: closed periods are forecast
    as zero and never learned. None when no column qualifies."""
    y = pd.to_numeric(history[target_col], errors="coerce")
    for col in columns:
        v = pd.to_numeric(history[col], errors="coerce")
        known = history[col].notna()      # rows added for unrecorded periods have no value
        if (v[known].isna()).any() or set(v[known].unique()) != {0, 1}:
            continue
        closed, opened = y[known & (v == 0)], y[known & (v == 1)]
        if (closed == 0).mean() >= closed_zero_share and (opened > 0).mean() > 0.5:
            return col
    return None


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
