"""A retrain under a canary policy starts a rollout instead of activating; under immediate it activates."""
import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion, TrainingRun
from experiments.models import Rollout
from experiments.selectors import canary_assignment
from recommendations.models import ProductRecommendation
from tests.recommendations.shops import build_small_shop


@pytest.fixture
def trained_shop(db, settings, tmp_path):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    build_small_shop(customers=40, orders_each=6, seed=5, prefix="C")
    call_command("retrain", "recommendations", "--sync")  # the first version: activated, nothing to compare with
    return ModelVersion.objects.get(app="recommendations", status="active")


def test_a_version_that_passes_the_gate_under_a_canary_policy_starts_a_rollout(trained_shop, settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"recommendations": "canary"}}
    call_command("retrain", "recommendations", "--sync")

    candidate = ModelVersion.objects.get(app="recommendations", version=trained_shop.version + 1)
    assert candidate.status == "ready"
    assert ModelVersion.objects.get(pk=trained_shop.pk).status == "active"  # the old version keeps serving
    rollout = Rollout.objects.get(status="running")
    assert (rollout.candidate_version, rollout.control_version, rollout.share) == (candidate, trained_shop, 0.1)
    activation = candidate.metrics["activation"]
    assert activation["activate"] is False and activation["rollout_id"] == rollout.pk
    assert activation["active_version"] == trained_shop.version
    message = (f"canary rollout of v{candidate.version} started at 10% of subjects "
               f"(v{trained_shop.version} serves the rest): ")
    assert activation["message"].startswith(message)
    assert message in TrainingRun.objects.get(model_version=candidate).log
    # the candidate's lists are filled, and its share of customers is bucketed to it
    assert ProductRecommendation.objects.filter(model_version=candidate).exists()
    on_candidate = [c for c in range(500) if canary_assignment(subject=f"customer:{c}").version_id == candidate.pk]
    assert 25 <= len(on_candidate) <= 75


def test_under_the_immediate_policy_a_new_version_is_activated_at_once(trained_shop):
    call_command("retrain", "recommendations", "--sync")
    assert ModelVersion.objects.get(app="recommendations", status="active").version == trained_shop.version + 1
    assert not Rollout.objects.exists()
