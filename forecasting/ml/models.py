"""Forecasting models on a dense (series × periods) panel.

* ``build_panel`` turns long history (+ known future inputs) into dense matrices. Censored
  periods (out of stock) and, when an ``open_col`` is given, closed periods become NaN in the
  target matrix so no model learns them as zero demand.
* Statistical models: ``seasonal_average`` (recent level × shrunk seasonal profile, vectorised)
  and ``statsforecast_models`` (AutoETS, Theta, SeasonalNaive, CrostonOptimized, TSB, ADIDA...).
* ``GlobalGBM``: one scikit-learn HistGradientBoostingRegressor for all series, direct multi-
  horizon: each training row is (series, forecast origin, step h); features use only data
  before that origin (so every lag is horizon-safe) plus calendar and known future inputs of
  the target period; the target is divided by the series' recent level (per-series scaling).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Panel", "FREQ_SETTINGS", "build_panel", "seasonal_average", "statsforecast_models",
           "GlobalGBM", "recent_level"]

# season length, level window, year length, training-origin stride (all in periods)
FREQ_SETTINGS = {
    "D": dict(season=7, level_window=56, year=364, stride=7, windows=(7, 14, 28, 56, 112)),
    "W": dict(season=52, level_window=13, year=52, stride=2, windows=(2, 4, 8, 13, 26)),
    "M": dict(season=12, level_window=6, year=12, stride=1, windows=(1, 3, 6, 12)),
}


@dataclass
class Panel:
    ids: np.ndarray                 # series ids, row order of every matrix
    periods: pd.PeriodIndex         # calendar: T history periods followed by H future periods
    T: int                          # number of history periods (strictly before the origin)
    H: int
    freq: str
    Y: np.ndarray                   # n × T, NaN where censored / closed (not learnable)
    Y0: np.ndarray                  # n × T, raw target with zeros (for metrics and scaling)
    X: dict = field(default_factory=dict)   # exog name -> n × (T + H) float matrix
    open_col: str | None = None

    @property
    def n(self) -> int:
        return len(self.ids)

    def is_open(self) -> np.ndarray:
        """n × (T + H) boolean: periods in which demand can happen."""
        if self.open_col and self.open_col in self.X:
            return self.X[self.open_col] > 0.5
        return np.ones((self.n, self.T + self.H), dtype=bool)


def _to_periods(dates, freq: str) -> pd.PeriodIndex:
    return pd.PeriodIndex(pd.to_datetime(dates), freq=freq)


def build_panel(history: pd.DataFrame, *, origin, horizon: int, freq: str = "D",
                id_col: str = "series_id", date_col: str = "date", target_col: str = "y",
                censored_col: str = "censored", exog_cols=(), future_exog: pd.DataFrame | None = None,
                open_col: str | None = None, series_ids=None, start=None) -> Panel:
    """Dense matrices over one calendar from the first history period (or ``start``) to origin+H-1.

    Periods without a row count as zero demand. Only rows strictly before ``origin`` are used as
    history. Exogenous values missing in the future are filled with the value one season earlier
    (weekday pattern of opening days, for instance); missing history values are forward-filled,
    then zero. Non-numeric exogenous columns are integer-coded.
    """
    if freq not in FREQ_SETTINGS:
        raise ValueError(f"freq must be one of {sorted(FREQ_SETTINGS)}")
    season = FREQ_SETTINGS[freq]["season"]
    h = history.copy()
    h["_p"] = _to_periods(h[date_col], freq)
    o = pd.Period(pd.Timestamp(origin), freq=freq)
    h = h[h["_p"] < o]
    ids = np.asarray(series_ids) if series_ids is not None else np.asarray(pd.unique(h[id_col]))
    p0 = pd.Period(pd.Timestamp(start), freq=freq) if start is not None else h["_p"].min()
    if pd.isna(p0):
        p0 = o - 1
    periods = pd.period_range(p0, o + horizon - 1, freq=freq)
    T = int((o - p0).n)
    n = len(ids)
    row = pd.Index(ids).get_indexer(h[id_col])
    col = (h["_p"].astype("int64").to_numpy() - p0.ordinal)
    keep = (row >= 0) & (col >= 0)
    row, col, hk = row[keep], col[keep], h[keep]
    Y0 = np.zeros((n, T))
    np.add.at(Y0, (row, col), hk[target_col].to_numpy(dtype=float))
    Y = Y0.copy()
    if censored_col in hk.columns:
        cens = hk[censored_col].fillna(False).to_numpy(dtype=bool)
        Y[row[cens], col[cens]] = np.nan
    X = {}
    exog_cols = list(exog_cols)
    if open_col and open_col not in exog_cols:
        exog_cols.append(open_col)
    fut = None
    if future_exog is not None and len(future_exog):
        fut = future_exog.copy()
        fut["_p"] = _to_periods(fut[date_col], freq)
        fut = fut[(fut["_p"] >= o) & (fut["_p"] < o + horizon)]
        frow = pd.Index(ids).get_indexer(fut[id_col])
        fcol = fut["_p"].astype("int64").to_numpy() - p0.ordinal
        fk = frow >= 0
    for c in exog_cols:
        M = np.full((n, T + horizon), np.nan)
        hv, fv = hk[c] if c in hk.columns else None, None
        if fut is not None and c in fut.columns:
            fv = fut[c]
        if (hv is not None and not pd.api.types.is_numeric_dtype(hv)) or \
                (fv is not None and not pd.api.types.is_numeric_dtype(fv)):
            both = pd.concat([s.dropna().astype(str) for s in (hv, fv) if s is not None])
            cats = {v: i for i, v in enumerate(sorted(both.unique()))}
            # an empty value stays empty (filled like a missing row), never a category of its own
            hv = hv.where(hv.isna(), hv.astype(str)).map(cats) if hv is not None else None
            fv = fv.where(fv.isna(), fv.astype(str)).map(cats) if fv is not None else None
        if hv is not None:
            M[row, col] = hv.to_numpy(dtype=float)
        if fv is not None:
            M[frow[fk], fcol[fk]] = fv.to_numpy(dtype=float)[fk]
        hist = pd.DataFrame(M[:, :T]).T.ffill().T.to_numpy()
        M[:, :T] = np.nan_to_num(hist, nan=0.0)
        for t in range(T, T + horizon):   # unknown future: value one season earlier
            miss = np.isnan(M[:, t])
            if miss.any():
                M[miss, t] = M[miss, t - season] if t - season >= 0 else 0.0
        X[c] = M
    panel = Panel(ids=ids, periods=periods, T=T, H=horizon, freq=freq, Y=Y, Y0=Y0, X=X,
                  open_col=open_col)
    if open_col:
        closed = ~panel.is_open()[:, :T]
        panel.Y[closed] = np.nan
    return panel


def _window_mean(cs: np.ndarray, cc: np.ndarray, t0: int, w: int) -> np.ndarray:
    a = max(t0 - w, 0)
    cnt = cc[:, t0] - cc[:, a]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnt > 0, (cs[:, t0] - cs[:, a]) / np.maximum(cnt, 1), np.nan)


def _pooled_trend(cs, cc, t0):
    """Whole-panel (shop-wide) recent trend at t0: mean demand over short windows vs long ones."""
    def pooled(w):
        a = max(t0 - w, 0)
        return (cs[:, t0] - cs[:, a]).sum() / max((cc[:, t0] - cc[:, a]).sum(), 1)
    base = pooled(112)
    return {f"pool_{w}": (pooled(w) / base if base > 0 else 1.0) for w in (7, 28, 56)}


def _cumsums(Y: np.ndarray):
    fin = np.isfinite(Y)
    cs = np.zeros((Y.shape[0], Y.shape[1] + 1))
    cc = np.zeros_like(cs)
    cs[:, 1:] = np.cumsum(np.where(fin, Y, 0.0), axis=1)
    cc[:, 1:] = np.cumsum(fin, axis=1)
    return cs, cc


def recent_level(Y: np.ndarray, t0: int, window: int) -> np.ndarray:
    """Mean of the learnable (non-NaN) periods in the last ``window`` before t0; falls back to
    the whole history before t0; 0 when the series has no learnable period at all."""
    cs, cc = _cumsums(Y[:, :t0])
    lvl = _window_mean(cs, cc, t0, window)
    full = _window_mean(cs, cc, t0, t0)
    lvl = np.where(np.isfinite(lvl), lvl, full)
    return np.nan_to_num(lvl, nan=0.0)


def _seasonal_profile(Y: np.ndarray, t0: int, season: int, n_seasons: int, ordinal0: int,
                      shrink: float = 0.5):
    """n × season multiplicative profile indexed by (period ordinal mod season), shrunk toward the
    pooled profile of all series (robust for sparse series)."""
    n = Y.shape[0]
    a = max(t0 - season * n_seasons, 0)
    W = Y[:, a:t0]
    pos = (np.arange(a, t0) + ordinal0) % season
    sums = np.zeros((n, season))
    cnts = np.zeros((n, season))
    fin = np.isfinite(W)
    for p in range(season):
        m = pos == p
        sums[:, p] = np.where(fin[:, m], W[:, m], 0.0).sum(1)
        cnts[:, p] = fin[:, m].sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(cnts > 0, sums / np.maximum(cnts, 1), np.nan)
        overall = np.nansum(sums, 1) / np.maximum(cnts.sum(1), 1)
        prof = means / overall[:, None]
        tot = np.nansum(sums, 0) / np.maximum(cnts.sum(0), 1)
        pooled = tot / np.nanmean(tot) if np.nanmean(tot) > 0 else np.ones(season)
    pooled = np.nan_to_num(pooled, nan=1.0)
    prof = np.where(np.isfinite(prof), prof, pooled[None, :])
    # shrink: more weight on own profile when the series sells a lot in the window
    k = np.clip(np.nan_to_num(overall) * cnts.sum(1) / (cnts.sum(1) + 1e-9), 0, None)
    alpha = (k / (k + shrink))[:, None]
    return alpha * prof + (1 - alpha) * pooled[None, :]


def seasonal_average(panel: Panel, t0: int | None = None, *, level_window: int = 28,
                     n_seasons: int = 8) -> np.ndarray:
    """Recent level × seasonal profile (D: weekday profile); n × H forecast from origin index t0."""
    t0 = panel.T if t0 is None else t0
    s = FREQ_SETTINGS[panel.freq]
    season = s["season"]
    lvl = recent_level(panel.Y, t0, level_window)
    F = np.repeat(lvl[:, None], panel.H, axis=1)
    if season <= 14:
        prof = _seasonal_profile(panel.Y, t0, season, n_seasons, panel.periods[0].ordinal)
        pos = (np.arange(t0, t0 + panel.H) + panel.periods[0].ordinal) % season
        F = F * prof[:, pos]
    return _apply_closed(panel, F, t0)


def _apply_closed(panel: Panel, F: np.ndarray, t0: int) -> np.ndarray:
    if panel.open_col:
        F = np.where(panel.is_open()[:, t0:t0 + panel.H], F, 0.0)
    return np.clip(F, 0.0, None)


def _sf_model(name: str, season: int):
    from statsforecast import models as m
    return {
        "auto_ets": lambda: m.AutoETS(season_length=season, alias="auto_ets"),
        "theta": lambda: m.Theta(season_length=season, alias="theta"),
        "seasonal_naive": lambda: m.SeasonalNaive(season_length=season, alias="seasonal_naive"),
        "croston": lambda: m.CrostonOptimized(alias="croston"),
        "tsb": lambda: m.TSB(alpha_d=0.1, alpha_p=0.1, alias="tsb"),
        "adida": lambda: m.ADIDA(alias="adida"),
    }[name]()


def statsforecast_models(panel: Panel, names, t0: int | None = None, rows=None, window: int | None = None) -> dict:
    """Fit statsforecast models on history before t0 (rows: subset of series; ``window``: at most
    that many recent periods) and return {name: n_rows × H forecasts}. Unlearnable periods are
    imputed with the recent level so out-of-stock days do not pull the statistical models to zero."""
    from statsforecast import StatsForecast

    t0 = panel.T if t0 is None else t0
    rows = np.arange(panel.n) if rows is None else np.asarray(rows)
    names = list(names)
    if not names or rows.size == 0:
        return {nm: np.zeros((rows.size, panel.H)) for nm in names}
    season = FREQ_SETTINGS[panel.freq]["season"]
    Y = panel.Y[rows, :t0]
    lvl = recent_level(panel.Y[rows], t0, FREQ_SETTINGS[panel.freq]["level_window"])
    Y = np.where(np.isfinite(Y), Y, lvl[:, None])
    # drop leading all-zero stretch (product not yet launched); keep at least 2 seasons
    first = np.argmax(Y > 0, axis=1)
    first = np.minimum(first, max(t0 - 2 * season, 0))
    if window is not None:
        first = np.maximum(first, max(t0 - window, 0))
    uid = np.concatenate([np.full(t0 - f, i) for i, f in enumerate(first)])
    ds = np.concatenate([np.arange(f, t0) for f in first])
    yy = np.concatenate([Y[i, f:] for i, f in enumerate(first)])
    df = pd.DataFrame({"unique_id": uid, "ds": ds, "y": yy})
    sf = StatsForecast(models=[_sf_model(nm, season) for nm in names], freq=1, n_jobs=1)
    fc = sf.forecast(df=df, h=panel.H)
    if "unique_id" not in fc.columns:
        fc = fc.reset_index()
    fc = fc.sort_values(["unique_id", "ds"])
    out = {}
    sub = Panel(ids=panel.ids[rows], periods=panel.periods, T=panel.T, H=panel.H, freq=panel.freq,
                Y=panel.Y[rows], Y0=panel.Y0[rows], X={k: v[rows] for k, v in panel.X.items()},
                open_col=panel.open_col)
    for nm in names:
        F = np.nan_to_num(fc[nm].to_numpy(dtype=float).reshape(rows.size, panel.H), nan=0.0)
        out[nm] = _apply_closed(sub, F, t0)
    return out


class GlobalGBM:
    """Direct multi-horizon global gradient-boosting model with per-series scaling."""

    MIN_ORIGINS = 52    # a year of weekly origins (daily data)
    FEATURE_OVERSAMPLE = 3  # features built per origin for this many times the series needed (see fit)
    VALIDATION_ORIGINS = 4  # the most recent training origins that choose the number of boosting rounds

    def __init__(self, *, n_origins: int | None = None, max_train_rows: int = 400_000,
                 loss: str = "squared_error", learning_rate: float = 0.1, max_iter: int = 200,
                 max_leaf_nodes: int = 31, min_samples_leaf: int = 50, l2_regularization: float = 1.0,
                 target_clip: float = 5.0, price_col: str | None = None, random_state: int = 0,
                 calendar="auto", n_threads: int | None = 1, scale_window: int | None = None,
                 pooled_trend: bool = True, early_stopping: bool = True):
        # None: at least MIN_ORIGINS, more while they fit in max_train_rows. A small panel (20 stores)
        # then learns from every origin of its history instead of a year of them, at no cost for large
        # chunks, which the row cap limits.
        self.n_origins = n_origins
        self.max_train_rows = max_train_rows
        self.hgb_params = dict(loss=loss, learning_rate=learning_rate, max_iter=max_iter,
                               max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
                               l2_regularization=l2_regularization, random_state=random_state)
        self.target_clip = target_clip
        # "auto": seasonal calendar features (month, day/week of year) only with two years of
        # history; with less, trees would extrapolate the latest months' trend into the horizon.
        self.calendar = calendar
        self._calendar_cols: tuple = ()
        self.price_col = price_col
        self.random_state = random_state
        # one OpenMP thread by default: Celery runs chunks in parallel processes, and idle
        # OpenMP threads spin on a busy machine (10x the CPU time measured on 2 shared cores)
        self.n_threads = n_threads
        self.scale_window = scale_window     # periods of the per-series level (default: freq's)
        # the whole panel's recent momentum as features (a shop ramping up before Christmas lifts
        # most of its products)
        self.pooled_trend = pooled_trend
        # boosting rounds chosen on the most recent origins (``_boosting_rounds``)
        self.early_stopping = early_stopping
        self.model = None
        self.feature_names: list[str] = []
        self._use_last_year = False

    # -- features -------------------------------------------------------------------------
    def _features(self, panel: Panel, t0: int, cums=None, pooled=None):
        """Return (F: (n*H) × k feature matrix, scale: n, names). Uses Y[:, :t0] only."""
        import warnings

        with warnings.catch_warnings(), np.errstate(invalid="ignore", divide="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return self._features_impl(panel, t0, cums, pooled)

    def _features_impl(self, panel: Panel, t0: int, cums=None, pooled=None):
        s = FREQ_SETTINGS[panel.freq]
        n, H = panel.n, panel.H
        Y = panel.Y
        cs, cc = cums if cums is not None else _cumsums(Y)
        scale = _window_mean(cs, cc, t0, self.scale_window or s["level_window"])
        full = _window_mean(cs, cc, t0, t0)
        scale = np.where(np.isfinite(scale) & (scale > 0), scale, full)
        scale = np.nan_to_num(scale, nan=0.0)
        safe = np.where(scale > 0, scale, 1.0)
        cols, names = [], []

        def per_series(v, name):      # n-vector repeated for every step
            cols.append(np.repeat(v, H))
            names.append(name)

        def per_step(M, name):        # n × H matrix
            cols.append(M.reshape(-1))
            names.append(name)

        per_series(np.log1p(scale), "log_level")
        if self.pooled_trend:
            pooled = _pooled_trend(cs, cc, t0) if pooled is None else pooled
            for k, v in pooled.items():
                per_series(np.full(n, v), k)
        # windows without a learnable period (all censored) read as "at the level" (ratio 1),
        # never as zero demand
        for w in s["windows"]:
            per_series(np.nan_to_num(_window_mean(cs, cc, t0, w) / safe, nan=1.0), f"mean_{w}")
        a = max(t0 - 28 if panel.freq == "D" else t0 - s["windows"][-1], 0)
        Wn = Y[:, a:t0]
        fin = np.isfinite(Wn)
        nfin = np.maximum(fin.sum(1), 1)
        share = np.where(fin.any(1), (np.where(fin, Wn, 0) > 0).sum(1) / nfin, np.nan)
        mu = np.where(fin, Wn, 0).sum(1) / nfin
        sd = np.sqrt(np.where(fin, (np.nan_to_num(Wn) - mu[:, None]) ** 2, 0).sum(1) / nfin)
        per_series(share, "share_nonzero")
        per_series(np.where(fin.any(1), sd / safe, np.nan), "cv_recent")
        last = np.nan_to_num(Y[:, t0 - 1] / safe, nan=1.0) if t0 >= 1 else np.ones(n)
        per_series(last, "last")
        # a censored period is no evidence that demand stopped
        nz = (panel.Y0[:, :t0] > 0) | ~np.isfinite(Y[:, :t0])
        since = np.where(nz.any(1), np.argmax(nz[:, ::-1], axis=1), t0)
        per_series(np.minimum(since, 400), "since_last_sale")
        first = np.where(nz.any(1), np.argmax(nz, axis=1), t0)
        per_series(np.minimum(t0 - first, 800), "age")
        steps = np.arange(H)
        tgt = t0 + steps
        ordinal0 = panel.periods[0].ordinal
        per_step(np.tile(steps + 1, (n, 1)), "h")
        season = s["season"]
        if season <= 14:
            prof = _seasonal_profile(Y, t0, season, 8, ordinal0)
            pos = (tgt + ordinal0) % season
            per_step(prof[:, pos], "season_profile")
        yr = s["year"]
        if self._use_last_year:
            ly = np.full((n, H), np.nan)
            lyw = np.full((n, H), np.nan)
            for j, t in enumerate(tgt):
                tl = t - yr
                if tl >= 0 and tl < t0:
                    ly[:, j] = Y[:, tl]
                    lo, hi = max(tl - 3, 0), min(tl + 4, t0)
                    with np.errstate(invalid="ignore"):
                        lyw[:, j] = np.nanmean(Y[:, lo:hi], axis=1) if hi > lo else np.nan
            lvl_ly = _window_mean(cs, cc, max(t0 - yr, 1), s["level_window"])
            with np.errstate(invalid="ignore", divide="ignore"):
                per_step(ly / safe[:, None], "last_year")
                per_step(lyw / safe[:, None], "last_year_week")
                per_step(lyw / np.where(lvl_ly > 0, lvl_ly, np.nan)[:, None], "last_year_rel")
        # calendar of the target period
        tp = panel.periods[tgt]
        ts = tp.to_timestamp()
        cal = {"month": ts.month.to_numpy(), "doy": ts.dayofyear.to_numpy(),
               "woy": ts.isocalendar().week.to_numpy(dtype=float)}
        if panel.freq == "D":
            cal.update(dow=ts.dayofweek.to_numpy(), dom=ts.day.to_numpy())
        for k, v in cal.items():
            if k not in self._calendar_cols:
                continue
            per_step(np.tile(np.asarray(v, dtype=float), (n, 1)), k)
        # known future inputs at the target period and its neighbours
        for c, M in panel.X.items():
            if c == self.price_col:
                # the price in effect at the origin and its change vs the 28 periods before: a price
                # path inside the horizon is unknown at the origin (and, derived from sales, would leak them)
                now = M[:, min(t0, M.shape[1] - 1)]
                with np.errstate(invalid="ignore", divide="ignore"):
                    ref = np.nanmean(M[:, max(t0 - 28, 0):t0], axis=1) if t0 > 0 else now
                per_step(np.tile(now[:, None], (1, H)), c)
                per_step(np.tile((now / np.where(ref > 0, ref, np.nan))[:, None], (1, H)), f"{c}_rel")
                continue
            per_step(M[:, tgt], c)
            per_step(M[:, np.maximum(tgt - 1, 0)], f"{c}_prev")
            per_step(M[:, np.minimum(tgt + 1, M.shape[1] - 1)], f"{c}_next")
        if panel.open_col:
            op = panel.is_open()
            closed = ~op
            # periods until the next / since the previous closed period (capped at 7)
            until = np.full((n, H), 8.0)
            since_c = np.full((n, H), 8.0)
            for d in range(7, 0, -1):
                fwd = np.minimum(tgt + d, op.shape[1] - 1)
                until = np.where(closed[:, fwd] & (tgt + d < op.shape[1]), d, until)
                bwd = np.maximum(tgt - d, 0)
                since_c = np.where(closed[:, bwd] & (tgt - d >= 0), d, since_c)
            per_step(until, "until_closed")
            per_step(since_c, "since_closed")
        F = np.column_stack(cols).astype(np.float32)
        return F, scale, names

    # -- fit / predict --------------------------------------------------------------------
    def training_origins(self, panel: Panel, t_end: int) -> list[int]:
        s = FREQ_SETTINGS[panel.freq]
        last = t_end - panel.H          # targets must lie in the history before t_end
        min_hist = max(s["level_window"], 2 * s["season"] if s["season"] <= 14 else 4)
        count = self.n_origins
        if count is None:
            count = max(self.MIN_ORIGINS, self.max_train_rows // max(panel.n * panel.H, 1))
        return [t for t in (last - k * s["stride"] for k in range(count)) if t >= min_hist]

    def fit(self, panel: Panel, t_end: int | None = None):
        """Fit on origins before ``t_end``."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        t_end = panel.T if t_end is None else t_end
        rng = np.random.default_rng(self.random_state)
        Ytr = panel.Y[:, :t_end]
        sub = Panel(ids=panel.ids, periods=panel.periods, T=t_end, H=panel.H, freq=panel.freq,
                    Y=Ytr, Y0=panel.Y0[:, :t_end], X=panel.X, open_col=panel.open_col)
        cums = _cumsums(Ytr)
        origins = self.training_origins(panel, t_end)
        # same-period-last-year features only when most training origins have a year behind them
        yr = FREQ_SETTINGS[panel.freq]["year"]
        self._use_last_year = bool(origins) and np.median(origins) > yr + panel.H
        if self.calendar == "auto":
            long = t_end >= 2 * yr
            self._calendar_cols = ("dow", "dom", "month", "doy", "woy") if long else ("dow", "dom")
        else:
            self._calendar_cols = tuple(self.calendar)
        per_origin = max(self.max_train_rows // max(len(origins), 1), 1)
        # Features of a large panel are built for a random third-or-so of its series per origin
        # (three times the rows kept), not for all of them only to keep a few: on a 5,000-product
        # chunk that is 6x less feature work, and every (series, step) is still equally likely.
        n_rows = -(-self.FEATURE_OVERSAMPLE * per_origin // panel.H)
        Xs, ys = [], []
        for t0 in origins:
            rows = np.sort(rng.choice(panel.n, n_rows, replace=False)) if panel.n > n_rows else None
            part, part_cums = sub, cums
            if rows is not None:
                part = Panel(ids=panel.ids[rows], periods=panel.periods, T=t_end, H=panel.H, freq=panel.freq,
                             Y=Ytr[rows], Y0=sub.Y0[rows], X={k: v[rows] for k, v in panel.X.items()},
                             open_col=panel.open_col)
                part_cums = (cums[0][rows], cums[1][rows])
            pooled = _pooled_trend(*cums, t0) if self.pooled_trend else None   # of the whole panel
            F, scale, names = self._features(part, t0, part_cums, pooled)
            target = part.Y[:, t0:t0 + panel.H] / np.where(scale > 0, scale, np.nan)[:, None]
            target = target.reshape(-1)
            ok = np.isfinite(target) & np.repeat(scale > 0, panel.H)
            idx = np.flatnonzero(ok)
            if idx.size > per_origin:
                idx = rng.choice(idx, per_origin, replace=False)
            Xs.append(F[idx])
            ys.append(np.clip(target[idx], 0, self.target_clip))
        if not Xs:
            self.model = None
            return self
        self.feature_names = names
        from threadpoolctl import threadpool_limits

        params = dict(self.hgb_params)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            if self.early_stopping:
                params["max_iter"] = self._boosting_rounds(origins, Xs, ys, panel.H)
            self.n_iter_ = params["max_iter"]
            self.model = HistGradientBoostingRegressor(early_stopping=False, **params)
            self.model.fit(np.concatenate(Xs), np.concatenate(ys), )
        return self

    def _boosting_rounds(self, origins, Xs, ys, H: int) -> int:
        """How many boosting rounds this data supports: boost on the older origins, validate on the
        last VALIDATION_ORIGINS (targets after every training target), stop when the validation
        loss stops improving. Noisy intermittent demand stops early (where more rounds fit noise),
        a learnable panel such as store sales runs to max_iter."""
        from sklearn.ensemble import HistGradientBoostingRegressor

        val = list(range(min(self.VALIDATION_ORIGINS, len(origins))))
        first_val = min((origins[i] for i in val), default=0)
        train = [i for i, t in enumerate(origins) if t + H <= first_val]
        if len(train) < 2 * len(val) or not val:
            return self.hgb_params["max_iter"]

        def stack(blocks, idx):
            return np.concatenate([blocks[i] for i in idx]) if blocks else None

        probe = HistGradientBoostingRegressor(early_stopping=True, n_iter_no_change=10, **self.hgb_params)
        probe.fit(stack(Xs, train), stack(ys, train), X_val=stack(Xs, val), y_val=stack(ys, val))
        return max(int(probe.n_iter_), 10)

    def predict(self, panel: Panel, t0: int | None = None) -> np.ndarray:
        t0 = panel.T if t0 is None else t0
        if self.model is None:
            return seasonal_average(panel, t0)
        sub = Panel(ids=panel.ids, periods=panel.periods, T=t0, H=panel.H, freq=panel.freq,
                    Y=panel.Y[:, :t0], Y0=panel.Y0[:, :t0], X=panel.X, open_col=panel.open_col)
        F, scale, _ = self._features(sub, t0)
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            pred = self.model.predict(F).reshape(panel.n, panel.H)
        return _apply_closed(panel, np.clip(pred, 0, None) * scale[:, None], t0)
