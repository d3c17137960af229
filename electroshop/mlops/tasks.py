"""Thin Celery tasks of the registry: ids in, a service call out."""
from datetime import datetime

from celery import shared_task

from . import services
from .registry import registration_for


class TrainerMissing(RuntimeError):
    """The app has no training pipeline registered: fail loudly rather than pretend."""


def run_training(*, run_id: int, app: str, as_of: str | None, sync: bool) -> None:
    """Run an app's registered trainer for an existing TrainingRun (the body of the retrain task)."""
    registration = registration_for(app)
    if registration is None or registration.trainer is None:
        message = (
            f"{app}: no training pipeline is registered yet, so nothing can be trained. "
            "The app's models have not been built; see its issue."
        )
        services.fail_training_run(run_id=run_id, error=message)
        raise TrainerMissing(message)
    from .models import TrainingRun

    if TrainingRun.objects.filter(pk=run_id, status=TrainingRun.Status.SUCCEEDED).exists():
        return  # a redelivered task: the run already finished, do not train twice
    as_of_dt = datetime.fromisoformat(as_of) if as_of else None
    try:
        registration.trainer(run_id=run_id, as_of=as_of_dt, sync=sync)
    except Exception as exc:
        services.fail_training_run(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


@shared_task(name="ml.retrain", acks_late=True, reject_on_worker_lost=True)
def retrain_task(run_id: int, app: str, as_of: str | None = None) -> None:
    """Retrain one app (train, evaluate, fill caches, activate) for an existing TrainingRun."""
    run_training(run_id=run_id, app=app, as_of=as_of, sync=False)


@shared_task(name="ml.prune_model_versions")
def prune_model_versions_task() -> None:
    from .models import ModelVersion

    for app, kind in ModelVersion.objects.values_list("app", "kind").distinct():
        services.prune_model_versions(app=app, kind=kind)
