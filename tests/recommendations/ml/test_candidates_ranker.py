import numpy as np
import pandas as pd
import pytest

from recommendations.ml import candidates as cg
from recommendations.ml.interactions import build_interaction_matrix, clean_interactions
from recommendations.ml.ranker import cap_per_category, mmr_rerank, pool_candidates

from .conftest import AS_OF


@pytest.fixture(scope="module")
def data(shop):
    interactions, products = shop
    events, _ = clean_interactions(interactions, as_of=AS_OF)
    im = build_interaction_matrix(events, as_of=AS_OF, bot_filter=None,
                                  item_ids=sorted(set(events["product_id"]) | set(products["product_id"])))
    return cg.prepare_training_data(im, events, products)


@pytest.mark.parametrize("name,params", [
    ("ease", {"l2": 10.0}), ("item_knn", {"k": 10}), ("bought_together", {}), ("co_visitation", {}),
    ("content", {}), ("als", {"factors": 8, "iterations": 5}), ("trending", {}), ("popular", {}),
])
def test_generators_score_batches_and_neighbours(data, name, params):
    gen = cg.GENERATOR_CLASSES[name](**params).fit(data)
    rows = data.im.matrix[:4]
    scores = gen.score(rows, np.arange(4))
    assert scores.shape == (4, data.n_items)
    assert np.isfinite(scores).all()
    idx, sc = gen.similar_items(data.im.item_index["K2"], 5)
    assert data.im.item_index["K2"] not in idx
    assert list(sc) == sorted(sc, reverse=True)


def test_personal_generators_prefer_the_customers_category(data):
    kitchen_user = data.im.user_index[1000]
    kitchen = np.array([str(i).startswith("K") for i in data.im.item_ids])
    for name in ("ease", "item_knn", "co_visitation", "content", "als"):
        gen = cg.GENERATOR_CLASSES[name]().fit(data)
        s = gen.score(data.im.matrix[[kitchen_user]], np.array([kitchen_user]))[0]
        assert s[kitchen].mean() > s[~kitchen].mean(), name


def test_cooccurrence_lift_finds_the_pair(data):
    gen = cg.CooccurrenceGenerator().fit(data)
    idx, _ = gen.similar_items(data.im.item_index["A0"], 1)
    assert data.im.item_ids[idx[0]] == "A1"


def test_trending_uses_recent_window_and_category_affinity(data):
    gen = cg.TrendingGenerator(window_days=14).fit(data)
    recent = data.events[data.events["timestamp"] >= AS_OF - pd.Timedelta(days=14)]
    assert (gen.recent_users > 0).sum() == recent["item_idx"].nunique()
    items, _ = gen.top_in_category("garden", 3)
    assert all(str(data.im.item_ids[i]).startswith("G") for i in items)
    kitchen_user = data.im.user_index[1000]
    s = gen.score(data.im.matrix[[kitchen_user]])[0]
    kitchen = np.array([str(i).startswith("K") for i in data.im.item_ids])
    assert s[kitchen].mean() > s[~kitchen].mean()


def test_als_recalculates_unknown_rows(data):
    gen = cg.ALSGenerator(factors=8, iterations=5).fit(data)
    rows = data.im.matrix[[0]]
    stored = gen.score(rows, np.array([0]))
    recomputed = gen.score(rows, np.array([-1]))
    assert np.corrcoef(stored.ravel(), recomputed.ravel())[0, 1] > 0.9


def test_pool_candidates_never_includes_seen():
    scores = {"a": np.array([[3.0, 2.0, 1.0, 0.0]]), "b": np.array([[0.0, 1.0, 2.0, 3.0]])}
    seen = np.array([[True, False, False, False]])
    block = pool_candidates(scores, seen, {"a": 1, "b": 1})
    assert sorted(block.items.tolist()) == [1, 3]
    assert block.ranks["a"][block.items.tolist().index(1)] == 0  # best unseen for a


