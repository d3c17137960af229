"""A shop that acts on the score: holds, cancellations, decisions, the case page and the signed webhook."""
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from electroshop.shop.models import Order
from fraud import webhooks
from fraud.models import CaseEvent, FraudLabel, FraudRule, FraudSettings, ListEntry, RiskAssessment, WebhookDelivery

from .conftest import make_order

pytestmark = pytest.mark.django_db
SECRET = "s3cret"


class Receiver:
    """A local HTTP receiver answering the given statuses in turn (then 200), recording each request;
    status 0 answers garbage instead of HTTP."""

    def __init__(self, statuses=()):
        self.statuses, self.requests = list(statuses), []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 0:
                    self.wfile.write(b"not http at all\r\n\r\n")
                    return
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/fraud-hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver(settings):
    r = Receiver()
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "FRAUD_WEBHOOK_URL": r.url, "FRAUD_WEBHOOK_SECRET": SECRET,
                            "FRAUD_WEBHOOK_RETRY_SECONDS": 30}
    yield r
    r.close()


@pytest.fixture
def review_rule():
    FraudRule.objects.create(name="big", action="review", conditions=[{"feature": "amount", "op": ">=", "value": 1000}])


def _placed(django_capture_on_commit_callbacks, **fields) -> Order:
    with django_capture_on_commit_callbacks(execute=True):
        order = make_order(**fields)
    order.refresh_from_db()
    return order


def test_a_new_order_at_review_is_held_and_approval_releases_it(django_capture_on_commit_callbacks, review_rule,
                                                                   staff_api, receiver, eager_celery):
    calm = _placed(django_capture_on_commit_callbacks, total="40.00")
    assert calm.status == Order.Status.PAID  # allow passes
    order = _placed(django_capture_on_commit_callbacks, total="1500.00")
    assert order.status == Order.Status.ON_HOLD
    assessment = RiskAssessment.objects.get(order_id=order.pk)
    assert assessment.events.get().kind == CaseEvent.Kind.HOLD

    with django_capture_on_commit_callbacks(execute=True):
        answer = staff_api.post(f"/api/v1/fraud/assessments/{assessment.pk}/decision/",
                                {"decision": "approve", "note": "called the customer"}, format="json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["decision"], body["order_status"], body["assessment_id"]) == ("approved", "paid", assessment.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert FraudLabel.objects.get(order_id=order.pk).is_fraud is False  # the decision is a label
    assert [e.kind for e in assessment.events.all()] == ["hold", "release", "decision"]
    # The shop heard of the hold and of the decision, each signed with the shared secret.
    events = [json.loads(body) for _, body in receiver.requests]
    assert [e["event"] for e in events] == ["order.held", "assessment.decided"]
    headers, raw = receiver.requests[-1]
    signed = headers["x-electroshop-timestamp"].encode() + b"." + raw
    assert headers["x-electroshop-signature"] == "sha256=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert events[-1]["decision"] == "approve" and events[-1]["order_status"] == "paid"
    assert WebhookDelivery.objects.filter(status="delivered").count() == 2


def test_rejecting_cancels_and_block_holds_or_cancels_per_merchant_setting(django_capture_on_commit_callbacks,
                                                                            review_rule, staff_api):
    order = _placed(django_capture_on_commit_callbacks, total="1500.00")
    assessment = RiskAssessment.objects.get(order_id=order.pk)
    answer = staff_api.post(f"/api/v1/fraud/assessments/{assessment.pk}/decision/", {"decision": "reject"}, format="json")
    assert answer.json()["order_status"] == "cancelled"
    assert FraudLabel.objects.get(order_id=order.pk).is_fraud is True

    ListEntry.objects.create(list_type="block", kind="email", value="thief@example.com")
    held = _placed(django_capture_on_commit_callbacks, email="thief@example.com")
    assert held.status == Order.Status.ON_HOLD  # out of the box a block holds
    FraudSettings.objects.create(block_action="cancel")
    cancelled = _placed(django_capture_on_commit_callbacks, email="thief@example.com")
    assert cancelled.status == Order.Status.CANCELLED
    # Scoring an order again through the API (a backfill) changes nothing in the shop.
    old = make_order(total="2000.00")
    assert staff_api.post("/api/v1/fraud/score/", {"order_id": old.pk}, format="json").json()["level"] == "review"
    old.refresh_from_db()
    assert old.status == Order.Status.PAID


def test_a_bad_decision_names_the_field_and_an_unknown_assessment_is_404(staff_api):
    order = make_order()
    assessment = RiskAssessment.objects.create(order_id=order.pk, order_created_at=order.created_at, score=60,
                                               level="review")
    bad = staff_api.post(f"/api/v1/fraud/assessments/{assessment.pk}/decision/", {"decision": "maybe"}, format="json")
    assert bad.status_code == 400 and "decision" in bad.json()
    missing = staff_api.post("/api/v1/fraud/assessments/999999/decision/", {"decision": "approve"}, format="json")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_a_failing_webhook_is_retried_with_back_off_and_logged(settings):
    receiver = Receiver(statuses=[500, 302, 0, 503])
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "FRAUD_WEBHOOK_URL": receiver.url, "FRAUD_WEBHOOK_SECRET": SECRET,
                            "FRAUD_WEBHOOK_RETRY_SECONDS": 30, "FRAUD_WEBHOOK_MAX_ATTEMPTS": 6}
    try:
        delivery = webhooks.queue_delivery(event="assessment.decided", payload={"x": 1}, assessment=None)
        assert webhooks.attempt_delivery(delivery.pk) == 30  # HTTP 500: again in 30 s
        assert webhooks.attempt_delivery(delivery.pk) == 60  # a redirect is not followed: twice as long
        delivery.refresh_from_db()
        assert delivery.response_status == 302 and len(receiver.requests) == 2
        assert webhooks.attempt_delivery(delivery.pk) == 120  # a garbled answer
        delivery.refresh_from_db()
        assert delivery.response_status is None and "BadStatusLine" in delivery.last_error
        assert webhooks.attempt_delivery(delivery.pk) == 240  # 503
        assert webhooks.attempt_delivery(delivery.pk) is None  # 200: delivered
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 5, 200)
        assert len(receiver.requests) == 5
        assert {h["x-electroshop-delivery"] for h, _ in receiver.requests} == {str(delivery.pk)}  # receivers drop repeats
    finally:
        receiver.close()
    # A receiver that is gone: the attempts run out and the row says why.
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "FRAUD_WEBHOOK_MAX_ATTEMPTS": 2}
    gone = webhooks.queue_delivery(event="order.held", payload={}, assessment=None)
    assert webhooks.attempt_delivery(gone.pk) == 30
    assert webhooks.attempt_delivery(gone.pk) is None
    gone.refresh_from_db()
    assert gone.status == "failed" and gone.last_error


