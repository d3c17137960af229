"""The rollout policy (settings, the admin row, what is refused) and the rollouts' admin screens."""
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from electroshop.mlops import services as registry
from experiments import checks
from experiments.models import Rollout, RolloutPolicy
from experiments.policy import rollout_policy
from experiments.rollout import advance_rollouts, start_rollout

pytestmark = pytest.mark.django_db
POLICY_URL = "/admin/experiments/rolloutpolicy/"


def test_the_default_is_immediate_and_a_row_overrides_the_settings(settings):
    assert rollout_policy(app="recommendations").canary is False
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"recommendations": "canary"},
                            "ROLLOUT_WINDOW_HOURS": 12}
    config = rollout_policy(app="recommendations")
    assert config.canary and config.window_hours == 12 and config.steps == [10, 25, 50, 75, 100]
    RolloutPolicy.objects.create(app="recommendations", policy="immediate", steps=[], window_hours=6,
                                 max_p95_ms=80.0)
    config = rollout_policy(app="recommendations")
    assert not config.canary and config.window_hours == 6 and config.max_p95_ms == 80.0
    assert config.steps == [10, 25, 50, 75, 100]  # empty steps: the setting's
    assert config.canary_policy().steps == (0.1, 0.25, 0.5, 0.75, 1.0)


def test_a_canary_setting_for_forecasting_or_fraud_fails_the_system_check(settings):
    assert checks.check_rollout_settings() == []
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"fraud": "canary", "recommendations": "canary"}}
    [error] = checks.check_rollout_settings()
    assert error.id == "experiments.E001"
    assert error.msg.startswith("ELECTROSHOP['ROLLOUT_POLICY']: fraud: only recommendations can roll out by canary")
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"shop": "sometimes"},
                            "ROLLOUT_CANARY_STEPS": [50, 10], "ROLLOUT_WINDOW_HOURS": 100}
    errors = checks.check_rollout_settings()
    assert [e.id for e in errors] == ["experiments.E001", "experiments.E002", "experiments.E002"]
    assert "ROLLOUT_CANARY_STEPS" in errors[1].msg and "READ_STATS_KEEP_HOURS" in errors[2].msg


def _post(client, **fields):
    data = {"app": "recommendations", "policy": "canary", "steps": "[10, 50, 100]", "window_hours": 12,
            "max_error_rate": 0.02, "max_p95_ms": 200, "kpi_tolerance": 0.05, "primary_metric": "ctr", **fields}
    return client.post(f"{POLICY_URL}add/", data)


def test_the_policy_form_refuses_what_cannot_work_and_saves_a_canary_for_recommendations(admin_client):
    form = admin_client.get(f"{POLICY_URL}add/").content.decode()
    assert "[10, 25, 50, 75, 100]" in form  # a new row starts from the settings
    refused = _post(admin_client, app="forecasting").content.decode()
    assert "only recommendations can roll out by canary" in refused
    assert "percentages must increase and end at 100" in _post(admin_client, steps="[10, 50]").content.decode()
    assert "hours above 0" in _post(admin_client, window_hours=0).content.decode()
    assert "at most READ_STATS_KEEP_HOURS" in _post(admin_client, window_hours=200).content.decode()
    assert not RolloutPolicy.objects.exists()
    assert _post(admin_client).status_code == 302
    assert _post(admin_client, app="fraud", policy="immediate", steps="").status_code == 302
    saved = {row.app: row for row in RolloutPolicy.objects.all()}
    assert saved["recommendations"].steps == [10, 50, 100] and saved["fraud"].steps == []
    assert rollout_policy(app="recommendations").canary
    listing = admin_client.get(POLICY_URL).content.decode()
    assert "10% → 50% → 100%" in listing and "10% → 25% → 50% → 75% → 100%" in listing


def _rollout(settings) -> Rollout:
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"recommendations": "canary"},
                            "ROLLOUT_MIN_READS": 0}
    for activate in (True, False):
        version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
        registry.mark_version_ready(version_id=version.pk)
        if activate:
            registry.activate_model_version(version_id=version.pk)
    return start_rollout(candidate=version, now=timezone.now() - timedelta(hours=25))


def test_rollouts_are_listed_and_shown_with_their_audit_and_share_chart(admin_client, settings, monkeypatch):
    rollout = _rollout(settings)
    monkeypatch.setattr("experiments.rollout.kpi_comparison", lambda *, experiment: None)
    advance_rollouts()  # a full window with no breach (and no reads required): 25%
    listing = admin_client.get("/admin/experiments/rollout/").content.decode()
    assert "recommendations v2" in listing and "recommendations.hybrid.v1" in listing and "25%" in listing
    assert "healthy at 10% for a full window: 25% of subjects now" in listing
    page = admin_client.get(f"/admin/experiments/rollout/{rollout.pk}/change/").content.decode()
    assert "<svg" in page and "The candidate&#x27;s share of subjects" in page
    assert "v2 serves 10% of subjects, v1 the rest" in page
    assert "✓ error rate 0.00% of 0 reads within 1.00%" in page
    assert "– primary KPI not judged: no comparison with control yet" in page


def _roll_back_now(client, rollout) -> list[str]:
    response = client.post("/admin/experiments/rollout/", {"action": "roll_back_now", "_selected_action": [rollout.pk]})
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_roll_back_now_from_the_admin(admin_client, settings):
    rollout = _rollout(settings)
    assert _roll_back_now(admin_client, rollout) == [
        "recommendations v2 rolled back: the active version serves everyone."]
    rollout.refresh_from_db()
    assert rollout.status == "rolled_back" and rollout.reason == "admin rolled it back from the admin"
    assert _roll_back_now(admin_client, rollout)[-1] == "recommendations v2 was not running."
