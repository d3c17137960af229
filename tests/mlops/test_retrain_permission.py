"""Every "retrain now" (the registry's actions and buttons, each app's dashboard) needs the registry's
permission to manage models."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from electroshop.mlops import registry
from electroshop.mlops.models import TrainingRun


def _staff_client(*permissions: str) -> Client:
    user = get_user_model().objects.create_user("merchant2", password=None, is_staff=True)
    for codename in permissions:
        user.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(user)
    return client


DASHBOARD = "/admin/recommendations/recommendationdashboard/"


@pytest.mark.django_db
def test_retrain_now_needs_the_registrys_permission_on_every_screen(no_trainers):
    registry.register_app(app="recommendations", kind="hybrid", trainer=lambda **kw: None)
    client = _staff_client()  # staff, without "change model version"
    page = client.get(DASHBOARD)
    assert page.status_code == 200 and b">Retrain now</button>" not in page.content
    assert client.post(f"{DASHBOARD}retrain/").status_code == 403  # the dashboard's button
    assert client.post("/admin/mlops/modelversion/retrain/recommendations/").status_code == 403  # the registry's
    assert not TrainingRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_retrain_now_with_the_permission_starts_a_run(no_trainers, eager_celery):
    calls = []
    registry.register_app(app="recommendations", kind="hybrid", trainer=lambda **kw: calls.append(kw["run_id"]))
    client = _staff_client("change_modelversion")
    assert b">Retrain now</button>" in client.get(DASHBOARD).content
    response = client.post(f"{DASHBOARD}retrain/", follow=True)
    run = TrainingRun.objects.get()
    assert calls == [run.pk] and run.triggered_by == "admin:merchant2"
    assert any(f"Retrained recommendations (run {run.pk})" in str(m) for m in response.context["messages"])
