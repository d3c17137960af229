"""Pure parts of the hierarchy, new-product and override work: sums, covariance scale, analogues, overrides."""
import numpy as np
import pandas as pd
import pytest

from forecasting.ml.analogues import AnalogueMatch, analogue_demand, blend, shrunk_rate, window_stats
from forecasting.ml.hierarchy import covariance_scales, interval_columns, roll_up, variance_of
from forecasting.ml.overrides import apply_overrides

DAYS = pd.date_range("2026-05-01", periods=3)


def frame(rows):
    return pd.DataFrame(rows, columns=["product_id", "date", "mean", "variance"])


def test_roll_up_sums_means_and_variances_into_every_aggregate():
    forecasts = frame([(1, DAYS[0], 2.0, 3.0), (2, DAYS[0], 5.0, 7.0), (3, DAYS[0], 1.0, 1.5),
                       (1, DAYS[1], 4.0, 4.0), (2, DAYS[1], 0.0, 0.0), (3, DAYS[1], 2.0, 2.0)])
    members = pd.DataFrame({"product_id": [1, 2, 3, 1, 2, 3, 1], "aggregate_id": [10, 10, 20, 0, 0, 0, 99]})
    out = roll_up(forecasts, members).set_index(["aggregate_id", "date"])
    assert out.loc[(10, DAYS[0]), "mean"] == 7.0 and out.loc[(10, DAYS[0]), "variance"] == 10.0
    assert out.loc[(0, DAYS[0]), "mean"] == 8.0 and out.loc[(0, DAYS[1]), "mean"] == 6.0
    assert out.loc[(0, DAYS[0]), "variance"] == 11.5 and out.loc[(99, DAYS[1]), "mean"] == 4.0
    assert out.loc[(20, DAYS[1]), "products"] == 1


def test_intervals_from_mean_and_variance_are_ordered_whole_units_and_widen_with_the_variance():
    mean = np.array([0.0, 0.05, 3.0, 40.0, 40.0])
    variance = np.array([0.0, 0.05, 3.0, 40.0, 400.0])
    bands = interval_columns(mean, variance)
    assert (bands["lo95"] <= bands["lo80"]).all() and (bands["lo80"] <= bands["hi80"]).all()
    assert (bands["hi80"] <= bands["hi95"]).all()
    assert all((v == np.round(v)).all() for v in bands.values())   # quantiles of a count
    assert bands["hi95"][0] == 0                                   # nothing to sell
    assert bands["hi80"][1] == 0 and bands["hi95"][1] <= 1         # a slow mover: honestly 0 or 1
    assert bands["hi80"][2] > bands["lo80"][2]                     # three a day: a band of positive width
    assert bands["hi95"][4] - bands["lo95"][4] > bands["hi95"][3] - bands["lo95"][3]


def test_variance_is_the_frames_own_column_and_required():
    rows = pd.DataFrame({"lo95": [0.0, 2.0], "hi95": [3.92, 5.92], "variance": [-1e-12, 9.0]})
    assert variance_of(rows).tolist() == [0.0, 9.0]
    with pytest.raises(KeyError):  # no band-reading fallback: a frame without its variance is an error
        variance_of(rows.drop(columns="variance"))

def test_covariance_scale_is_one_for_independent_products_and_grows_with_a_common_shock():
    rng = np.random.default_rng(3)
    days, products = 28, 50
    base = np.full((products, days), 4.0)
    independent = rng.poisson(base).sum(0)
    shock = rng.normal(1.0, 0.3, size=days).clip(0.2)          # shop-wide traffic: every product at once
    correlated = rng.poisson(base * shock).sum(0)
    rows = []
    for aggregate, actual in ((1, independent), (2, correlated)):
        rows += [(aggregate, d, 200.0, 200.0, float(a)) for d, a in enumerate(actual)]
    rows += [(3, d, 10.0, 10.0, 10.0) for d in range(5)]       # too few days: the median of the others
    scales = covariance_scales(pd.DataFrame(rows, columns=["aggregate_id", "date", "mean", "variance", "actual"]))
    assert scales[1] < 1.6                                   # about 1 (floored at 1)
    assert scales[2] > 5 * scales[1]                         # Var = 200 + 200² x 0.09 = 3,800: ~19x
    assert scales[3] == pytest.approx(np.median([scales[1], scales[2]]))
    assert min(scales.values()) >= 1.0


