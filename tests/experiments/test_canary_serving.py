"""A canary rollout on the read path: which placements it serves, what a candidate subject reads, the
storefront widgets' reads in the guardrails, and what a candidate read costs on the hot path."""
from datetime import datetime, timedelta, timezone

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.utils import timezone as dj_timezone

from electroshop.mlops import services as registry
from electroshop.mlops.selectors import version_number_key
from experiments import lifecycle, readstats
from experiments.readstats import read_stats
from experiments.rollout import start_rollout
from recommendations import selectors
from recommendations.models import ProductRecommendation, SimilarProducts, TrendingProducts
from tests.clients import service_token_client
from tests.recommendations import conftest as recommendation_fixtures

shop, staff_client = recommendation_fixtures.shop, recommendation_fixtures.staff_client  # the fixtures


@pytest.fixture
def candidate(shop, settings):
    """A ready version with its own lists, rolled out to every subject (a single 100% step)."""
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_CANARY_STEPS": [100], "READ_STATS_SLOT_SECONDS": 60,
                            "READ_STATS_FLUSH_SECONDS": 3600}
    products = shop["products"]
    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=dj_timezone.now())
    ProductRecommendation.objects.create(model_version=version, customer_id=shop["customer"].pk,
                                         items=[[products[7].pk, 1.0, "new model"], [products[4].pk, 0.5, "new"]])
    SimilarProducts.objects.create(model_version=version, product_id=products[6].pk,
                                   items=[[products[2].pk, 0.9, "new model's neighbour"]])
    TrendingProducts.objects.create(model_version=version, category_id=0, segment="",
                                    items=[[products[1].pk, 1.0, "Popular right now"]])
    registry.mark_version_ready(version_id=version.pk)
    start_rollout(candidate=version)
    return version


def _customer_read(client, customer, **params):
    return client.get(f"/api/v1/recommendations/customers/{customer.pk}/", {"limit": 5, **params})


def test_session_lists_stay_on_the_active_version_while_customers_read_the_candidate(shop, candidate, client):
    customer = _customer_read(service_token_client(username="svc-canary"), shop["customer"]).json()
    assert customer["model_version"] == candidate.version and customer["experiment"]["variant"] == "candidate"
    client.post("/api/v1/events/collect/", {"events": [{"event_type": "view", "sku": "P1"}]},
                content_type="application/json")  # the visitor now has a session to bucket
    session = client.get("/api/v1/recommendations/session/").json()
    assert session["model_version"] == shop["version"].version and "experiment" not in session
    # a visitor's session list stays on the active version; its other placements follow the canary
    session = selectors.recommendations_for_session(session_id="visitor-1", limit=5)
    assert (session.model_version, session.experiment) == (shop["version"].version, None)
    similar = selectors.similar_products(product_id=shop["products"][6].pk, limit=5, session_id="visitor-1")
    assert similar.model_version == candidate.version and similar.experiment["variant"] == "candidate"
    assert [item["sku"] for item in similar.items] == ["P2"]


def test_a_customer_on_the_candidate_reads_its_trained_list_not_the_active_versions_live_list(shop, candidate):
    products = shop["products"]
    cache.set(selectors.customer_live_key(shop["customer"].pk),
              {"version": shop["version"].pk, "items": [[products[3].pk, 1.0, "live"]], "stamp": "s"}, 600)
    result = selectors.recommendations_for_customer(customer_id=shop["customer"].pk, limit=5)
    assert result.model_version == candidate.version and result.source == "personalized"
    assert [item["sku"] for item in result.items] == ["P7", "P4"]