def test_the_case_page_shows_the_order_its_links_and_history(django_capture_on_commit_callbacks, review_rule,
                                                            admin_client_fraud):
    ring = _placed(django_capture_on_commit_callbacks, total="1500.00", device_id="dev-ring", email="a@example.com")
    make_order(device_id="dev-ring", email="b@example.com")  # another guest on the same device
    assessment = RiskAssessment.objects.get(order_id=ring.pk)
    url = f"/admin/fraud/riskassessment/{assessment.pk}/case/"
    other = Order.objects.get(email="b@example.com")
    page = admin_client_fraud.get(url).content.decode()
    assert f"<td>{other.pk}</td>" in page and "<td>device</td>" in page and "on_hold" in page  # the linked order, by what
    assert admin_client_fraud.post(url, {"note": "same device as a known ring"}).status_code == 302
    assert admin_client_fraud.post(url, {"decision": "reject", "note": "ring"}).status_code == 302
    page = admin_client_fraud.get(url).content.decode()
    assert "same device as a known ring" in page
    assert "rejected as fraud" in page and "cancelled" in page
    assert f"/admin/fraud/riskassessment/{assessment.pk}/case/" in admin_client_fraud.get(
        "/admin/fraud/riskassessment/").content.decode()


def test_a_message_whose_task_was_lost_is_swept_and_a_webhook_without_secret_warns(settings, eager_celery):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from fraud import tasks

    receiver = Receiver()
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "FRAUD_WEBHOOK_URL": receiver.url, "FRAUD_WEBHOOK_SECRET": SECRET}
    try:
        lost = webhooks.queue_delivery(event="order.held", payload={}, assessment=None)  # its on_commit never ran
        assert webhooks.due_deliveries() == []  # not yet: its task may still be on its way
        WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=6))
        assert tasks.retry_webhooks_task.apply().get() == 1
        lost.refresh_from_db()
        assert lost.status == "delivered" and len(receiver.requests) == 1
    finally:
        receiver.close()
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "FRAUD_WEBHOOK_SECRET": ""}
    assert [w.id for w in webhooks.check_settings()] == ["fraud.W001"]
    call_command("install_schedules")
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.get(name="Fraud webhook sweep").task == "fraud.retry_webhooks"


