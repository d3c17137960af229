"""Retrains go through the broker to a real worker process and report back through mlops."""
import pytest
from django.utils import timezone

from electroshop.mlops import services
from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.mlops.tasks import prune_model_versions_task, retrain_task

from .conftest import wait_for

pytestmark = pytest.mark.integration


def test_worker_runs_retrain_and_records_the_outcome_in_mlops(celery_worker_process):
    # The fraud app has no trainer registered yet: the worker must record a loud failure.
    run = services.start_training_run(app="fraud", kind="order_risk", as_of=timezone.now(), triggered_by="test")
    retrain_task.delay(run.pk, "fraud", None)

    finished = wait_for(
        lambda: TrainingRun.objects.filter(pk=run.pk, status__in=["succeeded", "failed"]).first()
    )
    assert finished.status == TrainingRun.Status.FAILED
    assert "no training pipeline is registered" in finished.error


def test_worker_prunes_old_versions(celery_worker_process):
    now = timezone.now()
    for number in range(1, 7):
        ModelVersion.objects.create(app="fraud", kind="order_risk", version=number, as_of=now, status="ready")
    services.activate_model_version(version_id=ModelVersion.objects.get(version=6).pk)

    prune_model_versions_task.delay()

    # Active v6 stays, plus the newest 3 others (KEEP_MODEL_VERSIONS); v1 and v2 go.
    wait_for(lambda: ModelVersion.objects.count() == 4)
    assert sorted(ModelVersion.objects.values_list("version", flat=True)) == [3, 4, 5, 6]
