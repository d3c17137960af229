import numpy as np
import pandas as pd
import pytest

from recommendations.ml.interactions import BotFilter, build_interaction_matrix, rows_for_items

AS_OF = pd.Timestamp("2024-03-01")


def _events(rows):
    return pd.DataFrame(rows, columns=["customer_id", "product_id", "event_type", "timestamp"])


def test_event_type_weights_order_confidence():
    df = _events([
        ("u", "view", "view", AS_OF - pd.Timedelta(hours=1)),
        ("u", "click", "click", AS_OF - pd.Timedelta(hours=1)),
        ("u", "wish", "wishlist", AS_OF - pd.Timedelta(hours=1)),
        ("u", "cart", "cart", AS_OF - pd.Timedelta(hours=1)),
        ("u", "buy", "purchase", AS_OF - pd.Timedelta(hours=1)),
    ])
    im = build_interaction_matrix(df, as_of=AS_OF, half_life_days=None, value_transform="raw", bot_filter=None)
    row = im.matrix[im.user_index["u"]].toarray().ravel()
    values = [row[im.item_index[i]] for i in ("view", "click", "wish", "cart", "buy")]
    assert values == sorted(values) and len(set(values)) == 5
    assert values[-1] == pytest.approx(10.0)

    custom = build_interaction_matrix(df, as_of=AS_OF, half_life_days=None, value_transform="raw", bot_filter=None,
                                      event_weights={"view": 1.0, "purchase": 3.0})
    assert custom.matrix.shape == (1, 2)  # unknown event types are dropped ...
    assert custom.filter_report["unknown_event_type"] == 3  # ... and counted


def test_time_decay_halves_weight_each_half_life_and_ignores_future():
    df = _events([
        ("a", "x", "purchase", AS_OF - pd.Timedelta(days=30)),
        ("b", "x", "purchase", AS_OF - pd.Timedelta(days=60)),
        ("b", "y", "purchase", AS_OF + pd.Timedelta(days=1)),  # the future must not leak in
    ])
    im = build_interaction_matrix(df, as_of=AS_OF, half_life_days=30, value_transform="raw", bot_filter=None)
    x = im.item_index["x"]
    assert im.matrix[im.user_index["a"], x] == pytest.approx(5.0)
    assert im.matrix[im.user_index["b"], x] == pytest.approx(2.5)
    assert "y" not in im.item_index
    assert im.filter_report["after_as_of"] == 1


def test_repeat_events_sum_then_log1p_and_ids_round_trip():
    df = _events([("a", "x", "purchase", AS_OF - pd.Timedelta(days=1))] * 3 + [("b", "z", "view", AS_OF - pd.Timedelta(days=1))])
    im = build_interaction_matrix(df, as_of=AS_OF, half_life_days=None)
    assert im.matrix[im.user_index["a"], im.item_index["x"]] == pytest.approx(np.log1p(30.0), rel=1e-5)
    assert [im.user_ids[im.user_index[u]] for u in ("a", "b")] == ["a", "b"]
    assert [im.item_ids[im.item_index[i]] for i in ("x", "z")] == ["x", "z"]


def test_bot_filter_removes_outliers_and_reports_counts():
    t = AS_OF - pd.Timedelta(days=2)
    rows = [("crawler", f"p{i % 50}", "view", t) for i in range(30)]  # one session of 30 events
    rows += [("hammer", "p1", "view", t + pd.Timedelta(seconds=i)) for i in range(25)]  # 25 events in a day
    rows += [("scraper", f"p{i}", "view", t - pd.Timedelta(days=i)) for i in range(40)]  # 40 of 50 items
    rows += [("human", "p1", "purchase", t), ("human", "p2", "view", t)]
    df = _events(rows)
    df["session_id"] = ["s-crawl"] * 30 + [f"s-h{i}" for i in range(25)] + [f"s-s{i}" for i in range(40)] + ["s-1", "s-1"]
    df["quantity"] = 1
    df.loc[df.index[-2], "quantity"] = 5000
    rules = BotFilter(max_events_per_session=20, max_events_per_user_day=20, max_distinct_items_share=0.5,
                      min_items_for_share_rule=10, max_quantity=100)
    im = build_interaction_matrix(df, as_of=AS_OF, bot_filter=rules, item_ids=[f"p{i}" for i in range(50)])
    r = im.filter_report
    assert (r["bot_sessions"], r["bot_session_events"]) == (1, 30)
    assert (r["bot_user_days"], r["bot_user_day_events"]) == (1, 25)
    assert (r["bot_users"], r["bot_user_events"]) == (1, 40)
    assert r["quantity_clipped"] == 1
    assert list(im.user_ids) == ["human"]

    unfiltered = build_interaction_matrix(df, as_of=AS_OF, bot_filter=None)
    assert set(unfiltered.user_ids) == {"crawler", "hammer", "scraper", "human"}


def test_rows_for_items_builds_pseudo_users():
    rows = rows_for_items([["a", "zz", "b"], ["b", "b"]], {"a": 0, "b": 1}, 3)
    assert rows.toarray().tolist() == [[1.0, 1.0, 0.0], [0.0, 2.0, 0.0]]


def test_timezone_aware_input_matches_naive_utc():
    """Django gives aware datetimes; CSV imports give naive UTC ones. Both must mean the same."""
    naive = _events([("a", "x", "purchase", AS_OF - pd.Timedelta(days=30)),
                     ("a", "y", "purchase", AS_OF + pd.Timedelta(hours=1))])
    aware = naive.assign(timestamp=naive["timestamp"].dt.tz_localize("UTC").dt.tz_convert("Europe/Berlin"))
    a = build_interaction_matrix(naive, as_of=AS_OF, half_life_days=30, value_transform="raw")
    b = build_interaction_matrix(aware, as_of=AS_OF.tz_localize("UTC"), half_life_days=30, value_transform="raw")
    assert (a.matrix != b.matrix).nnz == 0
    assert a.matrix[0, a.item_index["x"]] == pytest.approx(5.0)
    assert b.filter_report["after_as_of"] == 1
