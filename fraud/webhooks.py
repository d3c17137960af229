"""The shop's webhook: fraud decisions and actions sent to ``FRAUD_WEBHOOK_URL``, signed, retried.

Each message is a :class:`~fraud.models.WebhookDelivery` row written in the same transaction as the
change it reports, and delivered by the ``fraud.deliver_webhook`` task after that transaction
commits; the ``fraud.retry_webhooks`` sweep (every 10 minutes, ``install_schedules``) picks up any
message whose task was lost (a worker killed, the broker down when it was queued). The body is
JSON; the headers carry ``X-ElectroShop-Event``, ``X-ElectroShop-Delivery`` (the row id: a receiver
drops repeats), ``X-ElectroShop-Timestamp`` (seconds since the epoch) and
``X-ElectroShop-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>." + body under
FRAUD_WEBHOOK_SECRET>`` (a receiver rejects old timestamps: no replays). A 2xx answer delivers it;
anything else (an error status, a redirect, a refused connection, a timeout of
``FRAUD_WEBHOOK_TIMEOUT_SECONDS``) is retried after ``FRAUD_WEBHOOK_RETRY_SECONDS``, twice as long
each time (at most half an hour, inside the broker's visibility timeout), up to
``FRAUD_WEBHOOK_MAX_ATTEMPTS`` attempts; every attempt is logged on the row (admin: webhook
deliveries). One attempt at a time per message (the row is locked while it is sent).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from electroshop.conf import electroshop_settings

from .models import RiskAssessment, WebhookDelivery

MAX_BACKOFF_SECONDS = 1800
SWEEP_AFTER = timedelta(minutes=5)  # a message still unsent this long after it was queued lost its task


def sign(body: bytes, secret: str, timestamp: int) -> str:
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer to log, not to follow (urllib would re-send the POST as a GET)."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def check_settings(app_configs=None, **kwargs) -> list:
    """System check: a webhook without a secret would send unsigned-in-effect messages."""
    from django.core.checks import Warning

    if electroshop_settings.FRAUD_WEBHOOK_URL and not electroshop_settings.FRAUD_WEBHOOK_SECRET:
        return [Warning("FRAUD_WEBHOOK_URL is set but FRAUD_WEBHOOK_SECRET is empty: the shop cannot tell the "
                        "plugin's messages from anyone's", id="fraud.W001")]
    return []


def queue_delivery(*, event: str, payload: dict[str, Any], assessment: RiskAssessment | None) -> WebhookDelivery | None:
    """Record a message for the webhook and deliver it once the current transaction commits; None
    when the shop has no webhook."""
    url = electroshop_settings.FRAUD_WEBHOOK_URL
    if not url:
        return None
    delivery = WebhookDelivery.objects.create(event=event, assessment=assessment, url=url,
                                              payload={"event": event, **payload})
    transaction.on_commit(lambda: _enqueue(delivery.pk, countdown=0), robust=True)  # the sweep retries it
    return delivery


def _enqueue(delivery_id: int, *, countdown: float) -> None:
    from .tasks import deliver_webhook_task

    deliver_webhook_task.apply_async((delivery_id,), countdown=countdown)


def retry_delay(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts."""
    return min(float(electroshop_settings.FRAUD_WEBHOOK_RETRY_SECONDS) * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)


def attempt_delivery(delivery_id: int) -> float | None:
    """One attempt: POST the message, log the outcome on its row. Returns the seconds to wait before
    the next attempt, or None when there is none (delivered, out of attempts, or being sent by
    another worker right now)."""
    with transaction.atomic():
        delivery = (WebhookDelivery.objects.select_for_update(skip_locked=True)
                    .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING).first())
        if delivery is None:
            return None
        _send(delivery)
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


def _send(delivery: WebhookDelivery) -> None:
    """POST the message; the answer (or why there was none) lands on the row."""
    body = json.dumps(delivery.payload, sort_keys=True, default=str).encode()
    timestamp = int(time.time())
    request = urllib.request.Request(delivery.url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "ElectroShop-AI-webhook",
        "X-ElectroShop-Event": delivery.event, "X-ElectroShop-Delivery": str(delivery.pk),
        "X-ElectroShop-Timestamp": str(timestamp),
        "X-ElectroShop-Signature": sign(body, electroshop_settings.FRAUD_WEBHOOK_SECRET, timestamp),
    })
    delivery.attempts += 1
    try:
        with _opener.open(request, timeout=float(electroshop_settings.FRAUD_WEBHOOK_TIMEOUT_SECONDS)) as response:
            delivery.response_status, delivery.last_error = response.status, ""
    except urllib.error.HTTPError as exc:  # an error status, or a redirect not followed
        delivery.response_status, delivery.last_error = exc.code, f"HTTP {exc.code} {exc.reason}"[:500]
    except Exception as exc:  # refused, timed out, a garbled answer: all worth another attempt
        delivery.response_status = None
        delivery.last_error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]


def due_deliveries() -> list[int]:
    """Messages waiting whose next attempt is due, or whose first attempt never ran (a lost task)."""
    now = timezone.now()
    return list(WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).filter(
        Q(next_attempt_at__lte=now) | Q(attempts=0, created_at__lte=now - SWEEP_AFTER)).values_list("pk", flat=True))
