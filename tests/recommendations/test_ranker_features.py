"""The re-ranker's stock, price-band and category-share features: computed, named, learned from."""
import numpy as np
import pandas as pd
import pytest

from recommendations.ml.training_data import prepare_training_data
from recommendations.ml.features import COVER_CAP_DAYS, align_features, stock_at, stock_features
from recommendations.ml.hybrid import HybridParams
from recommendations.ml.interactions import build_interaction_matrix
from recommendations.ml.training import train_hybrid
from tests.recommendations.ml.conftest import AS_OF, make_shop

NEW_FEATURES = ("item_in_stock", "item_days_of_cover", "user_price_low", "user_price_high",
                "price_vs_customer_median", "customer_price_band_position", "customer_category_share")


def _events(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "product_id", "event_type", "timestamp", "quantity"])
    im = build_interaction_matrix(frame, as_of=AS_OF, item_ids=np.array(["A", "B", "C", "D"]))
    return prepare_training_data(im, frame)


def test_days_of_cover_is_on_hand_over_recent_daily_sales():
    recent, old = AS_OF - pd.Timedelta(days=3), AS_OF - pd.Timedelta(days=60)
    data = _events([
        (1, "A", "purchase", recent, 30),  # 30 units in the last 30 days: 1 a day
        (2, "B", "purchase", recent, 6),
        (2, "C", "purchase", old, 50),  # sold, but not recently
        (3, "D", "view", recent, 1),  # a view is not a sale
    ])
    stock = stock_features(np.array([10.0, 0.0, 4.0, np.nan]), data.events, data.n_items, data.as_of)
    assert stock["days_of_cover"][:3].tolist() == [10.0, 0.0, COVER_CAP_DAYS]
    assert stock["in_stock"][:3].tolist() == [1.0, 0.0, 1.0]
    # the shop does not manage D's stock: unknown, not "out of stock"
    assert np.isnan(stock["days_of_cover"][3]) and np.isnan(stock["in_stock"][3])


def test_an_earlier_window_sees_the_stock_before_its_own_sales():
    read_at = AS_OF
    events = pd.DataFrame([
        (1, "A", "purchase", read_at - pd.Timedelta(days=5), 4),  # sold after the window began: added back
        (2, "A", "purchase", read_at - pd.Timedelta(days=40), 9),  # before it: already gone then
        (3, "B", "view", read_at - pd.Timedelta(days=2), 1),  # a view takes no stock
    ], columns=["customer_id", "product_id", "event_type", "timestamp", "quantity"])
    products = pd.DataFrame({"product_id": ["A", "B", "C"], "on_hand": [0.0, 3.0, np.nan]})
    then = stock_at(products, events, when=read_at - pd.Timedelta(days=30), read_at=read_at)
    assert then["on_hand"].tolist()[:2] == [4.0, 3.0] and np.isnan(then["on_hand"].iloc[2])
    assert products["on_hand"].tolist()[0] == 0.0  # the caller's frame is left as it was
    assert stock_at(products, events, when=read_at, read_at=read_at) is products


@pytest.fixture(scope="module")
def stocked_model():
    interactions, products = make_shop()
    products = products.assign(on_hand=10.0)
    products.loc[products["product_id"] == "K2", "on_hand"] = 0.0  # sold out when the model is trained
    params = HybridParams(validation_days=30, ease_l2_grid=(10.0,), knn_k_grid=(10,),
                          als_grid=({"factors": 8, "regularization": 0.1, "alpha": 5.0, "iterations": 5},),
                          ranker={"max_iter": 40, "min_samples_leaf": 5})
    return train_hybrid(interactions, products, as_of=AS_OF, params=params)


def test_the_ranker_is_trained_on_the_stock_price_band_and_category_features(stocked_model):
    assert stocked_model.ranker is not None
    for name in NEW_FEATURES:
        assert name in stocked_model.ranker.feature_names, name


