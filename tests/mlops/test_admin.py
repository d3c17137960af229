"""The registry admin: read-only screens with metrics, and the activate / roll back / retrain actions."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages

from electroshop.mlops import registry, services
from electroshop.mlops.models import ModelVersion, TrainingRun

from .helpers import active_ids, ready_version

CHANGELIST = "/admin/mlops/modelversion/"


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("merchant", "m@example.com", None)
    client.force_login(user)
    return client


def _messages(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_screens_show_metrics_and_are_read_only(admin_client):
    version = ready_version(metrics={"ndcg@10": 0.3123, "by_segment": {"new": 0.2}})
    services.start_training_run(app="recommendations", kind="hybrid", as_of=None, triggered_by="test")
    page = admin_client.get(CHANGELIST)
    assert page.status_code == 200
    assert "NDCG@10: <strong>0.312</strong>" in page.content.decode()  # labelled and formatted, not the raw key
    assert b"Retrain recommendations" in page.content
    detail = admin_client.get(f"{CHANGELIST}{version.pk}/change/")
    assert detail.status_code == 200
    assert b"<table>" in detail.content and b"By segment" in detail.content and b"by_segment" not in detail.content
    assert b'name="_save"' not in detail.content
    assert admin_client.get("/admin/mlops/modelversion/add/").status_code == 403
    assert admin_client.get("/admin/mlops/trainingrun/").status_code == 200
    run = TrainingRun.objects.get()
    assert admin_client.get(f"/admin/mlops/trainingrun/{run.pk}/change/").status_code == 200


def _action(client, action, versions, url=CHANGELIST):
    return client.post(url, {"action": action, "_selected_action": [v.pk for v in versions]}, follow=True)


@pytest.mark.django_db
def test_activate_and_roll_back_actions(admin_client):
    v1, v2 = ready_version(), ready_version()
    response = _action(admin_client, "activate", [v1])
    assert "recommendations.hybrid.v1 is now active." in _messages(response)
    _action(admin_client, "activate", [v2])
    assert active_ids() == [v2.pk]
    response = _action(admin_client, "roll_back", [v2])
    assert active_ids() == [v1.pk]
    assert any("Rolled recommendations.hybrid back" in m for m in _messages(response))
    response = _action(admin_client, "roll_back", [v1])  # nothing earlier: an error, not a crash
    assert response.status_code == 200
    assert any("no earlier activated version" in m for m in _messages(response))


@pytest.mark.django_db
def test_activating_a_failed_version_is_reported(admin_client):
    version = ready_version()
    ModelVersion.objects.filter(pk=version.pk).update(status="failed")
    response = _action(admin_client, "activate", [version])
    assert response.status_code == 200
    assert any("cannot be activated" in m for m in _messages(response))


@pytest.mark.django_db
def test_retrain_without_a_trainer_tells_the_merchant(admin_client, no_trainers):
    version = ready_version()
    response = _action(admin_client, "retrain_now", [version])
    assert response.status_code == 200
    assert any("no training pipeline is registered" in m for m in _messages(response))
    response = admin_client.post(f"{CHANGELIST}retrain/fraud/", follow=True)  # the button, before any version
    assert response.status_code == 200
    assert any("Cannot retrain: fraud" in m for m in _messages(response))


@pytest.mark.django_db(transaction=True)
def test_retrain_now_creates_a_run_and_runs_the_task(admin_client, no_trainers, eager_celery):
    calls = []

    def trainer(*, run_id, as_of, sync):
        calls.append(run_id)

    registry.register_app(app="recommendations", kind="hybrid", trainer=trainer)
    response = admin_client.post(f"{CHANGELIST}retrain/recommendations/", follow=True)
    run = TrainingRun.objects.get()
    assert run.triggered_by == "admin:merchant"
    assert calls == [run.pk]
    assert run.status == TrainingRun.Status.SUCCEEDED
    assert any(f"Retrained recommendations (run {run.pk})" in m for m in _messages(response))


@pytest.mark.django_db(transaction=True)
def test_retrain_now_with_a_broker_only_queues(admin_client, no_trainers):
    from unittest import mock

    from electroshop.mlops.tasks import retrain_task

    registry.register_app(app="recommendations", kind="hybrid", trainer=lambda **kw: None)
    with mock.patch.object(retrain_task, "delay", return_value=mock.Mock(id="t-1")) as delay:
        response = admin_client.post(f"{CHANGELIST}retrain/recommendations/", follow=True)
    run = TrainingRun.objects.get()
    delay.assert_called_once_with(run.pk, "recommendations", None)
    assert run.status == TrainingRun.Status.QUEUED and run.celery_task_id == "t-1"
    assert any("queued as run" in m for m in _messages(response))


@pytest.mark.django_db
def test_non_staff_cannot_trigger_retrains(client, no_trainers):
    user = get_user_model().objects.create_user("shopper", password=None)
    client.force_login(user)
    response = client.post(f"{CHANGELIST}retrain/fraud/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not TrainingRun.objects.exists()
