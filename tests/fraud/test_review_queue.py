"""The review queue: highest score first; approve / reject / block produce labels and list entries."""
import pytest

from fraud import labels, services
from fraud.models import FraudLabel, FraudRule, ListEntry, RiskAssessment

from .conftest import make_order

pytestmark = pytest.mark.django_db
QUEUE = "/admin/fraud/reviewqueueitem/"


@pytest.fixture
def queued():
    FraudRule.objects.create(name="everything to review", action="review", priority=1,
                             conditions=[{"feature": "amount", "op": ">=", "value": 0}])
    low = services.score_order(order_id=make_order(email="low@example.com").pk)
    high = services.score_order(order_id=make_order(email="high@example.com", ip_country="Nigeria",
                                                    device_id="dev-bad", ip_address="203.0.113.66",
                                                    card_fingerprint="fp_bad").pk)
    return low, high


def test_the_queue_lists_orders_at_review_highest_score_first_with_reasons(admin_client_fraud, queued):
    low, high = queued
    response = admin_client_fraud.get(QUEUE)
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(high.order_number) < page.index(low.order_number)
    assert "IP country differs from the billing country" in page


def _act(client, action, assessments):
    return client.post(QUEUE, {"action": action, "_selected_action": [a.pk for a in assessments]}, follow=True)


def test_approve_and_reject_become_training_labels(admin_client_fraud, queued):
    low, high = queued
    assert _act(admin_client_fraud, "approve", [low]).status_code == 200
    assert _act(admin_client_fraud, "reject_as_fraud", [high]).status_code == 200
    labels = {label.order_id: label for label in FraudLabel.objects.all()}
    assert labels[low.order_id].is_fraud is False and labels[high.order_id].is_fraud is True
    assert all(label.source == "review" and label.known_at for label in labels.values())
    assert RiskAssessment.objects.get(pk=high.pk).decision == "rejected"
    # decided orders leave the queue
    assert high.order_number not in admin_client_fraud.get(QUEUE).content.decode()


def test_block_action_lists_the_orders_identities_and_rejects_it(admin_client_fraud, queued):
    _, high = queued
    _act(admin_client_fraud, "block_identities", [high])
    entries = set(ListEntry.objects.values_list("kind", "value"))
    assert {("email", "high@example.com"), ("device", "dev-bad"), ("ip", "203.0.113.66"),
            ("card_fingerprint", "fp_bad")} <= entries
    assert FraudLabel.objects.get(order_id=high.order_id).is_fraud
    # the next order with the same card is blocked by the list
    again = services.score_order(order_id=make_order(card_fingerprint="fp_bad").pk)
    assert again.level == "block"


def test_a_second_decision_updates_the_label_instead_of_adding_one(queued):
    low, _ = queued
    labels.record_decision(assessment_id=low.pk, decision="approved", decided_by="a")
    labels.record_decision(assessment_id=low.pk, decision="rejected", decided_by="b")
    label = FraudLabel.objects.get(order_id=low.order_id)
    assert label.is_fraud and label.recorded_by == "b"


def test_rule_preview_counts_matches_over_stored_assessments(admin_client_fraud, queued):
    rule = FraudRule.objects.create(name="abroad", action="block", priority=5,
                                    conditions=[{"feature": "ip_billing_mismatch", "op": "==", "value": 1}])
    from fraud.selectors import preview_rule

    preview = preview_rule(conditions=rule.conditions, now=queued[1].created_at)
    assert (preview.total, preview.matched) == (2, 1)
    page = admin_client_fraud.get(f"/admin/fraud/fraudrule/{rule.pk}/preview/").content.decode()
    assert "would have matched <strong>1</strong> of 2" in page
    response = admin_client_fraud.post("/admin/fraud/fraudrule/", {"action": "preview_matches",
                                                                    "_selected_action": [rule.pk]}, follow=True)
    assert "would have matched 1 of 2" in response.content.decode()
