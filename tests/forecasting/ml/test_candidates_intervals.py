"""Candidates per demand class, the per-series choice and the count-distribution intervals."""
import numpy as np
import pandas as pd

from forecasting.ml.config import EngineSettings, configure
from forecasting.ml.engine import _stat_rows, forecast
from forecasting.ml.intervals import calibrate, class_dispersion, predictive_variance, quantile_intervals
from forecasting.ml.models import build_panel
from forecasting.ml.selection import choose_weights

FAST = {"gbm_bag": False, "gbm": {"n_origins": 8, "max_iter": 30, "min_samples_leaf": 20}}


def _mixed(days=240, seed=0):
    """Smooth series (~6 a day) and intermittent ones (a sale every ~5 days), from a Monday."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days, freq="D")
    rows = []
    for i in range(6):
        y = rng.poisson(6.0 + i, days) if i < 3 else rng.poisson(0.2, days) * rng.integers(1, 2, days)
        rows.append(pd.DataFrame({"series_id": f"s{i}", "date": dates, "y": y.astype(float)}))
    return pd.concat(rows, ignore_index=True), dates[-1] + pd.Timedelta(days=1)


def test_statistical_candidates_are_fitted_only_on_the_classes_they_suit_within_the_auto_ets_budget():
    hist, origin = _mixed()
    panel = build_panel(hist, origin=origin, horizon=14)
    p = configure(EngineSettings(), freq="D", n_periods=panel.T)
    rows = {name: set(panel.ids[r]) for name, r in _stat_rows(panel, [panel.T, panel.T - 14], p).items()}
    assert rows["theta"] == rows["auto_ets"] == {"s0", "s1", "s2"}
    assert rows["croston"] == rows["tsb"] == rows["adida"] == {"s3", "s4", "s5"}
    cheap = configure(EngineSettings(auto_ets_max_series=2), freq="D", n_periods=panel.T)
    assert "auto_ets" not in _stat_rows(panel, [panel.T], cheap) and "theta" in _stat_rows(panel, [panel.T], cheap)

    fc, info = forecast(hist, origin=origin, horizon=14, params=FAST, return_info=True)
    for sid, label in info.ensemble.items():
        names = {part.split(":")[0] for part in label.split("+")}
        allowed = {"gbm", "seasonal_avg"} | ({"theta", "auto_ets"} if sid < "s3" else {"croston", "tsb", "adida"})
        assert names <= allowed, (sid, label)


def test_a_series_with_enough_sales_chooses_its_own_candidate_the_rest_follow_their_class():
    """40 smooth series where candidate "a" is right, except 5 for which "b" is right in every window:
    the 4 of them with plenty of sales take "b" once the backtests show per-series choices pay off; the
    one that sold on 4 days only keeps its class's choice."""
    rng = np.random.default_rng(0)
    n, H = 40, 28
    truth = rng.poisson(5.0, (n, 3 * H)).astype(float)
    truth[4] = np.where(np.arange(3 * H) % 14 == 0, 5.0, 0.0)            # s4: a sale every two weeks
    own = np.arange(n) < 5
    windows, actuals = [], []
    for k in range(2):
        act = truth[:, k * H:(k + 1) * H]
        good = act + rng.normal(0, 0.3, act.shape)
        bad = act + rng.normal(0, 3.0, act.shape) + 2.0
        windows.append({"a": np.where(own[:, None], bad, good), "b": np.where(own[:, None], good, bad)})
        actuals.append(act)
    classes = np.array(["smooth"] * n, dtype=object)
    scales = np.ones(n)
    grid, choice, k = choose_weights(windows, actuals, scales, classes, step=0.5, min_sales=10)
    chosen = [grid[c] for c in choice]
    assert k is not None
    assert all(g == {"b": 1.0} for g in chosen[:4])
    assert all(g == {"a": 1.0} for g in chosen[4:])
    _, by_class, k_off = choose_weights(windows, actuals, scales, classes, step=0.5, per_series=False)
    assert k_off is None and len(set(by_class)) == 1


