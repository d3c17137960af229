"""Writes of the model registry: runs, versions, activation, rollback, pruning, artifacts.

Every state change is one function in one transaction that returns early when nothing changes.
"""
import hashlib
import logging
import pickle
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.metrics import count_training_run

from .models import ModelVersion, TrainingRun
from .registry import AppRegistration, cached_tables_for, guarded_versions, registration_for, registrations
from .selectors import forget_active_version

logger = logging.getLogger("electroshop.mlops")


class RegistryError(Exception):
    """A registry operation that cannot be done (for example activating a failed version)."""


# --- training runs --------------------------------------------------------------------------------

def start_training_run(*, app: str, kind: str, as_of: datetime | None, triggered_by: str) -> TrainingRun:
    return TrainingRun.objects.create(
        app=app, kind=kind, as_of=as_of, triggered_by=triggered_by, status=TrainingRun.Status.QUEUED
    )


# In-process observers of a run's progress (the ``retrain --sync`` progress bar): run id -> callbacks.
_progress_watchers: dict[int, list[Callable[[float, str], None]]] = {}


@contextmanager
def watch_progress(*, run_id: int, callback: Callable[[float, str], None]) -> Iterator[None]:
    """Call ``callback(progress, stage)`` whenever this process reports progress of the run."""
    _progress_watchers.setdefault(run_id, []).append(callback)
    try:
        yield
    finally:
        watchers = _progress_watchers.get(run_id, [])
        if callback in watchers:
            watchers.remove(callback)
        if not watchers:
            _progress_watchers.pop(run_id, None)


def _notify_progress(run_id: int, progress: float, stage: str) -> None:
    for callback in list(_progress_watchers.get(run_id, ())):
        try:
            callback(progress, stage)
        except Exception:  # a broken progress bar must not fail a training run
            logger.exception("progress watcher of run %s failed", run_id)


def report_progress(*, run_id: int, progress: float, stage: str, log_line: str | None = None) -> None:
    """Record how far a run is; cheap enough to call from inside loops."""
    _notify_progress(run_id, max(0.0, min(1.0, progress)), stage[:200])
    now = timezone.now()
    updates: dict[str, Any] = {"progress": max(0.0, min(1.0, progress)), "stage": stage[:200]}
    run = TrainingRun.objects.filter(pk=run_id)
    run.filter(started_at__isnull=True).update(started_at=now)
    run.exclude(status__in=[TrainingRun.Status.SUCCEEDED, TrainingRun.Status.FAILED]).update(
        status=TrainingRun.Status.RUNNING, **updates
    )
    if log_line:
        append_run_log(run_id=run_id, line=log_line)


def append_run_log(*, run_id: int, line: str) -> None:
    stamp = timezone.now().strftime("%H:%M:%S")
    run = TrainingRun.objects.get(pk=run_id)
    run.log = f"{run.log}{stamp} {line}\n"
    run.save(update_fields=["log"])
    logger.info("run %s: %s", run_id, line)


def finish_training_run(*, run_id: int, model_version: ModelVersion | None = None) -> TrainingRun:
    run = TrainingRun.objects.get(pk=run_id)
    run.status = TrainingRun.Status.SUCCEEDED
    run.progress = 1.0
    run.stage = "done"
    run.finished_at = timezone.now()
    if run.started_at is None:
        run.started_at = run.finished_at
    if model_version is not None:
        run.model_version = model_version
    run.save()
    _notify_progress(run_id, 1.0, "done")
    count_training_run(app=run.app, outcome="succeeded", seconds=(run.finished_at - run.started_at).total_seconds())
    return run


def fail_training_run(*, run_id: int, error: str) -> TrainingRun:
    run = TrainingRun.objects.get(pk=run_id)
    run.status = TrainingRun.Status.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    if run.model_version_id:
        ModelVersion.objects.filter(pk=run.model_version_id, status=ModelVersion.Status.TRAINING).update(
            status=ModelVersion.Status.FAILED
        )
    logger.error("run %s failed: %s", run_id, error)
    count_training_run(app=run.app, outcome="failed",
                       seconds=(run.finished_at - run.started_at).total_seconds() if run.started_at else None)
    return run


