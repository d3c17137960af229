"""The experiments API: create, start, stop, list, results; bad input answers 400 naming the field."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from experiments.models import Experiment, Variant
from tests.clients import service_token_client

BODY = {"name": "trending vs personal", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
        "variants": [{"name": "A", "weight": 50, "strategy": "trending"}, {"name": "B", "weight": 50, "strategy": "active"}]}


@pytest.fixture
def api(db):
    return service_token_client(username="svc")


def test_create_start_stop_and_read(api):
    created = api.post("/api/v1/experiments/", BODY, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and [v["serving_weight"] for v in body["variants"]] == [0.5, 0.5]
    eid = body["id"]
    assert api.post(f"/api/v1/experiments/{eid}/start/").json()["status"] == "running"
    assert Experiment.objects.get(pk=eid).started_at is not None
    assert api.get("/api/v1/experiments/?status=running").json()["count"] == 1
    results = api.get(f"/api/v1/experiments/{eid}/results/").json()
    assert results["computed_at"] is None and [v["name"] for v in results["variants"]] == ["A", "B"]
    stopped = api.post(f"/api/v1/experiments/{eid}/stop/", {"reason": "enough"}, format="json").json()
    assert stopped["status"] == "stopped" and stopped["stop_reason"] == "enough"
    again = api.post(f"/api/v1/experiments/{eid}/start/")
    assert again.status_code == 400 and "status" in again.json()


def test_one_running_experiment_per_placement(api):
    first = api.post("/api/v1/experiments/", BODY, format="json").json()["id"]
    second = api.post("/api/v1/experiments/", {**BODY, "name": "other"}, format="json").json()["id"]
    api.post(f"/api/v1/experiments/{first}/start/")
    refused = api.post(f"/api/v1/experiments/{second}/start/")
    assert refused.status_code == 400 and "already runs" in refused.json()["placement"][0]
    elsewhere = api.post("/api/v1/experiments/", {**BODY, "placement": "similar"}, format="json").json()["id"]
    assert api.post(f"/api/v1/experiments/{elsewhere}/start/").status_code == 200


@pytest.mark.parametrize("change,field", [
    ({"placement": "homepage"}, "placement"),
    ({"mode": "canary"}, "mode"),
    ({"primary_metric": "clicks"}, "primary_metric"),
    ({"variants": [{"name": "A", "weight": 1, "strategy": "active"}]}, "variants"),
    ({"variants": [{"name": "A", "weight": 1, "strategy": "best"}, {"name": "B", "weight": 1, "strategy": "active"}]},
     "variants"),
    ({"variants": [{"name": "A", "weight": 1, "strategy": "version:99"},
                   {"name": "B", "weight": 1, "strategy": "active"}]}, "variants"),
    ({"variants": [{"name": "A", "weight": 0, "strategy": "active"}, {"name": "B", "weight": 1, "strategy": "none"}]},
     "variants"),
    ({"variants": [{"name": "A", "weight": 1, "strategy": "active"}, {"name": "A", "weight": 1, "strategy": "none"}]},
     "variants"),
    ({"name": ""}, "name"),
    ({"variants": "A,B"}, "variants"),
])
def test_bad_input_is_a_400_naming_the_field_and_creates_nothing(api, change, field):
    response = api.post("/api/v1/experiments/", {**BODY, **change}, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Experiment.objects.exists() and not Variant.objects.exists()


def test_unknown_ids_are_404_and_only_staff_or_service_tokens_may_call(api, db):
    assert api.get("/api/v1/experiments/987654/results/").status_code == 404
    assert api.post("/api/v1/experiments/99999999999999999999/start/").status_code == 404
    assert APIClient().get("/api/v1/experiments/").status_code == 401
    customer = APIClient()
    customer.force_authenticate(get_user_model().objects.create_user("shopper", None, None))
    assert customer.post("/api/v1/experiments/", BODY, format="json").status_code == 403
    assert api.get("/api/v1/experiments/?status=paused").status_code == 400


def test_a_holdout_control_cannot_have_ctr_as_its_primary_metric(api):
    body = {**BODY, "variants": [{"name": "none", "weight": 1, "strategy": "none"},
                                 {"name": "lists", "weight": 1, "strategy": "active"}]}
    refused = api.post("/api/v1/experiments/", body, format="json")
    assert refused.status_code == 400 and "has no CTR" in refused.json()["primary_metric"][0]
    assert api.post("/api/v1/experiments/", {**body, "primary_metric": "conversion"}, format="json").status_code == 201


def test_more_than_ten_variants_are_refused_before_any_is_checked(api, django_assert_max_num_queries):
    body = {**BODY, "variants": [{"name": f"v{k}", "weight": 1, "strategy": f"version:{k}"} for k in range(2000)]}
    with django_assert_max_num_queries(3):  # the token; no query per variant
        response = api.post("/api/v1/experiments/", body, format="json")
    assert response.status_code == 400 and "variants" in response.json()
