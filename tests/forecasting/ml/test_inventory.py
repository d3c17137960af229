from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecasting.ml.inventory import (abc_classes, apply_price_breaks, lost_sales, projected_stockout_date,
                                      reorder_advice, round_order_quantity,
                                      unit_price_at, xyz_classes)

START = date(2025, 3, 1)


def test_stockout_date_counts_each_arrival_only_from_its_day():
    f = [5] * 10
    # 12 on hand: cumulative 5, 10, 15 -> day 2 is the first short day
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START) == date(2025, 3, 3)
    # 10 more arriving on day 4 do not help on day 2
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START,
                                   arrivals=[(START + timedelta(days=4), 10)]) == date(2025, 3, 3)
    # ... but do when they arrive on day 2: 22 available, cumulative 25 on day 4
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START,
                                   arrivals=[(date(2025, 3, 3), 10)]) == date(2025, 3, 5)
    # two deliveries: +10 on day 2, +20 on day 5 -> 42 from day 5, cumulative 45 on day 8
    assert projected_stockout_date(on_hand=12, daily_forecast=f, start=START,
                                   arrivals=[(date(2025, 3, 6), 20), (date(2025, 3, 3), 10)]) == date(2025, 3, 5)
    assert projected_stockout_date(on_hand=17, daily_forecast=f, start=START,
                                   arrivals=[(date(2025, 3, 6), 20), (date(2025, 3, 3), 10)]) == date(2025, 3, 10)
    # a stock-out is an expected shortfall of half a unit: 0.3 a day from nothing is short on day 1
    assert projected_stockout_date(on_hand=0, daily_forecast=[0.3] * 5, start=START) == date(2025, 3, 2)
    # an overdue delivery counts from day 0; exactly enough stock is not a stock-out
    assert projected_stockout_date(on_hand=0, daily_forecast=f, start=START,
                                   arrivals=[(START - timedelta(days=3), 50)]) is None


def test_reorder_point_is_the_lead_time_demand_quantile():
    # 10 a day, variance 30 a day (over-dispersed), 4-day lead time: negative binomial, mean 40, variance 120
    adv = reorder_advice(on_hand=100, mean=[10] * 14, variance=[30] * 14, start=START, lead_time_days=4,
                         review_days=3, service_level=0.95)
    p, n = 40 / 120, 40 ** 2 / (120 - 40)
    assert adv.reorder_point == stats.nbinom.ppf(0.95, n, p)
    assert adv.lead_time_demand == pytest.approx(40)
    assert adv.safety_stock == pytest.approx(adv.reorder_point - 40)
    # no variance given: a count cannot spread less than Poisson
    poisson = reorder_advice(on_hand=100, mean=[10] * 14, variance=[0] * 14, start=START, lead_time_days=4)
    assert poisson.reorder_point == stats.poisson.ppf(0.95, 40)


def test_lead_time_variability_raises_safety_stock():
    common = dict(on_hand=100, mean=[10] * 28, variance=[20] * 28, start=START, lead_time_days=7, service_level=0.95)
    steady = reorder_advice(**common)
    shaky = reorder_advice(**common, lead_time_std_days=3)
    # variance 7 x 20 = 140 without, + (10 x 3)^2 = 900 more with lead-time variability
    assert steady.lead_time_variance == pytest.approx(140)
    assert shaky.lead_time_variance == pytest.approx(140 + 900)
    assert shaky.safety_stock > steady.safety_stock + 30
    assert shaky.reorder_point > steady.reorder_point


def test_reorder_now_exactly_at_or_below_the_reorder_point_with_moq_and_packs():
    base = dict(mean=[10] * 14, variance=[10] * 14, start=START, lead_time_days=4, review_days=3,
                pack_size=12, min_order=24)
    rop = reorder_advice(on_hand=0, **base).reorder_point
    at = reorder_advice(on_hand=rop, **base)
    above = reorder_advice(on_hand=rop + 1, **base)
    assert at.reorder_now and at.suggested_order_qty >= 24 and at.suggested_order_qty % 12 == 0
    assert not above.reorder_now and above.suggested_order_qty == 0
    # order up to S over 7 days: quantity = S - position, in packs of 12
    assert at.suggested_order_qty == round_order_quantity(at.order_up_to - rop, pack_size=12, min_order=24)
    # position exactly at S is still "at or below the reorder point" when S == ROP: at least one pack
    flat = reorder_advice(on_hand=6, mean=[1] * 14, variance=[1] * 14, start=START, lead_time_days=3,
                          review_days=0, pack_size=5, min_order=1)
    assert flat.reorder_point == flat.order_up_to == 6                 # Poisson(3) at 95%
    assert flat.reorder_now and flat.suggested_order_qty == 5


