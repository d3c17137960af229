"""The trained sign-up model runs in production once enough sign-ups are labelled; the points table is the cold start."""
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Customer, Order
from fraud import signups
from fraud.models import FraudLabel

from .conftest import T0

pytestmark = pytest.mark.django_db


def _customer(i: int, *, fake: bool, days_ago: float) -> Customer:
    signed = T0 - timedelta(days=days_ago)
    customer = Customer.objects.create(email=f"s{i}@example.com", created_at=signed, country="United Kingdom",
                                       signup_ip=f"198.51.100.{i % 3}" if fake else f"203.{i // 250}.{i % 250}.9",
                                       signup_device_id=f"farm-{i % 2}" if fake else f"dev-{i}", signup_source="ads" if fake else "seo")
    order = Order.objects.create(number=f"SU{i}", customer=customer, email=customer.email, total=Decimal("300" if fake else "45"),
                                 created_at=signed + (timedelta(seconds=40) if fake else timedelta(days=3)))
    if fake:
        FraudLabel.objects.create(order_id=order.pk, order_created_at=order.created_at, is_fraud=True, source="chargeback",
                                  known_at=order.created_at + timedelta(days=20))
    return customer


@pytest.fixture
def labelled_signups(settings, tmp_path):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    for i in range(120):
        _customer(i, fake=i % 2 == 0, days_ago=200 - i)


def test_with_enough_labelled_signups_the_trained_model_scores_them(labelled_signups, admin_client_fraud,
                                                                     django_capture_on_commit_callbacks):
    assert "the points table scores sign-ups" in admin_client_fraud.get("/admin/fraud/signupassessment/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):  # the activation is announced when it commits
        call_command("retrain", "fraud", "--sync", "--as-of", T0.date().isoformat(), stdout=StringIO(), stderr=StringIO())
    version = ModelVersion.objects.get(app="fraud", kind="signup_risk", status="active")
    assert version.metrics["fake"] >= 50 and version.metrics["genuine"] >= 50

    fake = _customer(300, fake=True, days_ago=1)
    genuine = _customer(301, fake=False, days_ago=5)
    risky, calm = signups.score_signup(customer_id=fake.pk), signups.score_signup(customer_id=genuine.pk)
    assert risky.features["scored_by"] == calm.features["scored_by"] == f"model v{version.version}"
    assert risky.score > calm.score
    assert risky.reasons and all({"code", "message", "weight"} <= set(r) for r in risky.reasons)
    page = admin_client_fraud.get("/admin/fraud/signupassessment/").content.decode()
    assert f"the trained sign-up model v{version.version} scores sign-ups" in page


def test_training_and_serving_compute_the_same_signup_features(labelled_signups):
    X, y = signups.signup_training_set(as_of=T0, delay_days=7)
    assert len(X) == 120 and set(y) == {0.0, 1.0}
    customers = list(Customer.objects.order_by("created_at", "pk"))
    for i in (0, 7, 31, 58, 119):
        online = signups.score_signup(customer_id=customers[i].pk).features
        for name in ("device_id_earlier_signups", "ip_address_earlier_signups", "secs_to_purchase", "purchase_value"):
            assert online[name] == pytest.approx(X.iloc[i][name]), (i, name)


def test_too_few_labels_leave_the_points_table_scoring(settings, tmp_path):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    for i in range(8):
        _customer(i, fake=i % 2 == 0, days_ago=60 - i)
    call_command("retrain", "fraud", "--sync", "--as-of", T0.date().isoformat(), stdout=StringIO(), stderr=StringIO())
    assert not ModelVersion.objects.filter(kind="signup_risk").exists()
    assert signups.score_signup(customer_id=Customer.objects.first().pk).features["scored_by"] == "points table"
