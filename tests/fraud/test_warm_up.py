"""The active fraud model is loaded when a worker starts and when a training activates it, never by a score."""
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError

from electroshop.celery import load_active_models
from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.services import warm_up_models
from electroshop.shop.models import Order
from fraud import services

from .conftest import T0

pytestmark = pytest.mark.django_db


def _retrain() -> ModelVersion:
    call_command("retrain", "fraud", "--sync", "--as-of", "2026-03-02", stdout=StringIO(), stderr=StringIO())
    return ModelVersion.objects.get(app="fraud", kind="order_risk", status="active")


def _order() -> Order:
    return Order.objects.create(number="NEW1", created_at=T0 + timedelta(hours=1), total=Decimal("2500"),
                                device_id="bad-1", ip_country="Nigeria", billing_country="United Kingdom",
                                shipping_country="United Kingdom", email="c1@example.com")


@pytest.fixture
def forbid_artifact_reads(monkeypatch):
    """Call it, and from then on reading a model artifact fails the test."""
    def read(**kwargs):
        raise AssertionError("a score read a model artifact")

    return lambda: monkeypatch.setattr(registry, "load_artifact", read)


@pytest.mark.parametrize("worker_start", [warm_up_models, load_active_models], ids=["web", "celery"])
def test_a_starting_worker_loads_the_active_model_so_scoring_reads_no_artifact(synthetic_shop, forbid_artifact_reads,
                                                                               worker_start):
    version = _retrain()
    services._loaded.clear()  # a fresh process
    worker_start()
    assert version.pk in services._loaded
    forbid_artifact_reads()
    assert services.score_order(order_id=_order().pk).model_version_id == version.pk


def test_the_process_that_trains_keeps_the_new_model_loaded(synthetic_shop, forbid_artifact_reads):
    version = _retrain()
    forbid_artifact_reads()
    assessment = services.score_order(order_id=_order().pk)
    assert assessment.model_version_id == version.pk and assessment.model_score is not None


def test_activating_a_version_loads_it_in_the_activating_process(synthetic_shop, django_capture_on_commit_callbacks):
    first = _retrain()
    second = _retrain()
    services._loaded.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registry.activate_model_version(version_id=first.pk)
    assert list(services._loaded) == [first.pk] and second.pk != first.pk


def test_without_a_model_the_warm_up_is_harmless_and_scoring_uses_the_rules():
    services._loaded.clear()
    warm_up_models()
    assert services._loaded == {}
    order = Order.objects.create(number="R1", created_at=T0, total=Decimal("50"))
    assert services.score_order(order_id=order.pk).model_version_id is None


def test_a_missing_artifact_leaves_nothing_loaded_and_scoring_uses_the_rules(synthetic_shop, caplog):
    version = _retrain()
    services._loaded.clear()
    Path(version.artifact_path).unlink()
    warm_up_models()
    assert services._loaded == {}
    assert "could not be loaded" in caplog.text
    assert services.score_order(order_id=_order().pk).model_version_id is None


def test_a_database_not_migrated_yet_does_not_stop_a_worker_from_starting(monkeypatch, caplog):
    def no_table(**kwargs):
        raise OperationalError("no such table: mlops_modelversion")

    monkeypatch.setattr(services, "active_version_id", no_table)
    warm_up_models()
    assert "no model loaded in advance" in caplog.text and "no such table" in caplog.text