def test_no_forecast_demand_is_never_reordered():
    adv = reorder_advice(on_hand=0, mean=[0] * 14, variance=[0] * 14, start=START, lead_time_days=4)
    assert adv.reorder_point == -1 and not adv.reorder_now and adv.suggested_order_qty == 0
    assert adv.reason == "under 0.5 units expected over the lead time and review period: not reordered"
    # a slow mover: 0.02 a day is 0.22 units over 4 + 7 days: an order of the minimum 20 would sit on the shelf
    slow = reorder_advice(on_hand=0, mean=[0.02] * 14, variance=[0.02] * 14, start=START, lead_time_days=4,
                          min_order=20)
    assert slow.reorder_point == -1 and not slow.reorder_now and slow.stockout_date is None


def test_order_quantity_rounding():
    assert round_order_quantity(0, pack_size=6, min_order=10) == 0
    assert round_order_quantity(-3, pack_size=6) == 0
    assert round_order_quantity(13, pack_size=6) == 18          # up to whole packs
    assert round_order_quantity(3, pack_size=6, min_order=10) == 12   # min order, then packs
    assert round_order_quantity(12, pack_size=6) == 12


def test_price_breaks_round_up_only_when_it_costs_no_more():
    breaks = [{"min_quantity": 50, "unit_price": 9.0}, {"min_quantity": 100, "unit_price": 8.0}]
    assert unit_price_at(10, unit_cost=10.0, price_breaks=breaks) == 10.0
    assert unit_price_at(50, unit_cost=10.0, price_breaks=breaks) == 9.0
    assert unit_price_at(10, unit_cost=None, price_breaks=breaks) is None
    # 46 x 10 = 460 >= 50 x 9 = 450: 50 units cost less than 46
    assert apply_price_breaks(46, pack_size=1, unit_cost=10.0, price_breaks=breaks) == (50, 9.0)
    # 40 x 10 = 400 < 450: stays
    assert apply_price_breaks(40, pack_size=1, unit_cost=10.0, price_breaks=breaks) == (40, 10.0)
    # 90 x 9 = 810 >= 100 x 8 = 800: up to the second break
    assert apply_price_breaks(90, pack_size=1, unit_cost=10.0, price_breaks=breaks) == (100, 8.0)
    # a break as a discount off the unit cost
    assert unit_price_at(60, unit_cost=10.0, price_breaks=[{"min_quantity": 50, "discount_percent": 5}]) == 9.5
    assert unit_price_at(60, unit_cost=None, price_breaks=[{"min_quantity": 50, "discount_percent": 5}]) is None
    # packs of 30: the 50 break means 60 units = 540 > 46 x 10: stays
    assert apply_price_breaks(46, pack_size=30, unit_cost=10.0, price_breaks=breaks) == (46, 10.0)
    # order up to the 95% quantile of Poisson(40) = 51 over 10 days; 5 on hand: 46 needed, 50 cost less
    adv = reorder_advice(on_hand=5, mean=[4] * 14, variance=[4] * 14, start=START, lead_time_days=7,
                         review_days=3, unit_cost=10.0, price_breaks=breaks)
    assert adv.order_up_to == 51 and adv.suggested_order_qty == 50 and adv.unit_price == 9.0
    assert "raised to 50 for a price break (no more in total) at 9.00 a unit" in adv.reason