def test_window_stats_counts_missing_days_as_zero():
    daily = pd.DataFrame({"product_id": [1, 1, 2, 2], "y": [4.0, 2.0, 9.0, 1.0],
                          "date": pd.to_datetime(["2026-01-01", "2026-01-02", "2025-12-31", "2026-01-05"])})
    starts = pd.Series(pd.to_datetime(["2026-01-01", "2026-01-01"]), index=[1, 2])
    stats = window_stats(daily, starts, 4).set_index("product_id")
    assert stats.loc[1, "mean"] == 1.5 and stats.loc[1, "var"] == pytest.approx((16 + 4) / 4 - 1.5 ** 2)
    assert stats.loc[2, "mean"] == 0.0      # its sales fall before and after the window


def pool(rows):
    return pd.DataFrame(rows, columns=["product_id", "categories", "brand", "price", "launch_mean", "launch_var",
                                       "recent_mean", "recent_var"]).astype({"launch_mean": float})


NAN = float("nan")


def test_analogues_prefer_same_brand_and_price_band_then_fall_back_to_the_category():
    candidates = pool([
        (1, (5, 1), "Nova", 100.0, 2.0, 2.0, 6.0, 6.0),      # same brand, in the band
        (2, (5, 1), "Nova", 120.0, 4.0, 4.0, 6.0, 6.0),
        (3, (5, 1), "Nova", 90.0, 3.0, 5.0, 6.0, 6.0),
        (4, (5, 1), "Nova", 900.0, 30.0, 30.0, 6.0, 6.0),    # same brand, far too dear
        (5, (5, 1), "Acme", 100.0, 10.0, 10.0, 6.0, 6.0),    # in the band, another brand
        (6, (7, 1), "Nova", 100.0, 50.0, 50.0, 6.0, 6.0),    # another category
    ])
    target = {"categories": [5, 1], "brand": "Nova", "price": 110.0}
    match = analogue_demand(target, candidates, price_band=0.5, min_analogues=3)
    assert match.analogues == 3 and match.mean == pytest.approx(3.0)
    assert match.variance == pytest.approx(np.mean([2.0, 4.0, 5.0]) + np.var([2.0, 4.0, 3.0]))
    assert "brand, price band" in match.basis and "category 5" in match.basis
    # another brand: the price band within the category (products 1, 2, 3 and 5)
    other = analogue_demand({**target, "brand": "Zeta"}, candidates, price_band=0.5, min_analogues=3)
    assert other.analogues == 4 and "price band" in other.basis
    # nobody launched in the category: its established sellers' recent demand
    sellers = pool([(8, (5, 1), "Acme", 10.0, NAN, NAN, 2.0, 3.0), (9, (5, 1), "Nova", 10.0, NAN, NAN, 4.0, 5.0)])
    recent = analogue_demand(target, sellers, price_band=0.5)
    assert recent.mean == pytest.approx(3.0) and recent.basis == "recent: category 5"
    # nothing in the leaf category: its parent
    parent = analogue_demand({"categories": [42, 1], "brand": "", "price": 0.0}, sellers, price_band=0.5)
    assert parent.basis == "recent: category 1"
    assert analogue_demand({"categories": [42], "brand": "", "price": 1.0}, sellers) is None


