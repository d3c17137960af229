import math

import numpy as np
import pandas as pd
import pytest

from forecasting.ml.classification import adi_cv2, classify_matrix, classify_series, demand_class
from forecasting.ml.metrics import interval_coverage, rmsse_scale, wape, wrmsse


def _long(values: dict, start="2024-01-01"):
    rows = []
    for sid, ys in values.items():
        for i, y in enumerate(ys):
            rows.append((sid, pd.Timestamp(start) + pd.Timedelta(days=i), float(y)))
    return pd.DataFrame(rows, columns=["series_id", "date", "y"])


def test_wrmsse_hand_checked():
    train = _long({"A": [1, 2, 3, 2], "B": [0, 4, 0, 4]})
    actual = _long({"A": [2, 2], "B": [4, 0]}, start="2024-01-05")
    fc = _long({"A": [3, 1], "B": [0, 0]}, start="2024-01-05").rename(columns={"y": "mean"})
    # A: scale = mean([1,1,1]) = 1, mse = 1 -> 1.  B: scale = 16, mse = 8 -> sqrt(0.5)
    score, per = wrmsse(actual, fc, train, weights=pd.Series({"A": 3.0, "B": 1.0}), return_per_series=True)
    assert per["A"] == pytest.approx(1.0)
    assert per["B"] == pytest.approx(math.sqrt(0.5))
    assert score == pytest.approx(0.75 * 1 + 0.25 * math.sqrt(0.5))
    # equal weights by default; a missing forecast row counts as zero
    # A without forecast rows: forecast 0, mse (4 + 4) / 2 -> RMSSE 2; equal weights by default
    assert wrmsse(actual, fc[fc["series_id"] == "B"], train) == pytest.approx(0.5 * 2 + 0.5 * math.sqrt(0.5))


def test_rmsse_scale_leading_zeros():
    train = _long({"A": [0, 0, 2, 4]})
    assert rmsse_scale(train)["A"] == pytest.approx((0 + 4 + 4) / 3)
    assert rmsse_scale(train, trim_leading_zeros=True)["A"] == pytest.approx((4 + 4) / 2)


def test_wape_and_coverage():
    assert wape([10, 0, 10], [8, 1, 12]) == pytest.approx(5 / 20)
    assert interval_coverage([1, 5, 10, 0], [0, 0, 0, 0], [2, 4, 10, 1]) == pytest.approx(0.75)


@pytest.mark.parametrize("y, expected", [
    ([3, 4, 3, 5, 4, 3, 4, 4], "smooth"),          # ADI 1, CV² small
    ([1, 9, 1, 12, 1, 10, 1, 15], "erratic"),      # ADI 1, sizes vary a lot
    ([0, 3, 0, 0, 3, 0, 4, 0, 0, 3], "intermittent"),
    ([0, 1, 0, 0, 20, 0, 0, 0, 2, 0], "lumpy"),
    ([0, 0, 0], "none"),
])
def test_demand_classes(y, expected):
    adi, cv2 = adi_cv2(y)
    assert demand_class(adi, cv2) == expected
    assert classify_matrix(np.array([y], dtype=float))[2][0] == expected


def test_adi_cv2_values_and_censoring():
    adi, cv2 = adi_cv2([0, 2, 0, 0, 4, 0])
    assert adi == pytest.approx(3.0)                   # 6 periods / 2 with demand
    assert cv2 == pytest.approx((1 / 3) ** 2)          # sizes 2, 4: std 1, mean 3
    # censored (out-of-stock) zeros are not evidence of intermittency
    adi_c, _ = adi_cv2([5, 0, 0, 0, 5, 5], censored=[False, True, True, True, False, False])
    assert adi_c == pytest.approx(1.0)
    df = pd.DataFrame({"series_id": ["a"] * 6, "y": [5, 0, 0, 0, 5, 5],
                       "censored": [False, True, True, True, False, False]})
    assert classify_series(df).loc[0, "demand_class"] == "smooth"
