"""Experiments on the read path: sticky variants, each strategy served, the answer's experiment block,
no extra query or cache round trip on the hot read, and list ids that name the experiment."""
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.utils import timezone

from electroshop.mlops import services as registry
from experiments import lifecycle
from experiments.bucketing import parse_recommendation_id, pick, position_in_unit
from recommendations.models import ProductRecommendation
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from tests.recommendations import conftest as recommendation_fixtures

shop, staff_client = recommendation_fixtures.shop, recommendation_fixtures.staff_client  # the fixtures


def _experiment(variants, placement="customer", mode="ab"):
    experiment = lifecycle.create_experiment(  # a holdout control has no CTR: conversion then
        name="t", placement=placement, mode=mode, primary_metric="conversion" if variants[0][2] == "none" else "ctr",
        variants=[lifecycle.VariantSpec(*v) for v in variants])
    lifecycle.start_experiment(experiment_id=experiment.pk)
    return experiment


def _get(client, customer_id, **params):
    return client.get(f"/api/v1/recommendations/customers/{customer_id}/", {"limit": 5, **params})


def test_bucketing_is_a_pure_function_of_salt_and_subject_across_processes():
    subjects = [f"customer:{i}" for i in range(2000)]
    here = [pick([1, 1, 2], position_in_unit("salt-1", s)) for s in subjects]
    code = ("from experiments.bucketing import pick, position_in_unit;"
            "print(''.join(str(pick([1, 1, 2], position_in_unit('salt-1', f'customer:{i}'))) for i in range(2000)))")
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert other == "".join(map(str, here))
    shares = [here.count(k) / len(here) for k in range(3)]
    assert abs(shares[2] - 0.5) < 0.04 and abs(shares[0] - 0.25) < 0.04
    # another salt shuffles subjects independently
    assert [pick([1, 1], position_in_unit("salt-2", s)) for s in subjects[:200]] != \
           [pick([1, 1], position_in_unit("salt-1", s)) for s in subjects[:200]]


def test_a_growing_share_never_moves_a_subject_back():
    subjects = [f"session:{i}" for i in range(3000)]
    on_candidate = set()
    for share in (0.10, 0.25, 0.5, 0.75, 1.0):
        now = {s for s in subjects if pick([1 - share, share], position_in_unit("canary", s)) == 1}
        assert on_candidate <= now
        on_candidate = now
    assert on_candidate == set(subjects)


def test_answers_carry_a_sticky_variant_and_ids_that_name_the_experiment(shop, staff_client):
    experiment = _experiment([("A", 50, "trending"), ("B", 50, "active")])
    customers = [shop["customer"]] + [CustomerFactory() for _ in range(40)]
    seen = {}
    for customer in customers:
        body = _get(staff_client, customer.pk).json()
        assert body["experiment"]["id"] == experiment.pk
        seen[customer.pk] = body["experiment"]["variant"]
        for item in body["items"]:
            tag = parse_recommendation_id(item["recommendation_id"])
            assert (tag.experiment_id, tag.placement) == (experiment.pk, "customer")
            assert tag.variant_position == {"A": 0, "B": 1}[body["experiment"]["variant"]]
            assert tag.model_version == shop["version"].version
        if body["experiment"]["variant"] == "A":
            assert body["source"] == "trending"
    assert set(seen.values()) == {"A", "B"}
    cache.clear()  # a restart: nothing remembered, the same variants
    for customer in customers:
        assert _get(staff_client, customer.pk).json()["experiment"]["variant"] == seen[customer.pk]


@pytest.mark.parametrize("strategy,source", [("none", "holdout"), ("popular", "popular"), ("trending", "trending")])
def test_each_strategy_serves_its_list(shop, staff_client, strategy, source):
    order = OrderFactory(customer=CustomerFactory())  # a best seller for "popular"
    OrderLineFactory(order=order, product=shop["products"][3], quantity=4)
    _experiment([("only", 1, strategy), ("never", 0.000001, "active")])
    body = _get(staff_client, shop["customer"].pk).json()
    assert body["experiment"]["variant"] == "only" and body["source"] == source
    if strategy == "none":
        assert body["items"] == [] and body["experiment"]["exposure_id"].endswith(".0")
    else:
        assert body["items"]


