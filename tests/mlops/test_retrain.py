"""``manage.py retrain`` and the retrain task: loud failure without a trainer, a real run with one."""
from datetime import datetime
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from electroshop.mlops import registry, services
from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.mlops.tasks import TrainerMissing, retrain_scheduled_task, retrain_task, run_training


class FakeTrainer:
    """Does what a real trainer does, in miniature: version, progress, metrics, activation."""

    def __init__(self):
        self.calls = []

    def __call__(self, *, run_id, as_of, sync):
        self.calls.append({"run_id": run_id, "as_of": as_of, "sync": sync})
        version = services.register_model_version(app="forecasting", kind="demand", as_of=as_of, run_id=run_id)
        for step in range(1, 5):
            services.report_progress(run_id=run_id, progress=step / 5, stage=f"step {step}")
        services.mark_version_ready(version_id=version.pk, metrics={"mase": 0.8}, train_seconds=1.0)
        services.activate_model_version(version_id=version.pk)
        services.finish_training_run(run_id=run_id, model_version=version)


@pytest.fixture
def fake_trainer(no_trainers):
    trainer = FakeTrainer()
    registry.register_app(app="forecasting", kind="demand", trainer=trainer)
    return trainer


def _retrain(*args):
    out, err = StringIO(), StringIO()
    call_command("retrain", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("sync", [True, False])
@pytest.mark.parametrize("app", ["recommendations", "forecasting", "fraud"])
def test_retrain_without_a_trainer_fails_loudly(no_trainers, app, sync):
    with pytest.raises(CommandError, match="no training pipeline is registered"):
        _retrain(app, *(["--sync"] if sync else []))
    assert not ModelVersion.objects.exists()
    assert not TrainingRun.objects.filter(status__in=["queued", "running", "succeeded"]).exists()


@pytest.mark.django_db
def test_retrain_all_reports_each_app_and_fails(no_trainers):
    err = StringIO()
    with pytest.raises(CommandError, match="recommendations, forecasting, fraud"):
        call_command("retrain", "all", "--sync", stdout=StringIO(), stderr=err)
    for app in ("recommendations", "forecasting", "fraud"):
        assert f"{app}: FAILED" in err.getvalue()


@pytest.mark.django_db
def test_the_task_fails_the_run_when_no_trainer_is_registered(no_trainers):
    run = services.start_training_run(app="fraud", kind="order_risk", as_of=None, triggered_by="test")
    with pytest.raises(TrainerMissing):
        run_training(run_id=run.pk, app="fraud", as_of=None, sync=False)
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.FAILED
    assert "no training pipeline" in run.error


@pytest.mark.django_db
def test_retrain_sync_runs_to_succeeded_with_a_progress_bar(fake_trainer):
    out, err = _retrain("forecasting", "--sync", "--as-of", "2026-06-01")
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert run.progress == 1.0
    assert run.triggered_by == "command"
    assert run.model_version.status == ModelVersion.Status.ACTIVE
    assert fake_trainer.calls == [{"run_id": run.pk, "as_of": run.as_of, "sync": True}]
    assert fake_trainer.calls[0]["as_of"].date().isoformat() == "2026-06-01"
    assert f"run {run.pk} succeeded" in out
    assert "100%" in err and "forecasting" in err


@pytest.mark.django_db
def test_retrain_without_sync_enqueues_and_returns(fake_trainer):
    with mock.patch.object(retrain_task, "delay", return_value=mock.Mock(id="task-123")) as delay:
        out, _ = _retrain("forecasting", "--as-of", "2026-06-01")
    run = TrainingRun.objects.get()
    delay.assert_called_once()
    run_id, app, as_of = delay.call_args.args
    assert (run_id, app) == (run.pk, "forecasting")
    assert datetime.fromisoformat(as_of) == run.as_of
    assert run.status == TrainingRun.Status.QUEUED and run.celery_task_id == "task-123"
    assert f"run {run.pk} queued" in out
    assert fake_trainer.calls == []  # nothing ran in this process


@pytest.mark.django_db
def test_retrain_without_sync_runs_the_worker_task_when_eager(fake_trainer, eager_celery):
    _retrain("forecasting")
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert fake_trainer.calls[0]["sync"] is False  # exactly what a worker runs


@pytest.mark.django_db
def test_a_redelivered_task_does_not_train_twice(fake_trainer, eager_celery):
    run = services.start_training_run(app="forecasting", kind="demand", as_of=None, triggered_by="test")
    retrain_task.apply(args=(run.pk, "forecasting", "2026-06-01T00:00:00+00:00"))
    retrain_task.apply(args=(run.pk, "forecasting", "2026-06-01T00:00:00+00:00"))
    assert len(fake_trainer.calls) == 1
    assert ModelVersion.objects.count() == 1
    run.refresh_from_db()
    assert run.status == TrainingRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_a_failing_trainer_fails_the_run_and_the_command(no_trainers):
    def broken(*, run_id, as_of, sync):
        services.register_model_version(app="fraud", kind="order_risk", as_of=as_of, run_id=run_id)
        raise ValueError("no labelled orders")

    registry.register_app(app="fraud", kind="order_risk", trainer=broken)
    with pytest.raises(CommandError, match="no labelled orders"):
        _retrain("fraud", "--sync")
    run = TrainingRun.objects.get()
    assert run.status == TrainingRun.Status.FAILED
    assert run.model_version.status == ModelVersion.Status.FAILED


@pytest.mark.django_db
def test_a_trainer_that_returns_finishes_its_run(no_trainers):
    registry.register_app(app="fraud", kind="order_risk", trainer=lambda **kwargs: None)
    _retrain("fraud", "--sync")
    assert TrainingRun.objects.get().status == TrainingRun.Status.SUCCEEDED


@pytest.mark.django_db
def test_bad_as_of_is_a_command_error(fake_trainer):
    with pytest.raises(CommandError, match="--as-of"):
        _retrain("forecasting", "--sync", "--as-of", "June")


@pytest.mark.django_db
def test_the_scheduled_retrain_is_idempotent_per_message(fake_trainer, eager_celery):
    first = retrain_scheduled_task.apply(kwargs={"app": "forecasting"}, task_id="beat-1").get()
    again = retrain_scheduled_task.apply(kwargs={"app": "forecasting"}, task_id="beat-1").get()
    assert first == again
    assert TrainingRun.objects.count() == 1
    assert len(fake_trainer.calls) == 1
    assert TrainingRun.objects.get().triggered_by == "schedule"
