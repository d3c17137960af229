"""Scoring orders: on creation, lists, rules, thresholds, reasons, the label delay, rules-only fallback."""
from datetime import timedelta

import pytest
from django.test import override_settings

from electroshop.shop.models import Customer
from fraud import services
from fraud.models import FraudLabel, FraudRule, FraudSettings, ListEntry, RiskAssessment

from .conftest import T0, make_order

pytestmark = pytest.mark.django_db


def test_a_new_order_is_scored_when_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(email="a@example.com")
    assessment = RiskAssessment.objects.get(order_id=order.pk)
    assert assessment.source == "order"
    assert 0 <= assessment.score <= 100
    assert assessment.level in ("allow", "review", "block")


def test_without_a_model_scoring_is_rules_only_and_says_so():
    order = make_order(ip_country="Nigeria", card_country="United States")
    assessment = services.score_order(order_id=order.pk)
    assert assessment.model_version_id is None and assessment.model_score is None
    codes = {r["code"] for r in assessment.reasons}
    assert {"IP_BILLING_MISMATCH", "CARD_BILLING_MISMATCH"} <= codes
    assert assessment.score == 25  # two mismatches (10 each) and a guest checkout (5)


def test_reasons_are_never_empty_even_for_a_spotless_order():
    customer = Customer.objects.create(email="old@example.com", created_at=T0 - timedelta(days=400))
    order = make_order(customer=customer, email="old@example.com")
    assessment = services.score_order(order_id=order.pk)
    assert assessment.reasons and assessment.reasons[0]["code"] == "NO_RISK_SIGNAL"
    assert all({"code", "message", "weight"} <= set(r) for r in assessment.reasons)


def test_changing_the_thresholds_changes_the_level():
    order = make_order(ip_country="Nigeria", card_country="United States")  # rules-only score 25
    assert services.score_order(order_id=order.pk).level == "allow"
    FraudSettings.objects.create(review_threshold=15, block_threshold=90)
    assert services.score_order(order_id=order.pk).level == "review"
    FraudSettings.objects.update(block_threshold=20)
    FraudSettings.objects.first().save()  # signals forget the cached configuration
    assert services.score_order(order_id=order.pk).level == "block"


def test_the_settings_defaults_apply_without_a_settings_row():
    order = make_order(ip_country="Nigeria", card_country="United States")
    with override_settings(ELECTROSHOP={"FRAUD_REVIEW_THRESHOLD": 10, "FRAUD_BLOCK_THRESHOLD": 95}):
        assert services.score_order(order_id=order.pk).level == "review"


@pytest.mark.parametrize(("kind", "value", "fields"), [
    ("email", "Thief@Example.com", {"email": "thief@example.com"}),
    ("email_domain", "mailinator.com", {"email": "x123@MAILINATOR.com"}),
    ("ip", "203.0.113.9", {"ip_address": "203.0.113.9"}),
    ("device", "dev-42", {"device_id": "dev-42"}),
    ("card_fingerprint", "fp_abc", {"card_fingerprint": "fp_abc"}),
    ("customer", "CUSTOMER", {}),
])
def test_each_block_list_kind_blocks_and_the_allow_list_allows(kind, value, fields):
    customer = Customer.objects.create(email="c@example.com", created_at=T0 - timedelta(days=100))
    if value == "CUSTOMER":
        value = str(customer.pk)
    order = make_order(customer=customer, **fields)
    other = make_order(customer=Customer.objects.create(email="d@example.com"), email="d@example.com",
                       ip_address="198.51.100.1", device_id="other", card_fingerprint="fp_other")
    ListEntry.objects.create(list_type="block", kind=kind, value=value)
    blocked = services.score_order(order_id=order.pk)
    assert blocked.level == "block"
    assert blocked.rules_matched[0]["type"] == "block_list" and blocked.rules_matched[0]["kind"] == kind
    assert blocked.reasons[0]["code"] == f"BLOCK_LIST_{kind.upper()}"
    assert services.score_order(order_id=other.pk).level == "allow"

    ListEntry.objects.all().delete()
    FraudRule.objects.create(name="block everything", action="block", priority=1,
                             conditions=[{"feature": "amount", "op": ">=", "value": 0}])
    ListEntry.objects.create(list_type="allow", kind=kind, value=value)
    allowed = services.score_order(order_id=order.pk)
    assert allowed.level == "allow" and allowed.rules_matched[0]["type"] == "allow_list"
    assert services.score_order(order_id=other.pk).level == "block"


