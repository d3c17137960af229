"""The experiments admin: create a test with its variants, start and stop it, read results and bandit weights."""
import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin import site as admin_site
from django.test import RequestFactory
from django.urls import reverse

from experiments import lifecycle
from experiments.admin_experiments import ExperimentAdmin
from experiments.models import Activity, BanditWeights, Experiment
from experiments.results import refresh_results

pytestmark = pytest.mark.django_db


def _inline(prefix, rows):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for k, (position, name, weight, strategy) in enumerate(rows):
        data.update({f"{prefix}-{k}-position": position, f"{prefix}-{k}-name": name, f"{prefix}-{k}-weight": weight,
                     f"{prefix}-{k}-strategy": strategy, f"{prefix}-{k}-list_length": ""})
    return data


def test_a_merchant_creates_starts_and_stops_an_experiment(admin_client):
    form = {"name": "home lists", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
            "min_arm_weight": "0.01", "minimum_detectable_effect": "0.1",
            **_inline("variants", [(0, "A", "3", "trending"), (1, "B", "1", "active")])}
    response = admin_client.post(reverse("admin:experiments_experiment_add"), form)
    assert response.status_code == 302, response.content[:3000]
    experiment = Experiment.objects.get(name="home lists")
    assert [round(v.serving_weight, 3) for v in experiment.variants.order_by("position")] == [0.75, 0.25]
    changelist = reverse("admin:experiments_experiment_changelist")
    admin_client.post(changelist, {"action": "start", "_selected_action": [experiment.pk]})
    assert Experiment.objects.get(pk=experiment.pk).status == "running"
    admin_client.post(changelist, {"action": "stop", "_selected_action": [experiment.pk]})
    assert Experiment.objects.get(pk=experiment.pk).status == "stopped"


def test_bad_variants_are_refused_in_the_form(admin_client):
    form = {"name": "bad", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
            "min_arm_weight": "0.01", "minimum_detectable_effect": "0.1",
            **_inline("variants", [(0, "A", "1", "best")])}
    response = admin_client.post(reverse("admin:experiments_experiment_add"), form)
    assert response.status_code == 200 and b"is not a strategy" in response.content
    assert not Experiment.objects.exists()


def test_a_version_variant_is_refused_on_the_session_placement_in_the_form(admin_client):
    from django.utils import timezone

    from electroshop.mlops import services as registry

    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
    registry.mark_version_ready(version_id=version.pk)
    form = {"name": "old model", "placement": "session", "mode": "ab", "primary_metric": "ctr",
            "min_arm_weight": "0.01", "minimum_detectable_effect": "0.1",
            **_inline("variants", [(0, "A", "1", f"version:{version.version}"), (1, "B", "1", "active")])}
    response = admin_client.post(reverse("admin:experiments_experiment_add"), form)
    assert response.status_code == 200 and b"built live by the active model only" in response.content
    assert not Experiment.objects.exists()
    response = admin_client.post(reverse("admin:experiments_experiment_add"), {**form, "placement": "customer"})
    assert response.status_code == 302 and Experiment.objects.get().placement == "customer"


def test_the_change_page_shows_results_and_the_bandit_weights_chart(admin_client):
    experiment = lifecycle.create_experiment(
        name="arms", placement="session", mode="bandit", primary_metric="ctr",
        variants=[lifecycle.VariantSpec("one", 1, "active"), lifecycle.VariantSpec("two", 1, "popular")])
    BanditWeights.objects.create(experiment=experiment, weights={"one": 0.5, "two": 0.5})
    BanditWeights.objects.create(experiment=experiment, weights={"one": 0.8, "two": 0.2})
    page = admin_client.get(reverse("admin:experiments_experiment_change", args=[experiment.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Results: not computed yet" in html and "<svg" in html and "share of traffic per arm" in html


def test_saving_a_running_bandit_keeps_its_learned_weights(admin_client):
    experiment = lifecycle.create_experiment(
        name="arms", placement="session", mode="bandit", primary_metric="ctr",
        variants=[lifecycle.VariantSpec("one", 1, "active"), lifecycle.VariantSpec("two", 1, "popular")])
    lifecycle.start_experiment(experiment_id=experiment.pk)
    experiment.variants.filter(name="one").update(serving_weight=0.9)
    experiment.variants.filter(name="two").update(serving_weight=0.1)
    admin = ExperimentAdmin(Experiment, admin_site)
    request = RequestFactory().post("/")
    form = type("Form", (), {"instance": Experiment.objects.get(pk=experiment.pk), "save_m2m": lambda self: None})()
    admin.save_related(request, form, [], change=True)
    assert sorted(experiment.variants.values_list("serving_weight", flat=True)) == [0.1, 0.9]


def test_the_admin_refuses_a_design_the_api_refuses(admin_client):
    form = {"name": "bad", "placement": "customer", "mode": "bandit", "primary_metric": "ctr",
            "min_arm_weight": "0.6", "minimum_detectable_effect": "0",
            **_inline("variants", [(0, "A", "1", "active"), (1, "B", "1", "popular")])}
    response = admin_client.post(reverse("admin:experiments_experiment_add"), form)
    assert response.status_code == 200 and not Experiment.objects.exists()
    assert b"1 / the number of variants" in response.content or b"relative lift above 0" in response.content


def test_the_change_page_shows_a_holdout_experiments_totals_and_notes(admin_client):
    experiment = lifecycle.create_experiment(
        name="lists vs none", placement="customer", mode="ab", primary_metric="conversion",
        variants=[lifecycle.VariantSpec("holdout", 1, "none"), lifecycle.VariantSpec("lists", 1, "active")])
    Activity.objects.bulk_create([
        Activity(day=dt.date(2026, 5, 10), placement="customer", strategy=strategy, experiment_id=experiment.pk,
                 variant=variant, subject=f"customer:{variant}{k}", impressions=impressions, all_orders=k % 2,
                 all_revenue=Decimal("40.00") * (k % 2))
        for variant, strategy, impressions in (("holdout", "none", 0), ("lists", "active", 3)) for k in range(20)])
    refresh_results(experiment=experiment)
    html = admin_client.get(reverse("admin:experiments_experiment_change", args=[experiment.pk])).content.decode()
    assert "every order after exposure counts" in html
    assert "<td>10</td><td>400</td>" in html  # all orders, all revenue
    # results stored before the totals existed still render
    Experiment.objects.filter(pk=experiment.pk).update(results={
        "primary_metric": "ctr", "srm_p_value": None, "computed_at": None,
        "variants": [{"name": "lists", "strategy": "active", "subjects": 1, "impressions": 1, "clicks": 0, "ctr": 0.0,
                      "conversions": 0, "revenue": 0.0, "revenue_per_subject": 0.0}]})
    assert admin_client.get(reverse("admin:experiments_experiment_change", args=[experiment.pk])).status_code == 200
