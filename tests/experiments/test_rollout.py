"""Canary rollouts as services: start, steps, rollback, completion, audit records, sticky bucketing.

The KPI comparison (the experiment's results) is replaced here; the reads come from the real read
statistics in the cache.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion
from experiments import readstats
from experiments import rollout as rollouts
from experiments.ml.canary import KpiComparison
from experiments.models import Experiment, Rollout, RolloutStep
from experiments.rollout import RolloutBusy, RolloutError, advance_rollouts, rollback_rollout, start_rollout
from experiments.selectors import canary_assignment, forget_running_experiments

T = timezone.now().replace(microsecond=0)
DAY = timedelta(hours=24)
SAME = KpiComparison(metric="ctr", lift=0.004, lift_ci=(-0.03, 0.04), decision="no_difference")
SUBJECTS = [f"customer:{i}" for i in range(3000)]


@pytest.fixture
def canary(settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"recommendations": "canary"},
                            "ROLLOUT_MIN_READS": 20, "READ_STATS_SLOT_SECONDS": 60}


@pytest.fixture
def kpi(monkeypatch):
    """The candidate's KPI comparison, as the test sets it."""
    current = {"value": SAME}
    monkeypatch.setattr(rollouts, "kpi_comparison", lambda *, experiment: current["value"])
    return current


def _version(*, active: bool = False) -> ModelVersion:
    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
    registry.mark_version_ready(version_id=version.pk)
    return registry.activate_model_version(version_id=version.pk) if active else version


@pytest.fixture
def versions(db, canary):
    return _version(active=True), _version()


def _reads(version: ModelVersion, at, *, reads: int = 40, errors: int = 0, latency_ms: float = 12.0) -> None:
    for k in range(reads):
        readstats.record_read(version=version.version, latency_ms=latency_ms, failed=k < errors, at=at.timestamp())
    readstats.flush()


def _start(candidate: ModelVersion, now=T):
    """``start_rollout`` with a fixed salt, so the shares below are not left to a random salt's luck."""
    rollout = start_rollout(candidate=candidate, now=now)
    Experiment.objects.filter(pk=rollout.experiment_id).update(salt="canary-test")
    forget_running_experiments()
    return rollout


def _on_candidate(subjects=SUBJECTS) -> set[str]:
    return {s for s in subjects if canary_assignment(subject=s).variant == "candidate"}


def test_a_rollout_serves_the_first_share_to_the_candidate_and_the_rest_to_the_active_version(versions):
    active, candidate = versions
    rollout = _start(candidate)

    assert (rollout.status, rollout.step, rollout.share) == ("running", 0, 0.1)
    assert rollout.control_version == active and rollout.candidate_version == candidate
    experiment = rollout.experiment
    assert (experiment.mode, experiment.placement, experiment.status, experiment.primary_metric) == \
        ("canary", "all", "running", "ctr")
    assert [(v.position, v.name, v.strategy, v.serving_weight) for v in experiment.variants.all()] == [
        (0, "control", "active", 0.9), (1, "candidate", f"version:{candidate.version}", 0.1)]
    [start] = rollout.steps.all()
    assert start.action == "start" and start.share == 0.1
    assert start.message == (f"v{candidate.version} serves 10% of subjects, v{active.version} the rest; "
                             "steps 10%, 25%, 50%, 75%, 100%, 24 h each")
    on_candidate = _on_candidate()
    assert abs(len(on_candidate) / len(SUBJECTS) - 0.1) < 0.03
    assignment = canary_assignment(subject=next(iter(on_candidate)))
    assert assignment.version_id == candidate.pk and assignment.experiment_id == experiment.pk
    assert canary_assignment(subject=next(s for s in SUBJECTS if s not in on_candidate)).version_id is None
    ModelVersion.objects.get(pk=active.pk, status="active")  # nothing was activated