def test_rules_run_in_priority_order_and_the_first_match_decides():
    order = make_order(total="1200.00", ip_country="Nigeria")
    FraudRule.objects.create(name="abroad", action="review", priority=20,
                             conditions=[{"feature": "ip_billing_mismatch", "op": "==", "value": 1}])
    FraudRule.objects.create(name="huge", action="block", priority=10,
                             conditions=[{"feature": "amount", "op": ">", "value": 1000}])
    FraudRule.objects.create(name="off", action="allow", priority=1, is_active=False,
                             conditions=[{"feature": "amount", "op": ">", "value": 0}])
    assessment = services.score_order(order_id=order.pk)
    assert assessment.level == "block"
    assert assessment.rules_matched == [{"type": "rule", "id": FraudRule.objects.get(name="huge").pk,
                                         "name": "huge", "action": "block"}]
    FraudRule.objects.filter(name="huge").delete()
    assert services.score_order(order_id=order.pk).rules_matched[0]["name"] == "abroad"


def test_velocity_counts_only_earlier_orders_of_the_same_entities():
    for minutes in (50, 40, 30):
        make_order(created_at=T0 - timedelta(minutes=minutes), card_fingerprint="fp_hot")
    make_order(created_at=T0 - timedelta(minutes=5), card_fingerprint="fp_cold")
    make_order(created_at=T0 + timedelta(minutes=5), card_fingerprint="fp_hot")  # later: not history
    order = make_order(card_fingerprint="fp_hot")
    features = services.score_order(order_id=order.pk).features
    assert features["card_fingerprint_nb_tx_1h"] == 3
    assert "CARD_VELOCITY" in {r["code"] for r in services.score_order(order_id=order.pk).reasons}
    # blank entities are never shared: orders without a device are not each other's velocity
    assert features["device_id_nb_tx_1d"] == 0


def _device_fraud_count(order) -> float:
    return services.score_order(order_id=order.pk).features["device_id_nb_fraud_30d"]


def test_a_label_cannot_influence_a_score_before_it_is_known():
    old = make_order(created_at=T0 - timedelta(days=10), device_id="dev-x")
    scored = make_order(created_at=T0, device_id="dev-x")
    assert _device_fraud_count(scored) == 0
    # known after the scored order was placed: no influence
    label = FraudLabel.objects.create(order_id=old.pk, order_created_at=old.created_at, is_fraud=True,
                                      source="chargeback", known_at=T0 + timedelta(hours=1))
    assert _device_fraud_count(scored) == 0
    # known before: it counts
    label.known_at = old.created_at + timedelta(days=2)
    label.save()
    assert _device_fraud_count(scored) == 1


def test_a_label_counts_from_the_day_it_is_known_whatever_its_delay():
    # A review rejection two days after its order, and a chargeback 60 days after its order.
    recent = make_order(created_at=T0 - timedelta(days=2), device_id="dev-y")
    FraudLabel.objects.create(order_id=recent.pk, order_created_at=recent.created_at, is_fraud=True,
                              source="review", known_at=T0 - timedelta(days=1))
    assert _device_fraud_count(make_order(created_at=T0, device_id="dev-y")) == 1
    assert _device_fraud_count(make_order(created_at=T0 - timedelta(days=1, hours=1), device_id="dev-y")) == 0
    charged = make_order(created_at=T0 - timedelta(days=70), device_id="dev-z")
    FraudLabel.objects.create(order_id=charged.pk, order_created_at=charged.created_at, is_fraud=True,
                              source="chargeback", known_at=T0 - timedelta(days=10))
    assert _device_fraud_count(make_order(created_at=T0 - timedelta(days=11), device_id="dev-z")) == 0
    assert _device_fraud_count(make_order(created_at=T0, device_id="dev-z")) == 1  # known 10 days ago
    # It counts for the 30-day window after it became known, not longer.
    assert _device_fraud_count(make_order(created_at=T0 + timedelta(days=21), device_id="dev-z")) == 0


def test_account_age_and_guest_checkout_features():
    customer = Customer.objects.create(email="n@example.com", created_at=T0 - timedelta(hours=6))
    features = services.score_order(order_id=make_order(customer=customer).pk).features
    assert features["account_age_days"] == pytest.approx(0.25)
    assert features["is_guest"] == 0
    guest = services.score_order(order_id=make_order(email="g@example.com").pk).features
    assert guest["is_guest"] == 1


def test_blank_entity_values_include_pandas_missing_values():
    """Guest orders read through a nullable integer column carry pandas' NA as their customer id."""
    import pandas as pd

    from fraud.features import customer_key

    assert customer_key(pd.NA, "Guest@Example.com ", row_id=7) == "gguest@example.com"
    assert customer_key(pd.NA, None, row_id=7) == "~none:7"
    assert customer_key(12.0, "", row_id=1) == "c12"


def test_an_accounts_age_counts_up_to_thirty_days():
    from fraud.features import describe

    old = Customer.objects.create(email="old2@example.com", created_at=T0 - timedelta(days=400))
    features = services.score_order(order_id=make_order(customer=old).pk).features
    assert features["account_age_days"] == 30  # established: never beyond what training saw
    assert describe("account_age_days", 30) == "account created 30 or more days before the order"