def test_intervals_are_ordered_whole_unit_quantiles_honest_for_slow_movers():
    hist, origin = _mixed(seed=2)
    slow = pd.DataFrame({"series_id": "slow", "date": hist["date"].unique(), "y": 0.0})
    slow.loc[slow.index % 30 == 0, "y"] = 1.0                            # one unit a month
    hist = pd.concat([hist, slow], ignore_index=True)
    fc = forecast(hist, origin=origin, horizon=14, params=FAST)
    assert (fc["lo95"] <= fc["lo80"]).all() and (fc["lo80"] <= fc["hi80"]).all() and (fc["hi80"] <= fc["hi95"]).all()
    for col in ("lo80", "hi80", "lo95", "hi95"):
        assert (fc[col] == fc[col].round()).all() and (fc[col] >= 0).all()
    assert (fc["variance"] >= fc["mean"] - 1e-9).all()                   # at least Poisson spread
    s = fc[fc["series_id"] == "slow"]
    assert s["hi80"].max() <= 1 and s["hi95"].max() <= 1 and (s["lo80"] == 0).all()
    busy = fc[fc["series_id"].isin(["s0", "s1", "s2"])]
    assert (busy["mean"] >= 1).all() and (busy["hi80"] > busy["lo80"]).all()


def test_dispersion_is_calibrated_to_the_backtest_coverage():
    """Over-dispersed demand (negative binomial, alpha 0.5): the calibrated variance gives the nominal
    coverage on fresh data, where a Poisson band would be far too narrow."""
    rng = np.random.default_rng(5)
    mean = np.full((400, 28), 4.0)

    def draw():
        return rng.negative_binomial(2.0, 2.0 / (2.0 + mean)).astype(float)   # variance 4 + 4²/2
    table = calibrate([mean, mean], [draw(), draw()], np.array(["smooth"] * 400, dtype=object))
    phi, alpha = class_dispersion(np.array(["smooth"]), table)
    assert 0.2 <= alpha[0] <= 1.0
    fresh = draw()
    iv = quantile_intervals(mean, predictive_variance(mean, phi[0], alpha[0]))
    cov80 = ((fresh >= iv["lo80"]) & (fresh <= iv["hi80"])).mean()
    cov95 = ((fresh >= iv["lo95"]) & (fresh <= iv["hi95"])).mean()
    assert 0.75 <= cov80 <= 0.88 and 0.92 <= cov95 <= 0.98
    poisson = quantile_intervals(mean, mean)
    assert ((fresh >= poisson["lo95"]) & (fresh <= poisson["hi95"])).mean() < 0.85


def test_the_global_model_sees_the_price_at_the_origin_and_its_change_never_a_price_path_in_the_horizon():
    """Demand doubles while a product is 20% cheaper than its recent average: learned from the price at
    each training origin vs the 28 days before; a price change planned inside the horizon is not read
    (it is unknown at the origin, and a price derived from sales would leak them)."""
    from forecasting.ml.models import GlobalGBM

    rng = np.random.default_rng(4)
    days, n = 420, 30
    dates = pd.date_range("2024-01-01", periods=days + 14, freq="D")
    rows = []
    for i in range(n):
        price = np.full(days + 14, 10.0)
        for start in rng.choice(np.arange(60, days - 40, 35), 5, replace=False):
            price[start:start + 21] = 8.0                                 # three-week price cuts
        y = rng.poisson(np.where(price < 10, 8.0, 4.0))
        rows.append(pd.DataFrame({"series_id": i, "date": dates, "y": y.astype(float), "price": price}))
    frame = pd.concat(rows, ignore_index=True)
    origin = dates[days]
    hist, fut = frame[frame["date"] < origin], frame[frame["date"] >= origin].drop(columns="y")
    cheap = fut.assign(price=8.0)
    panels = [build_panel(hist, origin=origin, horizon=14, exog_cols=["price"], future_exog=f) for f in (fut, cheap)]
    model = GlobalGBM(n_origins=40, max_iter=60, min_samples_leaf=20, price_col="price").fit(panels[0])
    assert "price_rel" in model.feature_names and "price_next" not in model.feature_names
    normal, cut = (model.predict(p).mean() for p in panels)
    assert cut > 1.3 * normal                                             # the price cut's effect is learned
    later = fut.assign(price=np.where(fut["date"] >= origin + pd.Timedelta(days=7), 8.0, 10.0))
    F, _, names = model._features(build_panel(hist, origin=origin, horizon=14, exog_cols=["price"],
                                              future_exog=later), panels[0].T)
    rel = F[:, names.index("price_rel")].reshape(n, 14)
    assert (rel == rel[:, :1]).all()                                       # one value per series: at the origin
