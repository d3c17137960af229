"""The shop's webhook: fraud decisions and actions sent to ``FRAUD_WEBHOOK_URL``, signed, retried.

Each message is a :class:`~fraud.models.WebhookDelivery` row written with the change it reports
(so none is lost if a worker dies) and delivered by the ``fraud.deliver_webhook`` task after the
transaction commits. The body is JSON; the headers carry ``X-ElectroShop-Event``,
``X-ElectroShop-Delivery`` (the row id: a receiver drops repeats) and
``X-ElectroShop-Signature: sha256=<hex HMAC-SHA256 of the body under FRAUD_WEBHOOK_SECRET>``.
A 2xx answer delivers it; anything else (an error status, a refused connection, a timeout) is
retried after ``FRAUD_WEBHOOK_RETRY_SECONDS``, twice as long each time (at most an hour), up to
``FRAUD_WEBHOOK_MAX_ATTEMPTS`` attempts; every attempt is logged on the row (admin: webhook deliveries).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from electroshop.conf import electroshop_settings

from .models import RiskAssessment, WebhookDelivery

TIMEOUT_SECONDS = 10
MAX_BACKOFF_SECONDS = 3600


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def queue_delivery(*, event: str, payload: dict[str, Any], assessment: RiskAssessment | None) -> WebhookDelivery | None:
    """Record a message for the webhook and deliver it once the current transaction commits; None
    when the shop has no webhook."""
    url = electroshop_settings.FRAUD_WEBHOOK_URL
    if not url:
        return None
    delivery = WebhookDelivery.objects.create(event=event, assessment=assessment, url=url,
                                              payload={"event": event, **payload})
    transaction.on_commit(lambda: _enqueue(delivery.pk, countdown=0))
    return delivery


def _enqueue(delivery_id: int, *, countdown: float) -> None:
    from .tasks import deliver_webhook_task

    deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts."""
    return min(float(electroshop_settings.FRAUD_WEBHOOK_RETRY_SECONDS) * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def attempt_delivery(delivery_id: int) -> float | None:
    """One attempt: POST the message, log the outcome on its row. Returns the seconds to wait before
    the next attempt, or None when there is none (delivered, or out of attempts)."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first()
    if delivery is None:
        return None
    body = json.dumps(delivery.payload, sort_keys=True, default=str).encode()
    request = urllib.request.Request(delivery.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "ElectroShop-AI-webhook",
        "X-ElectroShop-Event": delivery.event, "X-ElectroShop-Delivery": str(delivery.pk),
        "X-ElectroShop-Signature": sign(body, electroshop_settings.FRAUD_WEBHOOK_SECRET),
    })
    delivery.attempts += 1
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            delivery.response_status, delivery.last_error = response.status, ""
    except urllib.error.HTTPError as exc:
        delivery.response_status, delivery.last_error = exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except (urllib.error.URLError, OSError, ValueError) as exc:
        delivery.response_status, delivery.last_error = None, str(getattr(exc, "reason", exc))[:500]
    wait = None
    if delivery.response_status is not None and 200 <= delivery.response_status < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            WebhookDelivery.Status.DELIVERED, timezone.now(), None)
    elif delivery.attempts >= int(electroshop_settings.FRAUD_WEBHOOK_MAX_ATTEMPTS):
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
    else:
        wait = retry_delay(delivery.attempts)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=wait)
    delivery.save()
    return wait
