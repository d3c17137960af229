"""Retrains go through the broker to a real worker process and report back through mlops."""
import pytest
from django.utils import timezone

from electroshop.mlops import services
from electroshop.mlops.models import ModelVersion, TrainingRun, TrainingRunChunk
from electroshop.mlops.tasks import prune_model_versions_task, retrain_task
from recommendations.models import ProductRecommendation, RepurchaseInterval, SimilarProducts, TrendingProducts
from tests.recommendations.shops import build_small_shop

from .conftest import wait_for

pytestmark = pytest.mark.integration


def _finished(run_id: int):
    return TrainingRun.objects.filter(pk=run_id, status__in=["succeeded", "failed"]).first()


def test_worker_retrains_recommendations_with_fanned_out_chunks(celery_worker_process):
    build_small_shop()
    run = services.start_training_run(app="recommendations", kind="hybrid", as_of=timezone.now(), triggered_by="test")
    retrain_task.delay(run.pk, "recommendations", None)

    finished = wait_for(lambda: _finished(run.pk), timeout=240)
    assert finished.status == TrainingRun.Status.SUCCEEDED, finished.error
    version = ModelVersion.objects.get(app="recommendations", status="active")
    assert finished.model_version_id == version.pk
    # 40 customers in chunks of 8, the 24 products in one chunk, trending, the repurchase intervals and
    # the two segment groupings: ten chunk messages, each counted once, then one finaliser.
    assert finished.chunks_total == 10
    assert TrainingRunChunk.objects.filter(run=finished).count() == 10
    assert ProductRecommendation.objects.filter(model_version=version).count() == 40
    assert SimilarProducts.objects.filter(model_version=version).count() == 24
    assert TrendingProducts.objects.filter(model_version=version, segment="country:UK").exists()
    assert RepurchaseInterval.objects.filter(model_version=version, category_id=0).exists()


def test_worker_records_a_failed_training_run_with_its_reason(celery_worker_process):
    # No orders at all: the fraud trainer must fail loudly, and the worker must record why.
    run = services.start_training_run(app="fraud", kind="order_risk", as_of=timezone.now(), triggered_by="test")
    retrain_task.delay(run.pk, "fraud", None)

    finished = wait_for(lambda: _finished(run.pk))
    assert finished.status == TrainingRun.Status.FAILED
    assert "nothing to learn from" in finished.error


def test_worker_prunes_old_versions(celery_worker_process):
    now = timezone.now()
    for number in range(1, 7):
        ModelVersion.objects.create(app="fraud", kind="order_risk", version=number, as_of=now, status="ready")
    services.activate_model_version(version_id=ModelVersion.objects.get(version=6).pk)

    prune_model_versions_task.delay()

    # Active v6 stays, plus the newest 3 others (KEEP_MODEL_VERSIONS); v1 and v2 go.
    wait_for(lambda: ModelVersion.objects.count() == 4)
    assert sorted(ModelVersion.objects.values_list("version", flat=True)) == [3, 4, 5, 6]
