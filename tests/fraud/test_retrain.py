"""A real ``retrain fraud --sync`` on a small synthetic shop: a version is activated and scores carry it."""
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.shop.models import Customer, Order
from fraud import services
from fraud.models import FraudLabel

from .conftest import T0

pytestmark = pytest.mark.django_db


def test_retrain_fraud_sync_activates_a_version_and_scores_carry_it(synthetic_shop):
    out = StringIO()
    call_command("retrain", "fraud", "--sync", "--as-of", "2026-03-02", stdout=out, stderr=StringIO())
    assert "succeeded" in out.getvalue()
    version = ModelVersion.objects.get(app="fraud", kind="order_risk", status="active")
    assert version.parameters["model"] == "supervised"
    assert version.metrics["frauds"] > 5 and version.metrics["rows"] > 300
    assert TrainingRun.objects.get().model_version_id == version.pk

    services._loaded.clear()
    risky = Order.objects.create(number="NEW1", created_at=T0 + timedelta(hours=1), total=Decimal("2500"),
                                 device_id="bad-1", ip_country="Nigeria", billing_country="United Kingdom",
                                 shipping_country="United Kingdom", email="c1@example.com")
    calm = Order.objects.create(number="NEW2", created_at=T0 + timedelta(hours=1), total=Decimal("40"),
                                customer=Customer.objects.first(), email="c0@example.com",
                                billing_country="United Kingdom", shipping_country="United Kingdom",
                                ip_country="United Kingdom")
    risky_score = services.score_order(order_id=risky.pk)
    calm_score = services.score_order(order_id=calm.pk)
    assert risky_score.model_version_id == version.pk and risky_score.model_score is not None
    assert risky_score.reasons and risky_score.score > calm_score.score
    # Reasons explain either side of a typical order: what raised the risky one, what lowered the calm one.
    # (the device's known frauds: its count or its share, whichever of the two the forest leans on)
    assert risky_score.reasons[0]["code"] in ("DEVICE_ID_RISK_30D", "DEVICE_ID_NB_FRAUD_30D")
    assert all(r["weight"] > 0 for r in risky_score.reasons)
    assert calm_score.reasons and all(r["weight"] < 0 for r in calm_score.reasons)

    # the serving path (packed trees) gives exactly the model's own probabilities
    model = services.model_for_version(version.pk)["model"]
    component = model.models["supervised"]
    X = np.array([[risky_score.features.get(n) or 0.0 for n in component.feature_names_],
                  [calm_score.features.get(n) or 0.0 for n in component.feature_names_]])
    import pandas as pd

    expected = component.predict_proba(pd.DataFrame(X, columns=component.feature_names_))
    assert np.allclose([component.score_one(row)[0] for row in X], expected)
    assert risky_score.model_score == pytest.approx(100 * expected[0], abs=0.01)


def test_with_no_labels_the_trainer_falls_back_to_the_isolation_forest(synthetic_shop):
    FraudLabel.objects.all().delete()
    call_command("retrain", "fraud", "--sync", "--as-of", "2026-03-02", stdout=StringIO(), stderr=StringIO())
    version = ModelVersion.objects.get(app="fraud", status="active")
    assert version.parameters["model"] == "isolation_forest"


def _training_frame(as_of):
    from fraud.features import feature_config
    from fraud.services import training_frame

    return training_frame(as_of=as_of, fconfig=feature_config(label_delay_days=7), train_days=180)


def test_training_never_sees_labels_known_after_the_as_of_day(synthetic_shop):
    as_of = T0 - timedelta(days=30)
    _, orders = _training_frame(as_of)
    late = FraudLabel.objects.filter(known_at__gt=as_of).values_list("order_id", flat=True)
    target = orders.set_index("id")["target"]
    assert all(np.isnan(target.get(pk, np.nan)) or target.get(pk) == 0 for pk in late if pk in target.index)
    assert orders["created_at"].max() < as_of


def test_a_chargeback_reported_weeks_after_its_order_is_a_target_and_a_feature_from_its_day(synthetic_shop):
    from django.db.models import F

    FraudLabel.objects.update(known_at=F("order_created_at") + timedelta(days=30))
    features, orders = _training_frame(T0 + timedelta(days=30))  # every chargeback is known by then
    frauds = dict(FraudLabel.objects.values_list("order_id", "known_at"))
    charged_back = orders[orders["id"].isin(frauds)]
    assert len(charged_back) == len(frauds) > 5
    assert (charged_back["target"] == 1).all()  # labels of the training rows
    # and known to the features of the orders placed from the day each became known
    assert (charged_back["fraud_known_at"] == charged_back["id"].map(frauds)).all()
    device_frauds = features["device_id_nb_fraud_30d"]
    first_known = min(frauds.values())
    assert (device_frauds[(orders["created_at"] < first_known).to_numpy()] == 0).all()
    assert device_frauds[(orders["created_at"] >= first_known).to_numpy()].max() > 0


def test_training_features_are_the_features_serving_computes(synthetic_shop):
    from django.db.models import F

    # Chargebacks from 1 to 50 days late: the batch (training) and online (serving) paths count each
    # from its day, the same way.
    for i, label in enumerate(FraudLabel.objects.order_by("pk")):
        FraudLabel.objects.filter(pk=label.pk).update(known_at=F("order_created_at") + timedelta(days=1 + 7 * (i % 8)))
    as_of = T0 + timedelta(days=1)
    features, orders = _training_frame(as_of)
    for i in range(0, len(orders), 17):
        order_id = int(orders["id"].iloc[i])
        online = services.evaluate_order(services.get_adapter().order_for_risk(order_id), order_id=order_id).features
        batch = features.iloc[i]
        assert {n: online[n] for n in batch.index} == pytest.approx(batch.to_dict(), rel=1e-7, abs=1e-7), order_id
