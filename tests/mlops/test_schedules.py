import json
from io import StringIO

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from electroshop.celery import app as celery_app


def _install(*args):
    call_command("install_schedules", *args, stdout=StringIO())


@pytest.mark.django_db
def test_install_schedules_is_idempotent_and_keeps_admin_edits():
    _install()
    _install()
    tasks = {t.name: t for t in PeriodicTask.objects.all()}
    assert len(tasks) == 8
    retrains = [t for t in tasks.values() if t.task == "ml.retrain_scheduled"]
    assert sorted(json.loads(t.kwargs)["app"] for t in retrains) == ["forecasting", "fraud", "recommendations"]
    assert len({t.crontab.hour for t in retrains}) == 3  # different hours
    prune = next(t for t in tasks.values() if t.task == "ml.prune_model_versions")
    assert prune.crontab.hour == "*"
    assert tasks["Daily model check"].task == "monitoring.check_models"
    experiments = tasks["Experiments and KPIs update"]
    assert (experiments.task, experiments.crontab.minute, experiments.crontab.hour) == ("experiments.update", "*/5", "*")
    celery_app.loader.import_default_modules()  # what a worker and beat do at start: autodiscovery
    for task in tasks.values():
        assert task.task in celery_app.tasks  # the named task exists

    edited = retrains[0]
    edited.enabled = False
    edited.save()
    _install()
    edited.refresh_from_db()
    assert edited.enabled is False  # the merchant's change survives
    _install("--reset")
    edited.refresh_from_db()
    assert edited.enabled is True
    assert PeriodicTask.objects.count() == 8
