"""Thin Celery tasks: ids in, a service call out (for shops that prefer scoring off the request)."""
from celery import shared_task

from . import reviews, services, signups


@shared_task(name="fraud.score_order")
def score_order_task(order_id: int) -> int:
    return services.score_order(order_id=order_id, source="task").pk


@shared_task(name="fraud.score_signup")
def score_signup_task(customer_id: int) -> None:
    signups.score_signup(customer_id=customer_id)


@shared_task(name="fraud.score_review")
def score_review_task(review_id: int) -> None:
    reviews.score_review(review_id=review_id)


@shared_task(name="fraud.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook_task(self, delivery_id: int) -> None:
    """One delivery attempt; a failed one is retried by Celery after the back-off its row records.
    Without a broker (tasks run in the request), a failed delivery waits on its row for the admin's
    "send again" instead of holding the request."""
    from . import webhooks

    wait = webhooks.attempt_delivery(delivery_id)
    if wait is not None and not self.request.is_eager:
        raise self.retry(countdown=wait)


@shared_task(name="fraud.retry_webhooks")
def retry_webhooks_task() -> int:
    """The sweep: queue every webhook message whose attempt is due (see ``fraud.webhooks``)."""
    from . import webhooks

    due = webhooks.due_deliveries()
    for delivery_id in due:
        deliver_webhook_task.delay(delivery_id)
    return len(due)
