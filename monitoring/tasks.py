from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="monitoring.check_models")
def check_models_task() -> list[int]:
    """The daily check of every app's serving model (installed by ``install_schedules``): the model versions checked."""
    return [report["model_version"] for report in services.check_models(apps=services.APPS, as_of=timezone.now())]
