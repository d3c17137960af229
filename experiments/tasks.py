"""Thin Celery tasks: a service call out."""
from celery import shared_task

from . import services


@shared_task(name="experiments.update")
def update_experiments_task() -> dict:
    """Every few minutes (beat): attribution, KPIs and experiments brought up to date."""
    return services.update_experiments()
