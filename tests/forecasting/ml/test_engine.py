import numpy as np
import pandas as pd

from forecasting.ml.engine import forecast
from forecasting.ml.models import build_panel, seasonal_average

FAST = {"n_backtests": 2, "gbm_bag": False, "gbm": {"n_origins": 8, "max_iter": 30, "min_samples_leaf": 20}}
WEEKDAY = np.array([1.2, 1.1, 1.0, 1.0, 1.3, 0.4, 0.0])   # Mon..Sun, shop closed on Sundays


def _synthetic(n_series=8, days=180, level=10.0, seed=0):
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")   # a Monday
    rows = []
    for i in range(n_series):
        lam = level * (1 + 0.2 * i) * WEEKDAY[dates.dayofweek]
        rows.append(pd.DataFrame({"series_id": f"s{i}", "date": dates, "y": rng.poisson(lam).astype(float),
                                  "censored": False}))
    return pd.concat(rows, ignore_index=True), dates[-1] + pd.Timedelta(days=1)


def test_censored_days_do_not_pull_forecast_to_zero():
    hist, origin = _synthetic()
    # s0 is out of stock for its last 21 days: no sales recorded, flagged censored
    stockout = (hist["series_id"] == "s0") & (hist["date"] >= origin - pd.Timedelta(days=21))
    hist.loc[stockout, "y"] = 0.0
    flagged = hist.copy()
    flagged.loc[stockout, "censored"] = True
    unflagged = hist.drop(columns="censored")

    fc_flag = forecast(flagged, origin=origin, horizon=14, params={**FAST, "n_backtests": 1})
    fc_raw = forecast(unflagged, origin=origin, horizon=14, params={**FAST, "n_backtests": 1})
    true_mean = 10.0 * WEEKDAY.mean()
    m_flag = fc_flag.loc[fc_flag["series_id"] == "s0", "mean"].mean()
    m_raw = fc_raw.loc[fc_raw["series_id"] == "s0", "mean"].mean()
    assert m_flag > 0.75 * true_mean           # close to the true demand rate
    assert m_flag > 2 * m_raw                  # zeros learned as demand drag the unflagged one down

    # the statistical candidate ignores censored days as well
    panel = build_panel(flagged, origin=origin, horizon=14)
    sa = seasonal_average(panel)
    assert sa[0].mean() > 0.75 * true_mean


def test_interval_ordering_non_negative_and_closed_days():
    hist, origin = _synthetic(seed=1)
    fc = forecast(hist, origin=origin, horizon=14, params=FAST)
    assert len(fc) == 8 * 14 and fc["series_id"].nunique() == 8
    assert (fc["lo95"] >= 0).all()
    assert (fc["lo95"] <= fc["lo80"] + 1e-9).all()
    assert (fc["lo80"] <= fc["mean"] + 1e-9).all()
    assert (fc["mean"] <= fc["hi80"] + 1e-9).all()
    assert (fc["hi80"] <= fc["hi95"] + 1e-9).all()
    assert (fc["hi95"] > fc["lo95"]).any()
    # weekly pattern learned: Sunday (never any demand) forecast ~0, Friday the highest
    dow = fc.groupby(fc["date"].dt.dayofweek)["mean"].mean()
    assert dow[6] < 0.1 * dow[4]
    assert fc["model"].str.len().gt(0).all()


def test_open_column_forces_zero_and_known_future_inputs_used():
    hist, origin = _synthetic(n_series=4, seed=2)
    hist["Open"] = (hist["date"].dt.dayofweek != 2).astype(int)    # closed on Wednesdays
    hist.loc[hist["Open"] == 0, "y"] = 0.0
    future = pd.DataFrame([(f"s{i}", d, int(d.dayofweek != 2) if d.day != origin.day else 0)
                           for i in range(4) for d in pd.date_range(origin, periods=14)],
                          columns=["series_id", "date", "Open"])
    fc = forecast(hist, origin=origin, horizon=14, future_exog=future, open_col="Open", params=FAST)
    closed = fc.merge(future, on=["series_id", "date"])
    shut = closed[closed["Open"] == 0]
    assert len(shut) >= 4 * 3
    assert (shut[["mean", "lo80", "hi80", "lo95", "hi95"]] == 0).all().all()
    assert closed.loc[closed["Open"] == 1, "mean"].mean() > 5


def test_weekly_frequency_and_history_after_origin_ignored():
    hist, origin = _synthetic(n_series=3, days=7 * 60, seed=3)
    weekly = hist.assign(date=hist["date"].dt.to_period("W").dt.start_time).groupby(
        ["series_id", "date"], as_index=False)["y"].sum()
    cut = pd.Timestamp("2024-12-30")                      # a Monday
    future_noise = weekly[weekly["date"] >= cut].assign(y=1e6)
    fc = forecast(pd.concat([weekly[weekly["date"] < cut], future_noise]), origin=cut, horizon=4,
                  freq="W", params={"n_backtests": 1, "gbm": {"n_origins": 6, "max_iter": 30}})
    assert list(fc["date"].unique()) == list(pd.date_range(cut, periods=4, freq="7D"))
    assert fc["mean"].between(20, 200).all()               # weekly sums around 60-90, not 1e6


