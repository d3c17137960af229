"""update_experiments closes the loop: results of running (and just stopped) experiments, bandit batches."""
import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from experiments import lifecycle, services
from experiments.models import Activity, BanditWeights, Experiment

pytestmark = pytest.mark.django_db


def _activity(experiment, variant, subjects, clicks_each, impressions_each=10):
    day = timezone.now().date()
    Activity.objects.bulk_create([
        Activity(day=day, placement=experiment.placement, strategy="personalized", model_version=1,
                 experiment_id=experiment.pk, variant=variant, subject=f"customer:{variant}{k}",
                 impressions=impressions_each, clicks=clicks_each(k)) for k in range(subjects)])


def test_results_and_bandit_weights_are_brought_up_to_date():
    ab = lifecycle.create_experiment(name="ab", placement="customer", mode="ab", primary_metric="ctr",
                                     variants=[lifecycle.VariantSpec("A", 1, "trending"),
                                               lifecycle.VariantSpec("B", 1, "active")])
    bandit = lifecycle.create_experiment(name="arms", placement="session", mode="bandit", primary_metric="ctr",
                                         variants=[lifecycle.VariantSpec("x", 1, "active"),
                                                   lifecycle.VariantSpec("y", 1, "popular")])
    draft = lifecycle.create_experiment(name="later", placement="similar", mode="ab", primary_metric="ctr",
                                        variants=[lifecycle.VariantSpec("A", 1, "active"),
                                                  lifecycle.VariantSpec("B", 1, "none")])
    for experiment in (ab, bandit):
        lifecycle.start_experiment(experiment_id=experiment.pk)
    _activity(ab, "A", 400, lambda k: int(k % 25 == 0))
    _activity(ab, "B", 400, lambda k: int(k % 4 == 0))
    _activity(bandit, "x", 300, lambda k: 0)
    _activity(bandit, "y", 300, lambda k: int(k % 3 == 0))
    report = services.update_experiments()
    assert (report["experiments"], report["bandits"]) == (2, 1)
    results = Experiment.objects.get(pk=ab.pk).results
    b = {v["name"]: v for v in results["variants"]}["B"]
    assert (b["subjects"], b["impressions"], b["clicks"]) == (400, 4000, 100) and b["decision"] == "better"
    assert Experiment.objects.get(pk=draft.pk).results == {}
    weights = BanditWeights.objects.get(experiment=bandit).weights
    assert weights["y"] > 0.9 and weights["x"] >= bandit.min_arm_weight
    # a stopped experiment gets its final results once, then no more
    lifecycle.stop_experiment(experiment_id=ab.pk)
    Experiment.objects.filter(pk=ab.pk).update(results_at=timezone.now() - dt.timedelta(minutes=5))
    assert ab.pk in [e.pk for e in services.experiments_to_refresh()]
    call_command("update_experiments", "--no-progress", stdout=open("/dev/null", "w"))
    assert ab.pk not in [e.pk for e in services.experiments_to_refresh()]
    assert BanditWeights.objects.filter(experiment=bandit).count() == 2
