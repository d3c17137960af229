import numpy as np
import pandas as pd
import pytest

AS_OF = pd.Timestamp("2024-05-01")
CATEGORIES = ("kitchen", "garden", "audio")
WORDS = {"kitchen": "ceramic mug kettle", "garden": "garden hose planter", "audio": "wireless speaker headphones"}


def make_shop(seed: int = 7, n_users: int = 90, items_per_cat: int = 10):
    """Three categories; customers mostly buy in one; item 0 and 1 of a category go together."""
    rng = np.random.default_rng(seed)
    products = pd.DataFrame(
        [
            {"product_id": f"{cat[0].upper()}{i}", "name": f"{WORDS[cat]} model {i}", "category": cat,
             "price": float(5 + 3 * i + 20 * c)}
            for c, cat in enumerate(CATEGORIES)
            for i in range(items_per_cat)
        ]
    )
    rows = []
    start = AS_OF - pd.Timedelta(days=120)
    for u in range(n_users):
        home = CATEGORIES[u % 3]
        for b in range(6):
            ts = start + pd.Timedelta(days=float(rng.uniform(0, 119)))
            cat = home if rng.random() < 0.85 else CATEGORIES[rng.integers(3)]
            prefix = cat[0].upper()
            if rng.random() < 0.35:
                items = [f"{prefix}0", f"{prefix}1"]
            else:
                items = [f"{prefix}{i}" for i in rng.choice(items_per_cat, size=2, replace=False)]
            for it in items:
                rows.append({"customer_id": 1000 + u, "product_id": it, "event_type": "purchase", "timestamp": ts,
                             "quantity": 1, "session_id": f"o{u}-{b}"})
            rows.append({"customer_id": 1000 + u, "product_id": f"{prefix}{rng.integers(items_per_cat)}",
                         "event_type": "view", "timestamp": ts - pd.Timedelta(minutes=5), "quantity": 1,
                         "session_id": f"o{u}-{b}"})
    # one product nobody bought yet: a cold item with only a catalogue entry
    products = pd.concat([products, pd.DataFrame([{"product_id": "K-NEW", "name": "ceramic mug kettle deluxe",
                                                   "category": "kitchen", "price": 9.0}])], ignore_index=True)
    return pd.DataFrame(rows), products


@pytest.fixture(scope="session")
def shop():
    return make_shop()


@pytest.fixture(scope="session")
def hybrid(shop):
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid

    interactions, products = shop
    params = HybridParams(
        validation_days=30,
        ease_l2_grid=(10.0, 50.0),
        als_grid=({"factors": 8, "regularization": 0.1, "alpha": 5.0, "iterations": 5},),
        knn_k_grid=(10,),
        ranker={"max_iter": 40, "min_samples_leaf": 5},
        candidates_per_generator={"ease": 10, "als": 10, "item_knn": 10, "bought_together": 5, "co_visitation": 5,
                                  "content": 5, "trending": 5, "popular": 3},
    )
    return train_hybrid(interactions, products, as_of=AS_OF, params=params)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Override the project-wide autouse cache fixture: this package is pure Python and its tests
    must run without Django settings (``-p no:django``)."""
    yield
