import math

import numpy as np
import pandas as pd
import pytest

from recommendations.ml.evaluation import (
    average_precision_at_k,
    catalogue_coverage,
    evaluate_rankings,
    hit_rate_at_k,
    intra_list_diversity,
    ndcg_at_k,
    novelty,
    precision_at_k,
    recall_at_k,
    temporal_split,
)

RECS = ["a", "b", "c", "d"]
REL = {"b", "d", "e"}


def test_precision_recall_hit_on_hand_checked_list():
    assert precision_at_k(RECS, REL, 4) == pytest.approx(0.5)
    assert precision_at_k(RECS, REL, 2) == pytest.approx(0.5)
    # recall divides by min(|relevant|, k)
    assert recall_at_k(RECS, REL, 4) == pytest.approx(2 / 3)
    assert recall_at_k(RECS, REL, 2) == pytest.approx(1 / 2)
    assert hit_rate_at_k(RECS, REL, 1) == 0.0
    assert hit_rate_at_k(RECS, REL, 2) == 1.0


def test_ndcg_on_hand_checked_list():
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(RECS, REL, 4) == pytest.approx(dcg / idcg)
    assert ndcg_at_k(["b", "d", "e"], REL, 3) == pytest.approx(1.0)
    assert ndcg_at_k(["x", "y"], REL, 2) == 0.0
    assert ndcg_at_k(RECS, set(), 4) == 0.0


def test_map_on_hand_checked_list():
    # hits at ranks 2 and 4: (1/2 + 2/4) / min(3, 4)
    assert average_precision_at_k(RECS, REL, 4) == pytest.approx(1 / 3)
    assert average_precision_at_k(["b", "d", "e"], REL, 10) == pytest.approx(1.0)


def test_coverage_novelty_diversity():
    assert catalogue_coverage({1: ["a", "b"], 2: ["b", "c", "z"]}, 10, k=2) == pytest.approx(0.3)
    # p(a) = 8/8 -> 0 bits, p(b) = 2/8 -> 2 bits
    assert novelty(["a", "b"], {"a": 8, "b": 2}, 8, k=2) == pytest.approx(1.0)
    vectors = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    index = {"a": 0, "b": 1, "c": 2}
    assert intra_list_diversity(["a", "b"], vectors, index, 2) == pytest.approx(0.0)
    assert intra_list_diversity(["a", "c"], vectors, index, 2) == pytest.approx(1.0)
    assert intra_list_diversity(["a", "b", "c"], vectors, index, 3) == pytest.approx(2 / 3)


def test_evaluate_rankings_averages_over_users_with_targets():
    recs = {1: ["a", "b"], 2: ["c", "d"]}
    relevant = {1: {"a"}, 2: {"x"}, 3: set()}
    out = evaluate_rankings(recs, relevant, ks=(2,), catalogue_size=4)
    assert out["users"] == 2
    assert out["precision@2"] == pytest.approx(0.25)
    assert out["hit_rate@2"] == pytest.approx(0.5)
    assert out["ndcg@2"] == pytest.approx(0.5)
    assert out["coverage@2"] == pytest.approx(1.0)


def test_temporal_split_keeps_only_new_known_items():
    t = pd.Timestamp("2024-01-10")
    df = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 3],
        "product_id": ["a", "a", "b", "new", "b", "a"],
        "event_type": ["purchase"] * 4 + ["view", "purchase"],
        "timestamp": [t - pd.Timedelta(days=1), t, t, t, t - pd.Timedelta(days=2), t],
    })
    split = temporal_split(df, cutoff=t)
    # customer 1 re-bought a (not new), bought b (new, known) and 'new' (unknown to the history)
    # customer 3 has no history; customer 2 only viewed before the cutoff
    assert split.relevant == {1: {"b"}}
    assert len(split.history) == 2
