"""Stored per-version evaluation: the vectorised metrics, the metrics a retrain stores, the command."""
from io import StringIO

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from electroshop.mlops.models import ModelVersion
from recommendations.ml.evaluation import (
    EVALUATION_METRICS,
    evaluate_rankings,
    evaluate_top_k,
    intra_list_diversity,
    novelty,
    top_k_from_pairs,
    top_k_items,
)
from tests.recommendations.shops import build_small_shop

# --- the vectorised metrics agree with the per-list reference ------------------------------------


def test_evaluate_top_k_matches_evaluate_rankings():
    rng = np.random.default_rng(3)
    n_users, n_items = 60, 40
    top = np.array([rng.permutation(n_items)[:20] for _ in range(n_users)])
    top[5, 12:] = -1  # a short list
    relevant = [set(rng.choice(n_items, size=rng.integers(0, 6), replace=False).tolist()) for _ in range(n_users)]
    vectors = sp.random(n_items, 30, density=0.3, random_state=1, format="csr")
    item_users = rng.integers(0, 50, size=n_items)

    fast = evaluate_top_k(top, relevant, n_items=n_items, ks=(10, 20), item_users=item_users, n_users=50,
                          item_vectors=vectors)

    lists = {u: [int(i) for i in row if i >= 0] for u, row in enumerate(top)}
    reference = evaluate_rankings(lists, dict(enumerate(relevant)), ks=(10, 20), catalogue_size=n_items)
    for key in ("precision@10", "recall@10", "map@10", "ndcg@10", "hit_rate@10", "recall@20", "ndcg@20",
                "coverage@10", "users"):
        assert fast[key] == pytest.approx(reference[key]), key
    users = [u for u in range(n_users) if relevant[u]]
    popularity = dict(enumerate(item_users.tolist()))
    assert fast["novelty@10"] == pytest.approx(np.mean([novelty(lists[u], popularity, 50, 10) for u in users]))
    index = {i: i for i in range(n_items)}
    assert fast["diversity@10"] == pytest.approx(
        np.mean([intra_list_diversity(lists[u], vectors, index, 10) for u in users]))


def test_top_k_helpers_rank_best_first_and_skip_excluded():
    scores = np.array([[0.1, 0.9, 0.5, 0.7], [0.4, 0.3, 0.2, 0.1]])
    exclude = np.array([[False, True, False, False], [False, False, False, False]])
    assert top_k_items(scores, exclude, 3).tolist() == [[3, 2, 0], [0, 1, 2]]
    pairs = top_k_from_pairs(np.array([0, 0, 1, 0]), np.array([5, 6, 7, 8]), np.array([0.1, 0.9, 0.3, 0.5]), 3, 2)
    assert pairs.tolist() == [[6, 8], [7, -1], [-1, -1]]


# --- a retrain stores the table; the command prints it --------------------------------------------


@pytest.fixture
def small_shop(db):
    return build_small_shop(customers=60, orders_each=8, seed=11, prefix="E")["products"]


