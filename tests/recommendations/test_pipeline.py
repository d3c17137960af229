"""The real pipeline end to end: shop data -> retrain recommendations --sync -> cached lists -> API."""
from django.core.management import call_command
from django.utils import timezone

from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.shop.models import Customer, OrderLine
from recommendations.models import BoughtTogether, ProductRecommendation, SimilarProducts, TrendingProducts
from tests.recommendations import shops

small_shop = shops.small_shop  # the shared fixture, requested by name below


def test_retrain_fills_caches_activates_and_serves(small_shop, client):
    call_command("retrain", "recommendations", "--sync")

    run = TrainingRun.objects.get()
    assert run.status == "succeeded" and run.progress == 1.0
    version = ModelVersion.objects.get(app="recommendations", status="active")
    assert run.model_version_id == version.pk
    assert version.artifact_sha256 and version.train_seconds is not None
    assert "activation" in version.metrics
    assert ProductRecommendation.objects.filter(model_version=version).count() == 40
    assert SimilarProducts.objects.filter(model_version=version).exists()
    assert BoughtTogether.objects.filter(model_version=version).exists()
    assert TrendingProducts.objects.filter(model_version=version, category_id=0).exists()

    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("ops", None, None, is_staff=True))
    customer = Customer.objects.order_by("pk").first()  # an even customer: bought only from S00..S11
    body = client.get(f"/api/v1/recommendations/customers/{customer.pk}/", {"limit": 5}).json()
    assert body["source"] == "personalized" and body["model_version"] == version.version
    bought = set(OrderLine.objects.filter(order__customer=customer).values_list("product__sku", flat=True))
    recommended = [item["sku"] for item in body["items"]]
    assert recommended and not bought & set(recommended)
    # Taste is learned: most recommendations come from the customer's own group of products.
    assert sum(sku < "S12" for sku in recommended) >= len(recommended) / 2


def test_a_retrain_that_regresses_beyond_tolerance_is_not_activated(small_shop):
    from recommendations.services import activation_decision

    call_command("retrain", "recommendations", "--sync")
    active = ModelVersion.objects.get(app="recommendations", status="active")
    worse = ModelVersion.objects.create(app="recommendations", kind="hybrid", version=99, as_of=timezone.now(),
                                        status="ready", metrics={"validation_ndcg@10_hybrid_heldout": 0.0})
    active.metrics["validation_ndcg@10_hybrid_heldout"] = 0.5
    active.save()
    decision = activation_decision(candidate=worse)
    assert decision["activate"] is False and "kept" in decision["message"]
