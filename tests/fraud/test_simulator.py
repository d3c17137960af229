"""The rule preview's precision, recall and approval rate, and the threshold simulator, against known labels."""
from datetime import timedelta

import pytest
from django.utils import timezone

from fraud import selectors
from fraud.models import FraudLabel, RiskAssessment

pytestmark = pytest.mark.django_db


def _scored(n: int, *, score: float, amount: float, fraud: bool | None, start: int) -> None:
    now = timezone.now()
    for i in range(start, start + n):
        RiskAssessment.objects.create(order_id=i, order_number=f"N{i}", order_created_at=now, score=score,
                                      level="allow", features={"amount": amount}, created_at=now - timedelta(hours=1))
        if fraud is not None:
            FraudLabel.objects.create(order_id=i, order_created_at=now, is_fraud=fraud, source="chargeback", known_at=now)


@pytest.fixture
def scored_month():
    _scored(6, score=90, amount=900, fraud=True, start=1)  # big, high score, fraud
    _scored(2, score=20, amount=950, fraud=True, start=100)  # big fraud the model scored low
    _scored(4, score=70, amount=800, fraud=False, start=200)  # big, genuine (decided)
    _scored(88, score=5, amount=30, fraud=None, start=300)  # small, no outcome yet


def test_the_rule_preview_measures_the_rule_against_known_outcomes(scored_month):
    preview = selectors.preview_rule(conditions=[{"feature": "amount", "op": ">=", "value": 500}], action="review")
    assert (preview.total, preview.matched, preview.labelled, preview.frauds) == (100, 12, 12, 8)
    assert preview.precision == pytest.approx(8 / 12) and preview.recall == 1.0
    assert preview.approval_rate == pytest.approx(0.88)
    allow = selectors.preview_rule(conditions=[{"feature": "amount", "op": "<", "value": 100}], action="allow")
    assert allow.approval_rate == pytest.approx(0.88) and allow.recall == 0


def test_the_simulator_counts_reviews_blocks_and_the_fraud_that_would_pass(scored_month, admin_client_fraud):
    sim = selectors.simulate_thresholds(review=50, block=80)
    assert (sim.orders, sim.reviewed, sim.blocked, sim.labelled_frauds, sim.frauds_passed) == (100, 4, 6, 8, 2)
    assert sim.fraud_amount_passed == pytest.approx(1900)
    page = admin_client_fraud.get("/admin/fraud/frauddashboard/", {"review": 50, "block": 80}).content.decode()
    assert "<strong>4</strong> orders to review and blocked <strong>6</strong>" in page
    assert "<strong>2</strong> would have passed" in page and "1900.00" in page
    bad = admin_client_fraud.get("/admin/fraud/frauddashboard/", {"review": 90, "block": 80}).content.decode()
    assert "must be at least the review threshold" in bad
