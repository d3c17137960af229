"""Out of the box, review and block thresholds come from the score distribution and the review capacity."""
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Order
from fraud import selectors, services
from fraud.models import FraudSettings

pytestmark = pytest.mark.django_db


def test_a_trained_model_sets_thresholds_for_the_review_capacity_and_the_merchant_can_override(
        synthetic_shop, admin_client_fraud):
    call_command("retrain", "fraud", "--sync", "--as-of", "2026-03-02", stdout=StringIO(), stderr=StringIO())
    version = ModelVersion.objects.get(app="fraud", kind="order_risk", status="active")
    derived = version.parameters["thresholds"]
    assert derived["review_share"] <= 0.03 and derived["block_share"] <= 0.01 and derived["orders"] > 300
    limits = selectors.active_thresholds()
    assert (limits.source, limits.review, limits.block) == ("capacity", derived["review"], derived["block"])
    # Scoring the shop's orders with them: a queue a merchant can work (the training window's orders).
    levels = [services.score_order(order_id=pk).level for pk in Order.objects.values_list("pk", flat=True)[:200]]
    assert np.mean([level != "allow" for level in levels]) <= 0.10
    page = admin_client_fraud.get("/admin/fraud/frauddashboard/").content.decode()
    assert "review capacity of 3% and" in page and "orders a day to review" in page

    FraudSettings.objects.create(review_threshold=20, block_threshold=90)
    limits = selectors.active_thresholds()
    assert (limits.source, limits.review, limits.block) == ("merchant", 20, 90)
    assert "(yours, from" in admin_client_fraud.get("/admin/fraud/frauddashboard/").content.decode()
