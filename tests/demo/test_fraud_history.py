"""seed_demo writes the fraud team's history: assessments, review decisions, late chargebacks."""
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Order
from fraud.models import FraudLabel, FraudRule, RiskAssessment
from fraud.selectors import review_queue

from .conftest import END_DATE

pytestmark = pytest.mark.django_db

END = dt.datetime(END_DATE.year, END_DATE.month, END_DATE.day, tzinfo=dt.UTC)


@pytest.fixture
def seeded(tmp_path):
    path = tmp_path / "ground_truth.json"
    call_command("seed_demo", scale="small", end_date=END_DATE, ground_truth=path, verbosity=0)
    truth = json.loads(path.read_text())
    return set(truth["fraudulent_order_numbers"])


def test_chargebacks_arrive_two_to_twelve_weeks_after_a_paid_fraud(seeded):
    chargebacks = FraudLabel.objects.filter(source=FraudLabel.Source.CHARGEBACK)
    assert chargebacks.exists()
    status = dict(Order.objects.values_list("number", "status"))
    for label in chargebacks:
        assert label.is_fraud and label.order_number in seeded
        assert status[label.order_number] != Order.Status.CANCELLED
        assert dt.timedelta(days=13) < label.known_at - label.order_created_at <= dt.timedelta(days=84)
        assert label.known_at < END


def test_reviewers_decided_flagged_orders_within_three_days(seeded):
    decided = RiskAssessment.objects.exclude(decision=RiskAssessment.Decision.PENDING)
    assert decided.filter(decision=RiskAssessment.Decision.APPROVED).exists()
    assert decided.filter(decision=RiskAssessment.Decision.REJECTED).exists()
    labels = {(label.order_id): label for label in FraudLabel.objects.filter(source=FraudLabel.Source.REVIEW)}
    assert len(labels) == decided.count()
    status = dict(Order.objects.values_list("pk", "status"))
    for assessment in decided:
        label = labels[assessment.order_id]
        assert label.known_at == assessment.decided_at < END
        assert assessment.decided_at - assessment.order_created_at <= dt.timedelta(hours=72)
        assert label.is_fraud == (assessment.decision == RiskAssessment.Decision.REJECTED)
        if label.is_fraud:
            assert assessment.order_number in seeded and status[assessment.order_id] == Order.Status.CANCELLED
        else:
            assert assessment.decision == RiskAssessment.Decision.APPROVED
    # Everything the rules flagged long enough ago was decided; what is left is the open queue.
    assert not review_queue().filter(order_created_at__lt=END - dt.timedelta(days=3)).exists()


def test_every_recent_order_has_its_assessment_dated_when_it_was_placed(seeded):
    recent = Order.objects.filter(created_at__gte=END - dt.timedelta(days=14))
    assessed = dict(RiskAssessment.objects.values_list("order_id", "created_at"))
    assert recent.exists()
    for order in recent:
        assert assessed[order.pk] == order.created_at
    example = RiskAssessment.objects.filter(order_id=recent.first().pk).get()
    assert example.reasons and example.features["identities"] and example.model_version_id is None


def test_the_history_is_the_same_for_the_same_seed(seeded, tmp_path):
    def history():
        return (list(FraudLabel.objects.order_by("order_id", "source").values_list(
                    "order_number", "source", "is_fraud", "known_at")),
                list(RiskAssessment.objects.order_by("order_id").values_list(
                    "order_number", "score", "level", "decision", "decided_at")))

    first = history()
    call_command("seed_demo", scale="small", end_date=END_DATE, ground_truth=tmp_path / "again.json",
                 reset=True, verbosity=0)
    assert history() == first


def test_the_history_trains_a_supervised_model(seeded, settings, tmp_path):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    call_command("retrain", "fraud", "--sync", "--as-of", END_DATE.isoformat(), stdout=StringIO(), stderr=StringIO())
    version = ModelVersion.objects.get(app="fraud", kind="order_risk", status="active")
    assert version.parameters["model"] == "supervised"
    assert version.metrics["frauds"] >= 5


def test_the_merchants_large_order_rule_sends_guests_and_new_accounts_to_review(seeded):
    rule = FraudRule.objects.get(name="Large order from a guest or a new account")
    assert rule.is_active and rule.action == "review"
    matched = [a for a in RiskAssessment.objects.all() if any(r.get("name") == rule.name for r in a.rules_matched or [])]
    assert matched, "no stored order matched the demo's merchant rule"
    for assessment in matched:
        assert assessment.level == "review"
    call_command("seed_demo", scale="small", end_date=END_DATE, reset=True, verbosity=0)
    assert FraudRule.objects.filter(name=rule.name).count() == 1  # seeding again keeps one rule