def trainer_missing_message(app: str) -> str | None:
    """Why ``app`` cannot be retrained in this process, or None when it can."""
    from .registry import KNOWN_APPS, registration_for

    if app not in KNOWN_APPS:
        return f"{app!r} is not an AI app; choose one of {', '.join(KNOWN_APPS)}."
    registration = registration_for(app)
    if registration is None or registration.trainer is None:
        return (
            f"{app}: no training pipeline is registered yet, so nothing can be trained. "
            "The app's models have not been built; see its issue."
        )
    return None


def enqueue_retrain(*, app: str, as_of: datetime | None, triggered_by: str) -> TrainingRun:
    """Create a queued TrainingRun and send the retrain task once the surrounding transaction commits.

    With no broker the task runs eagerly at commit; its failure is recorded on the run (and logged),
    never raised into the caller (an admin request, a schedule), which reads the run's status instead.
    """
    from .tasks import retrain_task

    run = start_training_run(app=app, kind=kind_for_app(app), as_of=as_of, triggered_by=triggered_by)
    as_of_text = as_of.isoformat() if as_of else None

    def send() -> None:
        try:
            result = retrain_task.delay(run.pk, app, as_of_text)
        except Exception as exc:  # eager failure (already recorded on the run) or broker down
            logger.warning("retrain of %s (run %s) did not complete: %s", app, run.pk, exc)
            TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
                status=TrainingRun.Status.FAILED, error=f"could not enqueue: {type(exc).__name__}: {exc}",
                finished_at=timezone.now(),
            )
            return
        TrainingRun.objects.filter(pk=run.pk, celery_task_id="").update(celery_task_id=result.id or "")

    transaction.on_commit(send)
    return run


def kind_for_app(app: str) -> str:
    from .registry import registration_for

    registration = registration_for(app)
    return registration.kind if registration else "default"


# --- versions ---------------------------------------------------------------------------------------

@transaction.atomic
def register_model_version(
    *, app: str, kind: str, as_of: datetime, parameters: dict[str, Any] | None = None,
    data_start: datetime | None = None, data_end: datetime | None = None, run_id: int | None = None,
) -> ModelVersion:
    """Create the next version number of (app, kind) in status ``training``."""
    # Lock the kind's rows so two concurrent trainings cannot take the same number.
    list(ModelVersion.objects.select_for_update().filter(app=app, kind=kind).values_list("pk", flat=True))
    latest = ModelVersion.objects.filter(app=app, kind=kind).aggregate(v=Max("version"))["v"] or 0
    version = ModelVersion.objects.create(
        app=app, kind=kind, version=latest + 1, as_of=as_of, parameters=parameters or {},
        data_start=data_start, data_end=data_end, status=ModelVersion.Status.TRAINING,
    )
    if run_id is not None:
        TrainingRun.objects.filter(pk=run_id).update(model_version=version)
    return version


def mark_version_ready(*, version_id: int, metrics: dict[str, Any] | None = None,
                       train_seconds: float | None = None, fill_seconds: float | None = None) -> ModelVersion:
    version = ModelVersion.objects.get(pk=version_id)
    if metrics is not None:
        version.metrics = metrics
    if train_seconds is not None:
        version.train_seconds = train_seconds
    if fill_seconds is not None:
        version.fill_seconds = fill_seconds
    if version.status == ModelVersion.Status.TRAINING:
        version.status = ModelVersion.Status.READY
    version.save()
    return version


def activate_model_version(*, version_id: int) -> ModelVersion:
    """Make this version the one readers see: one transaction, one pointer flip.

    The previously active version goes back to ``ready`` (so it can be re-activated: rollback).
    """
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version_id)
        if version.status == ModelVersion.Status.ACTIVE:
            return version
        if version.status not in (ModelVersion.Status.READY, ModelVersion.Status.RETIRED):
            raise RegistryError(f"{version} cannot be activated: it is {version.status}, not ready")
        # Demote first: the partial unique index allows one active row per kind at any instant.
        ModelVersion.objects.filter(app=version.app, kind=version.kind, status=ModelVersion.Status.ACTIVE).update(
            status=ModelVersion.Status.READY
        )
        version.status = ModelVersion.Status.ACTIVE
        version.activated_at = timezone.now()
        version.retired_at = None
        version.save(update_fields=["status", "activated_at", "retired_at"])
        transaction.on_commit(lambda: _activated(app=version.app, kind=version.kind))
    logger.info("activated %s", version)
    return version