def test_a_version_variant_reads_that_version_and_a_list_length_caps_the_list(shop, staff_client):
    old = shop["version"]
    new = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
    products = shop["products"]
    ProductRecommendation.objects.create(model_version=new, customer_id=shop["customer"].pk,
                                         items=[[products[7].pk, 1.0, "new model"]])
    registry.mark_version_ready(version_id=new.pk)
    registry.activate_model_version(version_id=new.pk)
    _experiment([("old", 1, f"version:{old.version}"), ("never", 0.000001, "active")])
    body = _get(staff_client, shop["customer"].pk).json()
    assert body["model_version"] == old.version and len(body["items"]) == 5
    lifecycle.stop_experiment(experiment_id=lifecycle.Experiment.objects.get(status="running").pk)
    body = _get(staff_client, shop["customer"].pk).json()
    assert body["model_version"] == new.version and "experiment" not in body
    experiment = lifecycle.create_experiment(name="short", placement="customer", mode="ab", primary_metric="ctr",
                                             variants=[lifecycle.VariantSpec("short", 1, "active", 2),
                                                       lifecycle.VariantSpec("never", 0.000001, "active")])
    lifecycle.start_experiment(experiment_id=experiment.pk)
    ProductRecommendation.objects.filter(model_version=new).update(
        items=[[p.pk, 1.0 - k / 10, "x"] for k, p in enumerate(products[:6])])
    cache.clear()
    assert len(_get(staff_client, shop["customer"].pk).json()["items"]) == 2


def test_with_an_experiment_running_the_hot_read_makes_no_extra_query_and_one_round_trip(
        shop, staff_client, django_assert_max_num_queries, monkeypatch):
    _experiment([("A", 50, "active"), ("B", 50, "active")])
    _get(staff_client, shop["customer"].pk)  # warm: token, pointer, rules, experiment set, row
    # the hot read without an experiment makes at most two queries (test_read_path); with one, the same
    with django_assert_max_num_queries(2):
        response = _get(staff_client, shop["customer"].pk, limit=4)
    assert response.json()["experiment"]["variant"] in {"A", "B"}
    calls = []
    for name in ("get_many", "get_many_serialized"):  # the local-memory cache's batch read, the Redis cache's
        original = getattr(cache, name, None)
        if original is not None:
            monkeypatch.setattr(cache, name, lambda keys, *a, _call=original, **k: calls.append(list(keys))
                                or _call(keys, *a, **k))
    _get(staff_client, shop["customer"].pk, limit=3)
    assert len(calls) == 1 and "experiments:running" in calls[0]


def test_a_cached_answer_follows_a_stopped_experiment(shop, staff_client):
    experiment = _experiment([("A", 1, "none"), ("B", 0.000001, "active")])
    assert _get(staff_client, shop["customer"].pk).json()["source"] == "holdout"
    assert _get(staff_client, shop["customer"].pk).json()["source"] == "holdout"
    lifecycle.stop_experiment(experiment_id=experiment.pk)
    body = _get(staff_client, shop["customer"].pk).json()
    assert body["source"] == "personalized" and "experiment" not in body


def test_product_session_and_trending_placements_bucket_their_subject(shop, staff_client, client):
    _experiment([("H", 1, "none"), ("X", 0.000001, "active")], placement="session")
    body = client.get("/api/v1/recommendations/session/").json()
    assert "experiment" not in body  # no session yet: nobody to bucket
    client.post("/api/v1/events/collect/", {"events": [{"event_type": "view", "sku": "P1"}]},
                content_type="application/json")  # the collector gives the visitor a session
    body = client.get("/api/v1/recommendations/session/").json()
    assert body["source"] == "holdout" and body["experiment"]["variant"] == "H"
    # the other placements are untouched by a session experiment
    assert "experiment" not in staff_client.get("/api/v1/recommendations/trending/").json()


def test_a_holdout_exposure_is_an_impression_without_a_product(shop, staff_client):
    _experiment([("H", 1, "none"), ("X", 0.000001, "active")])
    exposure = _get(staff_client, shop["customer"].pk).json()["experiment"]["exposure_id"]
    response = staff_client.post("/api/v1/events/", {"events": [
        {"event_type": "impression", "customer_id": shop["customer"].pk, "recommendation_id": exposure}]},
        format="json")
    assert response.status_code in (200, 201, 202), response.content
    refused = staff_client.post("/api/v1/events/", {"events": [
        {"event_type": "impression", "customer_id": shop["customer"].pk, "recommendation_id": "7-x-customer-0-0-ab.3"}]},
        format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "sku"