def test_a_version_variant_is_refused_on_the_session_placement(shop):
    version = shop["version"].version
    variants = [lifecycle.VariantSpec("old", 1, f"version:{version}"), lifecycle.VariantSpec("now", 1, "active")]
    with pytest.raises(lifecycle.ExperimentError) as refused:
        lifecycle.create_experiment(name="old model for visitors", placement="session", mode="ab",
                                    primary_metric="ctr", variants=variants)
    assert refused.value.errors == {"variants": [
        f"variant 0: 'version:{version}' cannot serve the session placement: its lists are built live by the "
        "active model only (use active, trending, popular or none)"]}
    api = service_token_client(username="svc-session")
    response = api.post("/api/v1/experiments/", {
        "name": "x", "placement": "session", "mode": "ab", "primary_metric": "ctr",
        "variants": [{"name": "A", "weight": 1, "strategy": f"version:{version}"},
                     {"name": "B", "weight": 1, "strategy": "active"}]}, format="json")
    assert response.status_code == 400 and "built live by the active model only" in response.json()["variants"][0]
    lifecycle.create_experiment(name="fine elsewhere", placement="customer", mode="ab", primary_metric="ctr",
                                variants=variants)


WIDGETS = Template("{% load recommendations %}{% recommended_for customer %}{% similar_products product %}")


def _stats(version: int):
    now = datetime.now(timezone.utc)
    return read_stats(version=version, since=now - timedelta(minutes=2), until=now)


def test_storefront_widget_reads_count_under_the_version_they_served(shop, candidate):
    html = WIDGETS.render(Context({"customer": shop["customer"], "product": shop["products"][6]}))
    assert "P7" in html  # the candidate's list for the customer
    assert _stats(candidate.version).reads == 0  # counted in this process's memory: not in the cache yet
    readstats.flush()
    # the customer's widget read the candidate; the product widget, with no viewer to bucket, the active version
    stats = _stats(candidate.version)
    assert (stats.reads, stats.errors) == (1, 0) and stats.p95_ms is not None
    assert _stats(shop["version"].version).reads == 1


def test_widget_reads_reach_the_cache_at_the_flush_interval(shop, candidate, settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "READ_STATS_FLUSH_SECONDS": 0}
    WIDGETS.render(Context({"customer": shop["customer"], "product": shop["products"][6]}))
    assert _stats(candidate.version).reads == 1 and _stats(shop["version"].version).reads == 1


def test_a_widget_read_that_fails_counts_as_an_error_of_the_version_it_chose(shop, candidate, monkeypatch):
    monkeypatch.setattr(selectors, "_assemble", lambda **kwargs: 1 / 0)  # a bug after the plan chose a version
    with pytest.raises(ZeroDivisionError):
        Template("{% load recommendations %}{% recommended_for customer %}").render(
            Context({"customer": shop["customer"]}))
    readstats.flush()
    stats = _stats(candidate.version)
    assert (stats.reads, stats.errors) == (1, 1)


def test_a_candidate_read_adds_no_query_and_the_documented_round_trips(
        shop, candidate, staff_client, django_assert_max_num_queries, monkeypatch):
    _customer_read(staff_client, shop["customer"])  # warm: token, pointer, rules, experiment set, rows
    # the hot read without a canary makes at most two queries (test_read_path); a candidate's, the same
    with django_assert_max_num_queries(2):
        body = _customer_read(staff_client, shop["customer"], limit=4).json()
    assert body["model_version"] == candidate.version and body["source"] == "personalized"
    calls = []
    for name in ("get", "get_many", "get_many_serialized"):  # the last: the Redis cache's batch read
        original = getattr(cache, name, None)
        if original is None:
            continue
        monkeypatch.setattr(cache, name, lambda *a, _name=name, _call=original, **k: calls.append((_name, a[0]))
                            or _call(*a, **k))
    _customer_read(staff_client, shop["customer"], limit=3)  # no rendered answer stored for this limit yet
    [batch] = [keys for name, keys in calls if name.startswith("get_many")]
    alone = [key for name, key in calls if name == "get" and key not in batch]
    assert alone == [selectors._rows_key(ProductRecommendation, candidate.pk, customer_id=shop["customer"].pk),
                     version_number_key(candidate.pk)]
    calls.clear()
    _customer_read(staff_client, shop["customer"], limit=3)  # its rendered answer: nothing beyond the batch
    batch = next(keys for name, keys in calls if name.startswith("get_many"))
    assert [key for name, key in calls if name == "get" and key not in batch] == []