def _activated(*, app: str, kind: str) -> None:
    forget_active_version(app=app, kind=kind)
    # The process that trained or activated the version serves it at once, without a load.
    registration = registration_for(app)
    if registration is not None:
        _warm_up(registration)


def _warm_up(registration: AppRegistration) -> None:
    if registration.warm_up is None:
        return
    try:
        registration.warm_up()
    except Exception as exc:  # e.g. a database not migrated yet: the model then loads at first use
        logger.warning("%s: no model loaded in advance (%s: %s)", registration.app, type(exc).__name__, exc)


def warm_up_models() -> None:
    """Load every app's active model into this process, so that no request pays for the load.

    Called when a web worker (``electroshop.wsgi``) or a Celery worker process starts. It never
    fails: without a migrated database, an active version or a readable artifact nothing is
    loaded and each app does what it does at first use (fraud scoring falls back to rules only).
    """
    for registration in registrations():
        _warm_up(registration)


def rollback_model_version(*, app: str, kind: str) -> ModelVersion:
    """Re-activate the most recently active version before the current one."""
    current = ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.ACTIVE).first()
    candidates = ModelVersion.objects.filter(
        app=app, kind=kind, status__in=[ModelVersion.Status.READY, ModelVersion.Status.RETIRED],
        activated_at__isnull=False,
    )
    if current is not None:
        candidates = candidates.filter(version__lt=current.version)
    previous = candidates.order_by(F("activated_at").desc(nulls_last=True), "-version").first()
    if previous is None:
        raise RegistryError(f"{app}.{kind} has no earlier activated version to roll back to")
    return activate_model_version(version_id=previous.pk)


def prune_model_versions(*, app: str, kind: str, keep: int | None = None) -> list[int]:
    """Delete old non-active versions with their cached rows, keeping the newest ``keep`` and those a prune
    guard keeps (``registry.register_prune_guard``: a running canary rollout's candidate)."""
    keep = electroshop_settings.KEEP_MODEL_VERSIONS if keep is None else keep
    inactive = ModelVersion.objects.filter(app=app, kind=kind).exclude(
        status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.TRAINING]
    ).exclude(pk__in=guarded_versions(app=app, kind=kind)).order_by("-version")
    doomed = list(inactive.values_list("pk", flat=True)[keep:])
    for version_id in doomed:
        delete_model_version(version_id=version_id)
    return doomed


@transaction.atomic
def delete_model_version(*, version_id: int) -> None:
    version = ModelVersion.objects.select_for_update().get(pk=version_id)
    if version.status == ModelVersion.Status.ACTIVE:
        raise RegistryError(f"{version} is active; activate another version first")
    for table in cached_tables_for(version.app):
        # Bulk delete without loading rows: cached tables have no dependants.
        table.objects.filter(model_version_id=version_id)._raw_delete(table.objects.db)
    if version.artifact_path:
        Path(version.artifact_path).unlink(missing_ok=True)
    version.delete()


# --- artifacts -------------------------------------------------------------------------------------

def artifact_dir() -> Path:
    path = Path(electroshop_settings.ARTIFACT_DIR)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_artifact(*, version_id: int, obj: Any) -> ModelVersion:
    """Pickle the trained model next to the others and record its path and SHA-256."""
    version = ModelVersion.objects.get(pk=version_id)
    # A random suffix: two databases sharing one artifact folder must never overwrite each other's v1.
    path = artifact_dir() / f"{version.app}-{version.kind}-v{version.version}-{uuid.uuid4().hex[:12]}.pkl"
    payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(payload)
    tmp.replace(path)
    version.artifact_path = str(path)
    version.artifact_sha256 = hashlib.sha256(payload).hexdigest()
    version.save(update_fields=["artifact_path", "artifact_sha256"])
    return version


def load_artifact(*, version: ModelVersion) -> Any:
    """Load a version's model, refusing a file whose checksum does not match the registry."""
    payload = Path(version.artifact_path).read_bytes()
    if hashlib.sha256(payload).hexdigest() != version.artifact_sha256:
        raise RegistryError(f"artifact of {version} does not match its checksum")
    return pickle.loads(payload)  # noqa: S301 - written by save_artifact above, checksum verified
