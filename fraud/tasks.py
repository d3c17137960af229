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