def test_the_queue_shows_each_order_once_and_any_decision_undoes_the_plugins_own_action(
        django_capture_on_commit_callbacks, review_rule, staff_api):
    from fraud import selectors

    order = _placed(django_capture_on_commit_callbacks, total="1500.00")
    rescored = staff_api.post("/api/v1/fraud/score/", {"order_id": order.pk}, format="json").json()["assessment_id"]
    queue = list(selectors.review_queue().filter(order_id=order.pk).values_list("pk", flat=True))
    assert queue == [rescored]  # the newest assessment only
    staff_api.post(f"/api/v1/fraud/assessments/{rescored}/decision/", {"decision": "approve"}, format="json")
    order.refresh_from_db()
    assert order.status == Order.Status.PAID  # released, though the hold came with the first assessment

    ListEntry.objects.create(list_type="block", kind="email", value="thief@example.com")
    FraudSettings.objects.create(block_action="cancel")
    cancelled = _placed(django_capture_on_commit_callbacks, email="thief@example.com")
    blocked = RiskAssessment.objects.get(order_id=cancelled.pk)
    assert cancelled.status == Order.Status.CANCELLED
    staff_api.post(f"/api/v1/fraud/assessments/{blocked.pk}/decision/", {"decision": "approve"}, format="json")
    cancelled.refresh_from_db()
    assert cancelled.status == Order.Status.PAID  # the reviewer overrules the block: the cancellation is undone

    FraudSettings.objects.update(block_action="hold")
    held = _placed(django_capture_on_commit_callbacks, email="thief@example.com")
    assert selectors.review_queue().filter(order_id=held.pk, level="block").exists()  # a held block waits here too

    shipped = make_order(total="1500.00")
    Order.objects.filter(pk=shipped.pk).update(status=Order.Status.COMPLETED)
    late = staff_api.post("/api/v1/fraud/score/", {"order_id": shipped.pk}, format="json").json()["assessment_id"]
    answer = staff_api.post(f"/api/v1/fraud/assessments/{late}/decision/", {"decision": "reject"}, format="json").json()
    assert answer["order_status"] == "completed"  # a rejection does not undo a completed order
    assert FraudLabel.objects.get(order_id=shipped.pk).is_fraud is True  # but it is a label


def test_the_same_decision_twice_keeps_the_time_it_became_known(staff_api):
    order = make_order()
    assessment = RiskAssessment.objects.create(order_id=order.pk, order_created_at=order.created_at, score=60,
                                               level="review")
    url = f"/api/v1/fraud/assessments/{assessment.pk}/decision/"
    staff_api.post(url, {"decision": "reject"}, format="json")
    first = FraudLabel.objects.get(order_id=order.pk).known_at
    staff_api.post(url, {"decision": "reject"}, format="json")
    assert FraudLabel.objects.get(order_id=order.pk).known_at == first
    staff_api.post(url, {"decision": "approve"}, format="json")
    label = FraudLabel.objects.get(order_id=order.pk)
    assert label.is_fraud is False and label.known_at > first


def test_viewing_a_case_needs_the_view_permission_and_deciding_the_change_permission(client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    order = make_order()
    assessment = RiskAssessment.objects.create(order_id=order.pk, order_created_at=order.created_at, score=60,
                                               level="review")
    user = get_user_model().objects.create_user("analyst", "a@example.com", "pw", is_staff=True)
    client.force_login(user)
    url = f"/admin/fraud/riskassessment/{assessment.pk}/case/"
    assert client.get(url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_riskassessment"))
    user = get_user_model().objects.get(pk=user.pk)  # permissions are cached per user object
    client.force_login(user)
    assert client.get(url).status_code == 200
    assert client.post(url, {"decision": "reject"}).status_code == 403
    assert not FraudLabel.objects.exists()
