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
