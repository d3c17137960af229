"""The Celery app. Tasks are discovered in every installed app's ``tasks.py``.

Queues: ``default`` for light work, ``ml`` for training and cache fills (task names starting
with ``ml.`` are routed there). Without REDIS_URL tasks run eagerly in-process.
"""
import os

from celery import Celery
from celery.signals import task_failure, task_retry, task_success, worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")

app = Celery("electroshop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def load_active_models(**kwargs) -> None:
    """Each worker process loads the active models once, before its first task.

    Celery's Django fixup closed the parent's database connections before forking, so the query
    here opens this process's own connection.
    """
    from electroshop.mlops.services import warm_up_models

    warm_up_models()


# Service metrics (electroshop/metrics.py): each task's outcome, counted in the worker process.
@task_success.connect
def count_task_success(sender=None, **kwargs) -> None:
    _count_task(sender, "success")


@task_failure.connect
def count_task_failure(sender=None, **kwargs) -> None:
    _count_task(sender, "failure")


@task_retry.connect
def count_task_retry(sender=None, **kwargs) -> None:
    _count_task(sender, "retry")


def _count_task(task, outcome: str) -> None:
    from electroshop.metrics import count_celery_task  # after Django's settings: the metrics directory is one

    count_celery_task(task=getattr(task, "name", None) or "unknown", outcome=outcome)
