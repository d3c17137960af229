from datetime import date

import pandas as pd
import pytest

from forecasting.ml.inventory import (abc_classes, projected_stockout_date, reorder_advice, reorder_point,
                                      round_order_quantity, service_level_z, sigma_from_interval, xyz_classes)

START = date(2025, 3, 1)


def test_stockout_date_counts_on_order_only_from_arrival():
    f = [5] * 10
    # 12 on hand: cumulative 5, 10, 15 -> day 2 is the first short day
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START) == date(2025, 3, 3)
    # 10 more arriving on day 4 (lead time 4) do not help on day 2
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START, on_order=10,
                                   lead_time_days=4) == date(2025, 3, 3)
    # ... but do when they arrive on day 2: 22 available, cumulative 25 on day 4
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START, on_order=10,
                                   on_order_arrival=date(2025, 3, 3)) == date(2025, 3, 5)
    # exactly enough stock is not a stock-out; enough for the horizon -> None
    assert projected_stockout_date(on_hand=50, daily_forecast=f, start=START) is None


def test_reorder_point_and_safety_stock_hand_checked():
    z = service_level_z(0.95)
    assert z == pytest.approx(1.6449, abs=1e-4)
    # 4 days of lead time, 10/day, sigma 3/day -> LT demand 40, sigma_LT = 6
    rop, ss = reorder_point(mean=[10] * 7, sigma=[3] * 7, lead_time_days=4)
    assert ss == pytest.approx(z * 6)
    assert rop == pytest.approx(40 + z * 6)
    # sigma read off a 95% interval: (hi - lo) / (2 * 1.96)
    assert sigma_from_interval([10 - 1.959964 * 3], [10 + 1.959964 * 3])[0] == pytest.approx(3, rel=1e-5)


def test_order_quantity_rounding():
    assert round_order_quantity(0, pack_size=6, min_order=10) == 0
    assert round_order_quantity(-3, pack_size=6) == 0
    assert round_order_quantity(13, pack_size=6) == 18          # up to whole packs
    assert round_order_quantity(3, pack_size=6, min_order=10) == 12   # min order, then packs
    assert round_order_quantity(12, pack_size=6) == 12


def test_reorder_advice_hand_checked():
    adv = reorder_advice(on_hand=30, on_order=0, mean=[10] * 14, sigma=[0] * 14, start=START,
                         lead_time_days=4, review_days=3, pack_size=12, min_order=24)
    assert adv.reorder_point == pytest.approx(40)
    assert adv.reorder_now                        # position 30 <= 40
    assert adv.order_up_to == pytest.approx(70)   # 7 days cover
    assert adv.suggested_order_qty == 48          # need 40 -> 4 packs of 12
    assert adv.stockout_date == date(2025, 3, 4)  # cumulative 40 > 30 on day 3
    assert not adv.overstock and not adv.dead_stock
    calm = reorder_advice(on_hand=100, mean=[10] * 14, sigma=[0] * 14, start=START,
                          lead_time_days=4, review_days=3, pack_size=12, min_order=24)
    assert calm.suggested_order_qty == 0 and not calm.reorder_now


def test_overstock_and_dead_stock_flags():
    over = reorder_advice(on_hand=5000, mean=[1] * 28, sigma=[0.5] * 28, start=START, lead_time_days=7,
                          review_days=7, overstock_days=90)
    assert over.overstock and over.suggested_order_qty == 0
    dead = reorder_advice(on_hand=40, mean=[0] * 28, start=START, days_since_last_sale=200)
    assert dead.dead_stock
    alive = reorder_advice(on_hand=40, mean=[0] * 28, start=START, days_since_last_sale=10)
    assert not alive.dead_stock


def test_abc_and_xyz():
    rev = pd.Series({"a": 700.0, "b": 150.0, "c": 100.0, "d": 40.0, "e": 10.0})
    # cumulative share before each: 0, .70, .85, .95, .99
    assert abc_classes(rev).to_dict() == {"a": "A", "b": "A", "c": "B", "d": "C", "e": "C"}
    demand = pd.DataFrame([[10, 10, 10, 10], [5, 15, 5, 15], [0, 0, 0, 20], [0, 0, 0, 0]],
                          index=["x", "y", "z", "none"])
    # CVs: 0, 0.5, sqrt(3)
    assert xyz_classes(demand).to_dict() == {"x": "X", "y": "X", "z": "Z", "none": "Z"}
    assert xyz_classes(demand, x=0.4).loc["y"] == "Y"
