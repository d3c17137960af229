"""The activation gate: a version whose hybrid loses on the held-out window serves its best generator."""
import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from electroshop.conf import electroshop_settings
from electroshop.mlops.models import ModelVersion
from recommendations import services
from recommendations.models import ProductRecommendation
from tests.recommendations.shops import build_small_shop


@pytest.fixture
def small_shop(db):
    return build_small_shop(customers=60, orders_each=8, seed=11, prefix="G")["products"]


def _retrain_with_held_out_hybrid_lists(monkeypatch, make_lists) -> ModelVersion:
    """Retrain, replacing the hybrid's held-out lists by ``make_lists(window)`` before the evaluation
    reads them: the gate, the fill and the activation then run as in production."""
    real_train = services.train_hybrid

    def train(*args, **kwargs):
        model = real_train(*args, **kwargs)
        model.validation.hybrid_top = make_lists(model.validation)
        return model

    monkeypatch.setattr(services, "train_hybrid", train)
    call_command("retrain", "recommendations", "--sync")
    return ModelVersion.objects.get(app="recommendations", status="active")


def _stored(version) -> dict[int, list]:
    return {row.customer_id: row.items for row in ProductRecommendation.objects.filter(model_version=version)}


def test_a_hybrid_that_loses_on_the_held_out_window_serves_the_best_generator(small_shop, monkeypatch, client):
    # a hybrid whose held-out lists are empty scores 0 against every generator
    version = _retrain_with_held_out_hybrid_lists(monkeypatch, lambda window: np.full((len(window.users), 20), -1))

    evaluation = version.metrics["evaluation"]
    assert evaluation["hybrid"]["ndcg@10"] == 0.0
    best = max((m for m in services.EVALUATED_BASELINES if m in evaluation), key=lambda m: evaluation[m]["ndcg@10"])
    serving = version.metrics["serving"]
    strategy = services.EVALUATED_BASELINES[best]
    assert serving["strategy"] == strategy and serving["method"] == best
    label = services.GENERATOR_LABELS[strategy]
    assert serving["message"].startswith(f"Serving {label}: the hybrid scored below it on the held-out window")
    assert version.metrics["validation_ndcg@10_served"] == evaluation[best]["ndcg@10"]

    # every stored list is that generator's own ranking of the customer's unseen products
    model = services.model_for_version(version.pk)
    generator = model.generators[strategy]
    stored = _stored(version)
    assert stored
    for customer_id, items in stored.items():
        row = model.data.im.user_index[customer_id]
        history = model.data.im.matrix[row]
        scores = generator.score(history, np.array([row]))[0]
        scores[history.indices] = -np.inf
        positions = [model.data.im.item_index[product_id] for product_id, _, _ in items]
        stored_scores = [score for _, score, _ in items]
        assert not set(positions) & set(history.indices)
        np.testing.assert_allclose(stored_scores, scores[positions], rtol=1e-5, atol=1e-6)
        # best first, and every product the generator scores above zero comes before the rest
        expected = np.sort(scores[scores > 0])[::-1][: len(items)]
        assert len(expected) and stored_scores == sorted(stored_scores, reverse=True)
        np.testing.assert_allclose(stored_scores[: len(expected)], expected, rtol=1e-5, atol=1e-6)

    # the merchant reads it on the recommendation model page
    client.force_login(get_user_model().objects.create_superuser("merchant", "m@example.com", None))
    page = client.get("/admin/recommendations/recommendationdashboard/").content.decode()
    assert f"Serving {label}: the hybrid scored below it on the held-out window" in page
    # and on the admin overview's recommendations card
    overview = client.get("/admin/").content.decode()
    assert f"Serving {label}: the hybrid scored below it on the held-out window" in overview


def test_a_hybrid_that_wins_on_the_held_out_window_is_served(small_shop, monkeypatch):
    def perfect(window):  # the relevant products first: no generator can score higher
        top = np.full((len(window.users), 20), -1)
        for k, relevant in enumerate(window.relevant):
            top[k, : min(len(relevant), 20)] = relevant[:20]
        return top

    version = _retrain_with_held_out_hybrid_lists(monkeypatch, perfect)

    serving = version.metrics["serving"]
    assert serving["strategy"] == "hybrid" and serving["message"].startswith("Serving the hybrid: it scored above")
    model = services.model_for_version(version.pk)
    assert model.serving == "hybrid"
    stored = _stored(version)
    customers = sorted(stored)[:10]
    for customer_id, rec in zip(customers, model.recommend(customers, n=electroshop_settings.RECOMMENDATIONS_TOP_N)):
        assert [product_id for product_id, _, _ in stored[customer_id]] == rec.item_ids


def test_the_gate_serves_the_best_generator_only_when_it_beats_the_hybrid():
    table = {"hybrid": {"ndcg@10": 0.04}, "most_popular": {"ndcg@10": 0.02}, "item_knn": {"ndcg@10": 0.043},
             "als": {"ndcg@10": 0.043}, "ease": {"ndcg@10": 0.046}}
    decision = services.serving_decision(table)
    assert decision["strategy"] == "ease" and decision["ndcg@10"] == 0.046
    assert decision["message"] == ("Serving EASE: the hybrid scored below it on the held-out window "
                                   "(NDCG@10 0.0400 vs 0.0460)")

    table["hybrid"]["ndcg@10"] = 0.046  # a tie keeps the hybrid
    assert services.serving_decision(table)["strategy"] == "hybrid"
    assert services.serving_decision({})["strategy"] == "hybrid"  # no window to judge on