def test_retrain_stores_hybrid_and_baselines_on_the_same_validation_window(small_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    metrics = version.metrics

    assert "validation_ndcg@10_hybrid_heldout" in metrics  # activation_decision still reads it
    evaluation = metrics["evaluation"]
    assert {"hybrid", "most_popular", "item_knn", "als"} <= set(evaluation)
    users = {values["users"] for values in evaluation.values()}
    assert len(users) == 1 and users.pop() > 0  # every method on the same held-out customers
    for method, values in evaluation.items():
        assert set(EVALUATION_METRICS) <= set(values), method
        for name in EVALUATION_METRICS:
            assert np.isfinite(values[name])
        for name in ("precision@10", "recall@10", "recall@20", "map@10", "ndcg@10", "hit_rate@10", "coverage@10"):
            assert 0.0 <= values[name] <= 1.0, (method, name)
        assert values["recall@20"] >= values["recall@10"]
        assert values["hit_rate@10"] >= values["precision@10"]
    # the window lies inside the training history: it ends at as_of
    window = metrics["evaluation_window"]
    assert window["end"][:10] == version.as_of.strftime("%Y-%m-%d") and window["users"] == evaluation["als"]["users"]
    # two clean taste groups: anything personal beats most popular
    assert evaluation["item_knn"]["ndcg@10"] > evaluation["most_popular"]["ndcg@10"]


def test_evaluate_recommendations_prints_the_table_and_the_activation(small_shop):
    call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.get(app="recommendations", status="active")
    out = StringIO()
    call_command("evaluate_recommendations", stdout=out)
    text = out.getvalue()
    assert f"v{version.version}" in text
    for label in ("hybrid (re-ranked)", "most popular", "item kNN", "ALS"):
        assert label in text
    for name in ("precision@10", "recall@20", "map@10", "ndcg@10", "hit_rate@10", "coverage@10", "diversity@10",
                 "novelty@10"):
        assert name in text
    assert "activated: " + version.metrics["activation"]["message"] in text

    out = StringIO()
    call_command("evaluate_recommendations", "--version", str(version.version), stdout=out)
    assert "hybrid (re-ranked)" in out.getvalue()


def test_evaluate_recommendations_explains_a_version_that_was_kept_inactive(db):
    ModelVersion.objects.create(app="recommendations", kind="hybrid", version=3, as_of=timezone.now(), status="ready",
                                metrics={"validation_ndcg@10_hybrid_heldout": 0.01,
                                         "activation": {"activate": False, "message": "kept v2 active: worse"}})
    out = StringIO()
    call_command("evaluate_recommendations", "--version", "3", stdout=out)
    assert "NOT activated: kept v2 active: worse" in out.getvalue()
    assert "no per-method evaluation" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("evaluate_recommendations")  # nothing active
    with pytest.raises(CommandError):
        call_command("evaluate_recommendations", "--version", "9")


def test_the_validation_window_is_not_pickled_with_the_model(small_shop):
    import pickle

    from recommendations.services import _interactions_until, product_frame_for_training as _products
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid

    model = train_hybrid(_interactions_until(timezone.now()), _products(), as_of=timezone.now().replace(tzinfo=None),
                         params=HybridParams())
    assert model.validation is not None
    assert pickle.loads(pickle.dumps(model)).validation is None


# --- the fill's cheap reasons and the large-data tuning budget ------------------------------------


def _ml_shop_model(**overrides):
    from recommendations.ml.hybrid import HybridParams
    from recommendations.ml.training import train_hybrid
    from tests.recommendations.ml.conftest import AS_OF, make_shop

    interactions, products = make_shop()
    params = HybridParams(
        validation_days=30, ease_l2_grid=(10.0, 50.0),
        als_grid=({"factors": 8, "regularization": 0.1, "alpha": 5.0, "iterations": 5},
                  {"factors": 4, "regularization": 0.1, "alpha": 5.0, "iterations": 5}),
        knn_k_grid=(10, 20), ranker={"max_iter": 40, "min_samples_leaf": 5}, **overrides,
    )
    return train_hybrid(interactions, products, as_of=AS_OF, params=params)


def test_batched_anchors_equal_the_best_anchor_of_each_item_alone():
    from recommendations.ml.candidates import ItemItemGenerator
    from recommendations.ml.reasons import best_anchors

    model = _ml_shop_model()
    rows = model.data.im.matrix
    pair_rows = np.repeat(np.arange(rows.shape[0]), rows.shape[1])
    pair_items = np.tile(np.arange(rows.shape[1]), rows.shape[0])
    checked = 0
    for gen in model.generators.values():
        if not isinstance(gen, ItemItemGenerator):
            continue
        batched = best_anchors(gen, rows, pair_rows, pair_items)
        alone = [gen.best_anchor(rows[r].indices, rows[r].data, int(i)) for r, i in zip(pair_rows, pair_items)]
        assert batched.tolist() == [-1 if a is None else a for a in alone]
        checked += 1
    assert checked >= 2
    lists = model.recommend(list(model.user_ids), n=15)
    assert any(reason.anchor_id is not None for r in lists for reason in r.reasons)


def test_large_data_tunes_only_the_first_setting_of_each_grid():
    full = _ml_shop_model()
    assert {len(v) for v in full.tuning_results.values()} == {2}
    budget = _ml_shop_model(max_tuning_nnz=10)  # anything is "large" here
    assert {len(v) for v in budget.tuning_results.values()} == {1}
    assert budget.generator_settings["als"]["factors"] == 8 and budget.generator_settings["ease"]["l2"] == 10.0


def test_blocked_text_neighbours_equal_the_full_product():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from recommendations.ml.candidates import top_k_cosine_neighbours, top_k_sparse

    rng = np.random.default_rng(0)
    words = ["phone", "case", "cable", "usb", "black", "white", "pro", "mini"]
    texts = [" ".join(rng.choice(words, 3)) + f" {i % 7}" for i in range(300)]  # many exact ties
    vectors = TfidfVectorizer(ngram_range=(1, 2)).fit_transform(texts).astype(np.float32).tocsr()
    full = top_k_sparse(vectors @ vectors.T, 10)
    blocked = top_k_cosine_neighbours(vectors, 10, block=64)
    assert np.array_equal(full.indptr, blocked.indptr)
    assert np.array_equal(full.indices, blocked.indices) and np.array_equal(full.data, blocked.data)
    assert blocked.diagonal().sum() == 0