def test_a_subject_on_the_candidate_stays_there_as_its_share_grows(versions, kpi):
    _, candidate = versions
    _start(candidate)
    before = _on_candidate()
    _reads(candidate, T + timedelta(hours=2))
    [step] = advance_rollouts(now=T + DAY)
    assert (step.action, step.share) == ("step", 0.25)
    at_25 = _on_candidate()
    assert before < at_25 and abs(len(at_25) / len(SUBJECTS) - 0.25) < 0.03
    _reads(candidate, T + DAY + timedelta(hours=1))
    advance_rollouts(now=T + 2 * DAY)
    at_50 = _on_candidate()
    assert at_25 < at_50 and abs(len(at_50) / len(SUBJECTS) - 0.5) < 0.03


def test_a_healthy_canary_steps_to_100_percent_and_becomes_the_active_version(versions, kpi):
    active, candidate = versions
    rollout = start_rollout(candidate=candidate, now=T)
    now = T
    for _ in range(5):
        _reads(candidate, now + timedelta(hours=1))
        now += DAY
        advance_rollouts(now=now)
    rollout.refresh_from_db()
    assert (rollout.status, rollout.share, rollout.ended_at) == ("completed", 1.0, now)
    assert rollout.reason == "healthy at 100% for a full window: activated"
    assert ModelVersion.objects.get(pk=candidate.pk).status == "active"
    assert ModelVersion.objects.get(pk=active.pk).status == "ready"
    assert Experiment.objects.get(pk=rollout.experiment_id).status == "stopped"
    records = list(rollout.steps.all())
    assert [(r.action, r.share) for r in records] == [
        ("start", 0.1), ("step", 0.25), ("step", 0.5), ("step", 0.75), ("step", 1.0), ("complete", 1.0)]
    assert records[1].checks["error_rate"] == {"value": 0.0, "limit": 0.01, "passed": True,
                                               "note": "error rate 0.00% of 40 reads within 1.00%"}
    assert records[1].checks["kpi"]["passed"] is True
    assert records[-1].checks["kpi"]["passed"] is None  # at 100%: no control left to compare with
    assert canary_assignment(subject=SUBJECTS[0]) is None  # no canary runs any more


def test_an_error_breach_rolls_back_at_once_and_the_active_version_keeps_serving(versions, kpi):
    active, candidate = versions
    rollout = start_rollout(candidate=candidate, now=T)
    _reads(candidate, T + timedelta(hours=1), reads=100, errors=5)
    [record] = advance_rollouts(now=T + timedelta(hours=1, minutes=5))  # long before the window ends

    rollout.refresh_from_db()
    assert (rollout.status, rollout.share) == ("rolled_back", 0.0)
    assert rollout.reason == "error rate 5.00% of 100 reads above 1.00%"
    assert (record.action, record.share) == ("rollback", 0.0)
    assert record.message == "rolled back at 10%: error rate 5.00% of 100 reads above 1.00%"
    assert record.checks["error_rate"]["passed"] is False and record.checks["p95_ms"]["passed"] is True
    experiment = Experiment.objects.get(pk=rollout.experiment_id)
    assert experiment.status == "stopped" and experiment.stop_reason.startswith("rolled back: error rate")
    assert ModelVersion.objects.get(pk=active.pk).status == "active"
    retired = ModelVersion.objects.get(pk=candidate.pk)
    assert retired.status == "retired" and "canary rolled back: error rate" in retired.notes
    assert canary_assignment(subject=SUBJECTS[0]) is None  # everyone reads the active version
    assert advance_rollouts(now=T + DAY) == []  # nothing runs any more
    with pytest.raises(registry.RegistryError):  # the registry's rollback never proposes it
        registry.rollback_model_version(app="recommendations", kind="hybrid")


def test_a_latency_breach_and_a_kpi_breach_roll_back(versions, kpi):
    _, candidate = versions
    slow = start_rollout(candidate=candidate, now=T)
    _reads(candidate, T + timedelta(hours=3), latency_ms=400.0)
    advance_rollouts(now=T + timedelta(hours=3))
    slow.refresh_from_db()
    assert slow.status == "rolled_back" and slow.reason.startswith("p95 latency ")

    worse = _version()
    rollout = start_rollout(candidate=worse, now=T)
    kpi["value"] = KpiComparison(metric="ctr", lift=-0.18, lift_ci=(-0.3, -0.06), decision="worse")
    advance_rollouts(now=T + timedelta(hours=6))  # no reads needed for the KPI
    rollout.refresh_from_db()
    assert rollout.status == "rolled_back"
    assert rollout.reason == ("ctr lift -18.0% (95% CI -30.0% to -6.0%): significantly worse than control "
                              "beyond the tolerance (tolerance 5%)")