def test_launches_that_sold_nothing_fall_through_to_the_categorys_current_sellers():
    candidates = pool([(1, (5, 1), "Nova", 100.0, 0.0, 0.0, NAN, NAN), (2, (5, 1), "Nova", 100.0, 0.0, 0.0, NAN, NAN),
                       (3, (5, 1), "Nova", 100.0, 0.0, 0.0, NAN, NAN), (8, (5, 1), "Acme", 10.0, NAN, NAN, 2.0, 3.0)])
    match = analogue_demand({"categories": [5, 1], "brand": "Nova", "price": 100.0}, candidates)
    assert match.basis == "recent: category 5" and match.mean == pytest.approx(2.0)
    unsold = pool([(8, (5, 1), "Acme", 10.0, NAN, NAN, 0.0, 0.0)])
    assert analogue_demand({"categories": [5, 1], "brand": "", "price": 1.0}, unsold) is None


def test_shrunk_rate_weighs_the_category_as_prior_days_against_the_products_own_days():
    category = AnalogueMatch(mean=2.0, variance=4.0, analogues=5, basis="recent: category 5")
    never, weight = shrunk_rate(0.0, 337.0, 0.0, category, 28.0)
    assert weight == pytest.approx(28 / 365) and never.mean == pytest.approx(2.0 * 28 / 365)   # small, not zero
    few, _ = shrunk_rate(30.0, 337.0, 0.2, category, 28.0)
    assert few.mean == pytest.approx((30 + 2.0 * 28) / 365) and few.variance > few.mean * 0.5
    assert few.basis == category.basis and few.analogues == 5


def test_blend_moves_from_the_analogue_to_the_own_forecast_as_history_accumulates():
    analogue = AnalogueMatch(mean=4.0, variance=6.0, analogues=3, basis="launch")
    own_mean, own_var = np.zeros(7), np.zeros(7)
    fresh, _ = blend(own_mean, own_var, analogue, 0.0)
    half, half_var = blend(own_mean, own_var, analogue, 0.5)
    grown, grown_var = blend(own_mean, own_var, analogue, 1.0)
    assert fresh.tolist() == [4.0] * 7 and half.tolist() == [2.0] * 7 and grown.tolist() == [0.0] * 7
    assert half_var[0] == pytest.approx(0.5 * 6.0 + 0.25 * 16)     # mixture: spread plus the disagreement
    assert grown_var.tolist() == [0.0] * 7


def test_overrides_by_value_and_percent_the_latest_wins_and_variance_scales():
    forecasts = pd.DataFrame({"series_id": [1, 1, 1, 2, 2, 2], "date": list(DAYS) * 2,
                              "mean": [2.0, 2.0, 2.0, 0.0, 4.0, 4.0], "variance": [3.0, 3.0, 3.0, 0.0, 8.0, 8.0]})
    overrides = pd.DataFrame([
        (1, DAYS[1].date(), DAYS[2].date(), None, 50.0),      # +50% on days 2-3
        (1, DAYS[2].date(), DAYS[2].date(), 10.0, None),      # later: 10 a day on day 3
        (2, DAYS[0].date(), DAYS[1].date(), 5.0, None),       # a value where the model said 0
        (3, DAYS[0].date(), DAYS[2].date(), None, -100.0),    # not in this chunk
    ], columns=["product_id", "starts_on", "ends_on", "units_per_day", "percent"])
    out = apply_overrides(forecasts, overrides)
    assert out["mean"].tolist() == [2.0, 3.0, 10.0, 5.0, 5.0, 4.0]
    assert out["overridden"].tolist() == [False, True, True, True, True, False]
    assert out["model_mean"].fillna(-1).tolist() == [-1, 2.0, 2.0, 0.0, 4.0, -1]
    assert out["variance"].tolist() == pytest.approx([3.0, 3.0 * 1.5 ** 2, 3.0 * 25, 5.0, 8.0 * (5 / 4) ** 2, 8.0])
    assert forecasts["mean"].tolist() == [2.0, 2.0, 2.0, 0.0, 4.0, 4.0]     # the input is not changed
