"""POST /api/v1/fraud/score/: who may call it, what it answers, and bad input is a 400 naming the field."""
import pytest

from fraud.models import RiskAssessment

from .conftest import make_order

pytestmark = pytest.mark.django_db
URL = "/api/v1/fraud/score/"


def test_anonymous_callers_are_refused(client):
    response = client.post(URL, {"order_id": 1}, content_type="application/json")
    assert response.status_code in (401, 403)


def test_a_customer_session_is_forbidden(customer_api):
    order = make_order()
    response = customer_api.post(URL, {"order_id": order.pk}, format="json")
    assert response.status_code == 403
    assert "staff" in response.json()["detail"]


def test_a_service_token_scores_a_saved_order(staff_api):
    order = make_order(ip_country="Nigeria")
    response = staff_api.post(URL, {"order_id": order.pk}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"assessment_id", "score", "level", "reasons", "rules_matched", "model_version"}
    assert body["model_version"] is None and body["source"] == "rules_only"
    assert body["level"] in ("allow", "review", "block") and 0 <= body["score"] <= 100
    assert body["reasons"] and all(set(r) == {"code", "message", "weight"} for r in body["reasons"])
    assert RiskAssessment.objects.get(pk=body["assessment_id"]).order_id == order.pk


def test_model_version_is_the_version_number_not_the_row_id():
    from django.utils import timezone

    from electroshop.mlops import services as registry
    from fraud.api.views import assessment_body

    registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())  # ids != numbers
    version = registry.register_model_version(app="fraud", kind="order_risk", as_of=timezone.now())
    assert version.pk != version.version
    assessment = RiskAssessment.objects.create(order_created_at=timezone.now(), score=70.0, level="review",
                                               model_version=version)
    body = assessment_body(assessment)
    assert body["model_version"] == version.version == 1 and body["source"] == "model"


def test_a_checkout_payload_is_scored_without_an_order(staff_api):
    make_order(card_fingerprint="fp_1")
    response = staff_api.post(URL, {"total": "99.50", "email": "new@example.com", "card_fingerprint": "fp_1",
                                    "ip_address": "203.0.113.5", "billing_country": "France",
                                    "created_at": "2026-03-02T13:00:00Z"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["order_id"] is None
    assessment = RiskAssessment.objects.get(pk=body["assessment_id"])
    assert assessment.source == "payload" and assessment.features["card_fingerprint_nb_tx_1d"] == 1


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "order_id"),
    ({"order_id": "abc"}, "order_id"),
    ({"order_id": 0}, "order_id"),
    ({"order_id": 99999999999999999999999}, "order_id"),
    ({"order_id": 987654}, "order_id"),  # no such order
    ({"order_id": 1, "total": "5"}, "total"),
    ({"total": "-1"}, "total"),
    ({"total": "1e999"}, "total"),
    ({"total": "10", "ip_address": "999.1.1.1"}, "ip_address"),
    ({"total": "10", "email": "not-an-email"}, "email"),
    ({"total": "10", "customer_id": 424242}, "customer_id"),
    ({"total": "10", "created_at": "2026-02-30"}, "created_at"),
    ({"total": "10", "device_id": "x" * 500}, "device_id"),
])
def test_bad_payloads_are_400_and_name_the_field(staff_api, payload, field):
    response = staff_api.post(URL, payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("body", [b"[]", b"null", b"123", b'"x"', b"{", b'{"order_id": null}'])
def test_junk_bodies_are_400_never_500(staff_api, body):
    response = staff_api.generic("POST", URL, body, content_type="application/json")
    assert response.status_code == 400


def test_scoring_a_saved_order_uses_a_few_queries(staff_api, django_assert_max_num_queries):
    order = make_order(email="q@example.com", device_id="d1", card_fingerprint="fp")
    make_order(email="q@example.com", device_id="d1", card_fingerprint="fp")
    staff_api.post(URL, {"order_id": order.pk}, format="json")  # warm the config and token caches
    # token auth (1), order (1), history (1), labels (1), insert (1), throttle/config from cache
    with django_assert_max_num_queries(6):
        assert staff_api.post(URL, {"order_id": order.pk}, format="json").status_code == 200


def test_bulk_scoring_has_its_own_rate_not_the_browsers_write_rate(staff_api, settings):
    from django.core.cache import cache

    cache.clear()
    orders = [make_order() for _ in range(4)]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write": "2/min", "collect": "120/min", "fraud_score": "3/min"}}
    codes = [staff_api.post(URL, {"order_id": o.pk}, format="json").status_code for o in orders]
    assert codes == [200, 200, 200, 429]  # past the write rate of 2, stopped by its own rate of 3


def test_payment_checks_are_optional_inputs_and_rule_features(staff_api):
    from fraud.models import FraudRule

    body = {"total": "120.00", "email": "p@example.com", "billing_country": "United Kingdom",
            "card_country": "United States", "avs_result": "no_match", "cvc_result": "no_match",
            "three_ds_result": "failed"}
    answer = staff_api.post(URL, body, format="json").json()
    codes = {r["code"] for r in answer["reasons"]}
    assert {"THREE_DS_FAILED", "CVC_MISMATCH", "AVS_MISMATCH", "CARD_BILLING_MISMATCH"} <= codes
    assessment = RiskAssessment.objects.get(pk=answer["assessment_id"])
    assert assessment.features["three_ds_result"] == "failed" and assessment.features["cvc_mismatch"] == 1
    # a merchant rule on the 3-D Secure outcome
    FraudRule.objects.create(name="3DS failed", action="block",
                             conditions=[{"feature": "three_ds_result", "op": "==", "value": "failed"}])
    assert staff_api.post(URL, body, format="json").json()["level"] == "block"
    assert staff_api.post(URL, {**body, "three_ds_result": "authenticated"}, format="json").json()["level"] != "block"
    bad = staff_api.post(URL, {**body, "cvc_result": "maybe"}, format="json")
    assert bad.status_code == 400 and "cvc_result" in bad.json()