def test_backtest_scores_engine_and_baseline_per_window():
    from forecasting.ml.engine import backtest

    hist, _ = _synthetic(n_series=4, days=150, seed=4)
    hist = hist.rename(columns={"series_id": "sku", "date": "day", "y": "units"}).drop(columns="censored")
    res = backtest(hist, horizon=14, n_windows=2, id_col="sku", date_col="day", target_col="units",
                   exog_cols=[], params=FAST)
    assert sorted(res["method"].unique()) == ["engine", "seasonal_naive"]
    assert sorted(res["window"].unique()) == [1, 2]
    eng = res[res["method"] == "engine"]
    assert eng["wrmsse"].between(0, 2).all() and eng["coverage95"].between(0.7, 1).all()


def test_holdout_is_the_engine_at_the_window_before_the_origin_without_its_actuals():
    """info.holdout: the last horizon before the origin, forecast from the data before it (with
    two backtest windows: weights and intervals from the older window), so the held-out actuals
    cannot change it."""
    hist, origin = _synthetic(n_series=6, days=200, seed=5)
    _, info = forecast(hist, origin=origin, horizon=14, params=FAST, return_info=True)
    window = pd.date_range(origin - pd.Timedelta(days=14), periods=14)
    assert info.holdout_origin == window[0]
    assert sorted(info.holdout["date"].unique()) == list(window)
    assert info.holdout["series_id"].nunique() == 6
    assert (info.holdout["lo95"] <= info.holdout["mean"]).all() and (info.holdout["mean"] <= info.holdout["hi95"]).all()

    changed = hist.copy()
    changed.loc[changed["date"] >= window[0], "y"] *= 5     # the held-out days sell five times more
    _, info_changed = forecast(changed, origin=origin, horizon=14, params=FAST, return_info=True)
    pd.testing.assert_frame_equal(info.holdout, info_changed.holdout)


def test_short_history_holdout_refits_before_the_window():
    hist, origin = _synthetic(n_series=3, days=80, seed=6)      # too short for two backtest windows
    _, info = forecast(hist, origin=origin, horizon=14, params=FAST, return_info=True)
    assert info.holdout_origin == origin - pd.Timedelta(days=14)
    assert len(info.holdout) == 3 * 14 and info.holdout["mean"].gt(0).any()


def test_holdout_scores_score_each_method_on_its_own_series():
    from forecasting.ml.engine import holdout_scores

    hist, origin = _synthetic(n_series=4, days=120, seed=7)
    last = pd.date_range(origin - pd.Timedelta(days=14), periods=14)
    actual = hist[hist["date"].isin(last)]
    perfect = actual.assign(mean=actual["y"], lo80=actual["y"], hi80=actual["y"], lo95=actual["y"], hi95=actual["y"])
    zero_on_two = actual[actual["series_id"].isin(["s0", "s1"])].assign(mean=0.0)
    scores = holdout_scores(hist, {"perfect": perfect, "zero": zero_on_two}, origin=last[0], horizon=14,
                            weights="target").set_index("method")
    assert scores.loc["perfect", "wrmsse"] == 0 and scores.loc["perfect", "coverage95"] == 1
    assert scores.loc["perfect", "series"] == 4 and scores.loc["zero", "series"] == 2
    assert scores.loc["zero", "wape"] == 1 and np.isnan(scores.loc["zero", "coverage95"])
    assert scores.loc["zero", "actual"] == actual.loc[actual["series_id"].isin(["s0", "s1"]), "y"].sum()
    before = hist[hist["date"] < last[0]]
    assert scores.loc["zero", "weight"] == before.loc[before["series_id"].isin(["s0", "s1"]), "y"].sum()


def test_complete_calendar_flags_unrecorded_periods_of_a_file_that_lists_zeros():
    from forecasting.ml.engine import complete_calendar

    hist, _ = _synthetic(n_series=3, days=100, seed=8)        # Sundays are explicit zero rows
    gap = (hist["series_id"] == "s1") & hist["date"].between("2024-02-01", "2024-02-20")
    out = complete_calendar(hist[~gap].drop(columns="censored"))
    added = out[out["censored"]]
    assert len(out) == len(hist) and len(added) == 20
    assert set(added["series_id"]) == {"s1"} and (added["y"] == 0).all()
    # a sales log without zero rows: a missing day is a day without sales, nothing is added
    log = hist[(hist["y"] > 0) & ~gap].drop(columns="censored")
    assert complete_calendar(log) is log


def test_detect_open_column_finds_the_opening_indicator_only():
    from forecasting.ml.engine import detect_open_column

    hist, _ = _synthetic(n_series=2, days=70, seed=9)
    hist["Open"] = (hist["date"].dt.dayofweek != 6).astype(int)            # never sells when 0
    hist["Promo"] = (hist["date"].dt.day % 5 == 0).astype(int)             # sells either way
    assert detect_open_column(hist, ["Promo", "Open"]) == "Open"
    assert detect_open_column(hist, ["Promo"]) is None


def test_global_model_uses_every_origin_of_a_small_panel_and_a_year_of_a_large_one():
    from forecasting.ml.models import GlobalGBM

    small, origin = _synthetic(n_series=4, days=600, seed=10)
    panel = build_panel(small, origin=origin, horizon=28)
    origins = GlobalGBM().training_origins(panel, panel.T)
    assert len(origins) > GlobalGBM.MIN_ORIGINS and min(origins) < 7 + 56      # back to the start
    big = GlobalGBM(max_train_rows=1000).training_origins(panel, panel.T)
    assert len(big) == GlobalGBM.MIN_ORIGINS
    assert len(GlobalGBM(n_origins=8).training_origins(panel, panel.T)) == 8
