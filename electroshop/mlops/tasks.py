"""Thin Celery tasks of the registry: ids in, a service call out."""
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from . import services
from .registry import registration_for


class TrainerMissing(RuntimeError):
    """The app has no training pipeline registered: fail loudly rather than pretend."""


def run_training(*, run_id: int, app: str, as_of: str | None, sync: bool) -> None:
    """Run an app's registered trainer for an existing TrainingRun (the body of the retrain task).

    ``sync=True`` asks the trainer to run its sub-tasks (cache-fill chunks) in this process too.
    Idempotent: a redelivered task whose run already succeeded does nothing.
    """
    from .models import TrainingRun

    message = services.trainer_missing_message(app)
    if message is not None:
        services.fail_training_run(run_id=run_id, error=message)
        raise TrainerMissing(message)
    registration = registration_for(app)
    if TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.SUCCEEDED).exists():
        return  # a redelivered task: the run already finished, do not train twice
    as_of_dt = datetime.fromisoformat(as_of) if as_of else None
    if as_of_dt is None:
        # "Now" is decided once, here, and recorded, so the run says what its models treated as today.
        run = TrainingRun.objects.only("as_of").get(pk=run_id)
        as_of_dt = run.as_of or timezone.now()
        TrainingRun.objects.filter(pk=run_id, as_of__isnull=True).update(as_of=as_of_dt)
    services.report_progress(run_id=run_id, progress=0.0, stage="starting")
    try:
        registration.trainer(run_id=run_id, as_of=as_of_dt, sync=sync)
    except Exception as exc:
        services.fail_training_run(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise
    # A trainer that returns normally has finished, unless it fanned out chunks: then the
    # finaliser (see mlops.fanout) finishes the run when the last chunk is done.
    if TrainingRun.objects.filter(pk=run_id, chunks_total=0,
                                  status__in=[TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING]).exists():
        services.finish_training_run(run_id=run_id)


@shared_task(name="ml.retrain", acks_late=True, reject_on_worker_lost=True)
def retrain_task(run_id: int, app: str, as_of: str | None = None) -> None:
    """Retrain one app (train, evaluate, fill caches, activate) for an existing TrainingRun."""
    run_training(run_id=run_id, app=app, as_of=as_of, sync=False)


@shared_task(name="ml.retrain_scheduled", bind=True, acks_late=True, reject_on_worker_lost=True)
def retrain_scheduled_task(self, app: str) -> int:
    """The nightly retrain (django-celery-beat): one TrainingRun per delivered message.

    The run is keyed by the Celery task id, so a redelivered message resumes the same run instead
    of starting a second one.
    """
    from .models import TrainingRun

    task_id = self.request.id or ""
    run = TrainingRun.objects.filter(celery_task_id=task_id).first() if task_id else None
    if run is None:
        run = services.start_training_run(app=app, kind=services.kind_for_app(app), as_of=None, triggered_by="schedule")
        TrainingRun.objects.filter(pk=run.pk).update(celery_task_id=task_id)
    run_training(run_id=run.pk, app=app, as_of=None, sync=False)
    return run.pk


@shared_task(name="ml.prune_model_versions")
def prune_model_versions_task() -> None:
    from .models import ModelVersion

    for app, kind in ModelVersion.objects.values_list("app", "kind").distinct():
        services.prune_model_versions(app=app, kind=kind)