def test_reason_names_the_stockout_the_next_delivery_and_the_order():
    common = dict(mean=[5] * 28, variance=[5] * 28, start=date(2026, 12, 6), arrivals=[(date(2026, 12, 20), 50)],
                  lead_time_days=10, review_days=7, pack_size=10, min_order=20)
    # 20 on hand last 4 days: cumulative 25 > 20 on day 4 = 10 Dec; the delivery comes 10 days later.
    # Position 70 is above the reorder point (Poisson(50) at 95% = 62): ordering now would not help.
    late = reorder_advice(on_hand=20, **common)
    assert late.stockout_date == date(2026, 12, 10) and late.next_arrival == date(2026, 12, 20)
    assert late.reason == ("projected stock-out on 10 Dec, 10 days before the next delivery; 50 on order arriving "
                           "20 Dec; no order needed: 70 in stock and on order is above the reorder point 62; "
                           "bring the delivery forward to avoid the stock-out")
    short = reorder_advice(on_hand=8, **common)   # position 58 <= 62: up to Poisson(5 x 17) at 95% = 100
    assert short.order_up_to == 100 and short.reorder_now and short.suggested_order_qty == 50
    assert short.reason == ("projected stock-out on 7 Dec, 13 days before the next delivery; 50 on order arriving "
                            "20 Dec; order 50 now: 58 in stock and on order is at or below the reorder point 62 "
                            "(50 expected over the 10-day lead time + 12 safety stock for 95% service), 42 needed, "
                            "rounded up to packs of 10")
    calm = reorder_advice(on_hand=500, mean=[5] * 28, variance=[5] * 28, start=START, lead_time_days=10)
    assert calm.reason.startswith("no order needed: 500 in stock and on order is above the reorder point")


def test_overstock_and_dead_stock_flags():
    over = reorder_advice(on_hand=5000, mean=[1] * 28, variance=[0.25] * 28, start=START, lead_time_days=7,
                          review_days=7, overstock_days=90)
    assert over.overstock and over.suggested_order_qty == 0 and over.reason.startswith("overstock: 5,000")
    dead = reorder_advice(on_hand=40, mean=[0] * 28, variance=[0] * 28, start=START, days_since_last_sale=200)
    assert dead.dead_stock and dead.reason == "dead stock: 40 on hand, no sale for 200 days"
    alive = reorder_advice(on_hand=40, mean=[0] * 28, variance=[0] * 28, start=START, days_since_last_sale=10)
    assert not alive.dead_stock


def test_lost_sales_on_censored_days_weekday_adjusted():
    origin = date(2026, 5, 1)
    days = pd.date_range(origin - timedelta(days=120), origin - timedelta(days=1))
    # 10 a day, 20 on Saturdays; out of stock on the last Saturday and the day before (sold 2 that Friday)
    y = np.where(days.weekday == 5, 20.0, 10.0)
    censored = np.zeros(len(days), bool)
    saturday = np.flatnonzero(days.weekday == 5)[-1]
    censored[[saturday - 1, saturday]] = True
    y[saturday - 1], y[saturday] = 2.0, 0.0
    history = pd.DataFrame({"series_id": 7, "date": days, "y": y, "censored": censored})
    lost = lost_sales(history, origin=origin).set_index("date")
    mean = (6 * 10 + 20) / 7  # the uncensored days' mean (the window's weekdays in equal measure, near enough)
    friday, sat = days[saturday - 1].date(), days[saturday].date()
    assert lost.loc[sat, "expected"] == pytest.approx(20, rel=0.05)
    assert lost.loc[friday, "expected"] == pytest.approx(10, rel=0.05)
    assert lost.loc[friday, "lost"] == pytest.approx(lost.loc[friday, "expected"] - 2)
    assert lost.loc[sat, "sold"] == 0 and mean > 10
    # outside the 90-day window: not estimated
    assert lost_sales(history, origin=origin + timedelta(days=200)).empty


def test_abc_and_xyz():
    rev = pd.Series({"a": 700.0, "b": 150.0, "c": 100.0, "d": 40.0, "e": 10.0})
    # cumulative share before each: 0, .70, .85, .95, .99
    assert abc_classes(rev).to_dict() == {"a": "A", "b": "A", "c": "B", "d": "C", "e": "C"}
    demand = pd.DataFrame([[10, 10, 10, 10], [5, 15, 5, 15], [0, 0, 0, 20], [0, 0, 0, 0]],
                          index=["x", "y", "z", "none"])
    # CVs: 0, 0.5, sqrt(3)
    assert xyz_classes(demand).to_dict() == {"x": "X", "y": "X", "z": "Z", "none": "Z"}
    assert xyz_classes(demand, x=0.4).loc["y"] == "Y"