def test_serving_describes_a_sold_out_item_with_zero_cover(stocked_model):
    model = stocked_model
    users = np.arange(model.data.n_users)
    block, feats, names = model._features(model.data.im.matrix[users], users, model._user_features_for(users), None)
    assert names == model.ranker.feature_names  # serving builds the columns training built
    cover = feats[:, names.index("item_days_of_cover")]
    in_stock = feats[:, names.index("item_in_stock")]
    sold_out = model.data.im.item_index["K2"]
    assert (cover[block.items == sold_out] == 0).all() and (in_stock[block.items == sold_out] == 0).all()
    others = block.items != sold_out
    assert (cover[others] > 0).all() and (in_stock[others] == 1).all()


def test_category_share_is_the_customers_share_of_products_in_that_category(stocked_model):
    model = stocked_model
    user = model.data.im.user_index[1000]  # a kitchen customer (make_shop: 85% in their home category)
    row = model.data.im.matrix[[user]]
    block, feats, names = model._features(row, np.array([user]), model._user_features_for(np.array([user])), None)
    share = feats[:, names.index("customer_category_share")]
    bought = model.data.products["category"].to_numpy()[row.indices]
    for category in ("kitchen", "garden"):
        expected = float(np.mean(bought == category))
        in_category = model.data.products["category"].to_numpy()[block.items] == category
        assert np.allclose(share[in_category], expected)


def _price_shop(seed: int = 3):
    """Ten cheap and ten dear products, bought alike often; even customers buy only cheap ones,
    odd customers only dear ones. No categories: only the price band tells the groups apart."""
    rng = np.random.default_rng(seed)
    products = pd.DataFrame([{"product_id": f"C{i}", "name": f"cheap {i}", "price": 5.0 + 0.2 * i} for i in range(10)]
                            + [{"product_id": f"E{i}", "name": f"dear {i}", "price": 100.0 + 2 * i} for i in range(10)])
    rows = []
    for customer in range(80):
        tier = "C" if customer % 2 == 0 else "E"
        for k in range(6):
            when = AS_OF - pd.Timedelta(days=float(rng.uniform(1, 180)))
            rows.append({"customer_id": customer, "product_id": f"{tier}{rng.integers(10)}", "event_type": "purchase",
                         "timestamp": when, "quantity": 1, "session_id": f"{customer}-{k}"})
    return pd.DataFrame(rows), products


def test_a_customer_who_buys_cheap_items_is_shown_cheap_ones_first():
    interactions, products = _price_shop()
    # popularity is the only generator: it scores a cheap and a dear product alike, so the order
    # within a customer's list is what the re-ranker learned from the price features
    params = HybridParams(generators=("popular",), candidates_per_generator={"popular": 20}, tune=False,
                          validation_days=30, ranker={"max_iter": 60, "min_samples_leaf": 5, "max_leaf_nodes": 7})
    model = train_hybrid(interactions, products, as_of=AS_OF, params=params)
    assert model.ranker is not None
    cheap_buyer, dear_buyer = 0, 1
    cheap_list, dear_list = model.recommend([cheap_buyer, dear_buyer], n=20)
    for rec, tier in ((cheap_list, "C"), (dear_list, "E")):
        tiers = [item[0] for item in rec.item_ids]  # every product the customer has not bought yet
        assert tiers == sorted(tiers, key=lambda t: t != tier), rec.item_ids  # their own price tier first
        assert tiers.count(tier) >= 3

    user = model.data.im.user_index[cheap_buyer]
    block, feats, names = model._features(model.data.im.matrix[[user]], np.array([user]),
                                          model._user_features_for(np.array([user])), None)
    position = feats[:, names.index("customer_price_band_position")]
    cheap = np.char.startswith(model.item_ids[block.items].astype(str), "C")
    assert position[~cheap].min() > position[cheap].max() + 2  # dear products lie far above the customer's band


def test_a_model_stored_before_the_new_features_still_scores():
    features = np.array([[1.0, 2.0, 3.0]], dtype=np.float32)
    old = align_features(features, ["a_score", "price_vs_customer_median", "customer_category_share"],
                         ["category_affinity", "a_score", "price_vs_user", "gone"])
    assert old[0, :3].tolist() == [3.0, 1.0, 2.0] and np.isnan(old[0, 3])