def test_holds_are_recorded_when_a_check_changes_or_hourly(versions, kpi):
    _, candidate = versions
    rollout = start_rollout(candidate=candidate, now=T)
    [first] = advance_rollouts(now=T + timedelta(minutes=5))
    assert first.action == "hold" and first.checks["error_rate"]["passed"] is None  # no reads yet
    assert advance_rollouts(now=T + timedelta(minutes=10)) == []  # nothing new
    _reads(candidate, T + timedelta(minutes=12))
    [judged] = advance_rollouts(now=T + timedelta(minutes=15))  # the error rate is judged now
    assert judged.checks["error_rate"]["passed"] is True
    assert advance_rollouts(now=T + timedelta(minutes=40)) == []
    assert [r.action for r in advance_rollouts(now=T + timedelta(minutes=76))] == ["hold"]  # an hour later
    assert rollout.steps.count() == 4


def test_a_second_rollout_of_the_app_is_refused_while_one_runs(versions, kpi):
    _, candidate = versions
    running = start_rollout(candidate=candidate, now=T)
    newer = _version()
    with pytest.raises(RolloutBusy, match=f"the canary rollout of v{candidate.version} is running") as refused:
        start_rollout(candidate=newer, now=T + timedelta(hours=2))
    assert refused.value.running == running
    running.refresh_from_db()
    assert running.status == "running" and list(Rollout.objects.all()) == [running]
    assert ModelVersion.objects.get(pk=newer.pk).status == "ready"
    assert canary_assignment(subject=next(iter(_on_candidate()))).version_id == candidate.pk


def test_a_version_activated_by_hand_ends_the_rollout(versions, kpi):
    active, candidate = versions
    rollout = start_rollout(candidate=candidate, now=T)
    registry.activate_model_version(version_id=candidate.pk)
    [record] = advance_rollouts(now=T + timedelta(hours=1))
    rollout.refresh_from_db()
    assert rollout.status == "completed" and record.message == f"v{candidate.version} was activated by hand"

    other = _version()
    second = start_rollout(candidate=other, now=T + timedelta(hours=2))
    registry.activate_model_version(version_id=active.pk)  # the merchant went back to the old version
    advance_rollouts(now=T + timedelta(hours=3))
    second.refresh_from_db()
    assert second.status == "rolled_back"
    assert second.reason == f"the control changed: v{active.version} active instead of v{candidate.version}"


def test_a_manual_rollback_is_recorded_once(versions):
    active, candidate = versions
    rollout = start_rollout(candidate=candidate, now=T)
    record = rollback_rollout(rollout=rollout, reason="merchant's call", now=T + timedelta(hours=1))
    assert rollout.status == "rolled_back" and record.message == "rolled back at 10%: merchant's call"
    assert rollback_rollout(rollout=rollout, reason="again") is None
    assert list(RolloutStep.objects.filter(rollout=rollout).values_list("action", flat=True)) == ["start", "rollback"]
    assert ModelVersion.objects.get(pk=active.pk).status == "active"


def test_a_rollout_needs_an_active_version_and_a_ready_candidate(db, canary):
    first = _version()
    with pytest.raises(RolloutError, match="no active version to compare with"):
        start_rollout(candidate=first)
    registry.activate_model_version(version_id=first.pk)
    with pytest.raises(RolloutError, match="not ready"):
        start_rollout(candidate=first)
    forecast = registry.register_model_version(app="forecasting", kind="demand", as_of=timezone.now())
    with pytest.raises(RolloutError, match="only recommendations can roll out by canary"):
        start_rollout(candidate=forecast)
    assert not Rollout.objects.exists() and not Experiment.objects.exists()