def test_pair_ranks_count_the_items_that_score_strictly_higher():
    from recommendations.ml.ranker import _pair_ranks

    rng = np.random.default_rng(0)
    # dense rows, mostly-zero rows (the sparse generators), ties and negatives, blocked (-inf) items
    dense = rng.random((6, 50))
    sparse = np.where(rng.random((6, 50)) < 0.9, 0.0, rng.random((6, 50)))
    ties = np.round(rng.random((6, 50)) * 4) - 2
    for scores in (dense, sparse, ties):
        scores = np.where(rng.random(scores.shape) < 0.1, -np.inf, scores).astype(np.float32)
        rows, items = np.nonzero((scores > -np.inf) & (rng.random(scores.shape) < 0.4))
        expected = [(scores[r] > scores[r, i]).sum() for r, i in zip(rows, items)]
        assert _pair_ranks(scores, rows, items).tolist() == expected


def test_mmr_and_category_cap_diversify():
    items = np.array([0, 1, 2])
    scores = np.array([1.0, 0.99, 0.5])
    vecs = np.array([[1.0, 0.0], [1.0, 0.01], [0.0, 1.0]])
    assert mmr_rerank(items, scores, vecs, 2, lambda_=1.0)[0].tolist() == [0, 1]
    assert mmr_rerank(items, scores, vecs, 2, lambda_=0.5)[0].tolist() == [0, 2]
    cats = np.array(["x", "x", "y"], dtype=object)
    assert cap_per_category(items, scores, cats, 2, cap=1)[0].tolist() == [0, 2]
    assert cap_per_category(items, scores, cats, 3, cap=1)[0].tolist() == [0, 2, 1]


def test_the_ranker_is_kept_small_when_there_are_few_positive_pairs():
    from recommendations.ml.ranker import SMALL_DATA_POSITIVES, SMALL_RANKER, ranker_size

    assert ranker_size(SMALL_DATA_POSITIVES - 1) == SMALL_RANKER
    assert ranker_size(SMALL_DATA_POSITIVES) == {}  # the CandidateRanker defaults


def test_the_ranker_is_fitted_on_every_positive_and_a_seeded_share_of_the_negatives():
    from recommendations.ml.ranker import training_rows

    groups = np.repeat(np.arange(200), 100)
    labels = np.zeros(len(groups), dtype=bool)
    labels[::50] = True  # two positives per user
    labels[groups >= 150] = False  # the last 50 users have none: they teach no ranking
    keep = training_rows(labels, groups, 0.25, random_state=3)
    assert keep[labels].all()  # every positive
    assert not keep[groups >= 150].any()
    negatives = keep[~labels & (groups < 150)]
    assert 0.2 < negatives.mean() < 0.3
    np.testing.assert_array_equal(keep, training_rows(labels, groups, 0.25, random_state=3))  # seeded
    assert training_rows(labels, groups, 1.0).sum() == (groups < 150).sum()


def test_product_text_includes_the_attributes_as_key_value_words():
    from recommendations.ml.training_data import product_texts

    products = pd.DataFrame({
        "name": ["Phone X", "Cable"], "description": ["", "USB-C"], "category": ["Phones", "Cables"],
        "brand": ["Acme", ""], "attributes": [{"colour": "red", "storage": "128GB", "empty": ""}, None],
    })
    texts = product_texts(products).tolist()
    assert "colour red" in texts[0] and "storage 128GB" in texts[0] and "empty" not in texts[0]
    assert texts[1].split() == ["Cable", "USB-C", "Cables"]


def test_content_leaves_out_words_of_most_products_and_keeps_all_of_a_uniform_catalogue():
    from types import SimpleNamespace

    def fitted(texts):
        data = SimpleNamespace(n_items=len(texts), products=pd.DataFrame({"text": texts}))
        return cg.ContentGenerator(k=5).fit(data)

    shop = fitted(["Acme phone red", "Acme phone blue", "Acme cable red", "Zed lamp green", "Acme lamp"])
    vocabulary = shop.vectorizer.vocabulary_
    assert "acme" not in vocabulary  # in 4 of 5 products
    assert {"phone", "red", "lamp"} <= set(vocabulary)
    # texts of new products are scored with the same vocabulary: a common word alone finds nothing
    [(common, _), (phone, _)] = shop.neighbours_of_texts(["Acme", "phone"], 3)
    assert len(common) == 0 and set(phone.tolist()) == {0, 1}
    uniform = fitted(["Acme"] * 4)  # every word in every product: nothing would remain, so all stay
    assert "acme" in uniform.vectorizer.vocabulary_
