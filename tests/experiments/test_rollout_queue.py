"""One canary rollout at a time: versions trained during a rollout wait for it, the newest rolls out next;
rollouts outlive their pruned versions.

The versions come from the recommendations' real finaliser (``finalize_recommendations``: offline gate,
rollout start or wait, pruning), fed versions whose validation figure the test sets instead of training
them. The KPI comparison is replaced; the reads come from the real read statistics in the cache.
"""
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion, TrainingRun
from experiments import readstats
from experiments import rollout as rollouts
from experiments.ml.canary import KpiComparison
from experiments.models import Activity, Experiment, Rollout
from experiments.results import refresh_results
from experiments.rollout import advance_rollouts, rollback_rollout
from recommendations.services import SERVED_METRIC, finalize_recommendations

DAY = timedelta(hours=24)
SAME = KpiComparison(metric="ctr", lift=0.004, lift_ci=(-0.03, 0.04), decision="no_difference")


@pytest.fixture
def canary(db, settings, monkeypatch):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {"recommendations": "canary"},
                            "ROLLOUT_MIN_READS": 20, "READ_STATS_SLOT_SECONDS": 60}
    monkeypatch.setattr(rollouts, "kpi_comparison", lambda *, experiment: SAME)


def _retrain(ndcg: float = 0.30) -> ModelVersion:
    """A nightly retrain from the finaliser on: the version's held-out NDCG@10 is ``ndcg``."""
    run = registry.start_training_run(app="recommendations", kind="hybrid", as_of=None, triggered_by="schedule")
    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now(),
                                              run_id=run.pk)
    ModelVersion.objects.filter(pk=version.pk).update(metrics={SERVED_METRIC: ndcg})
    finalize_recommendations(run_id=run.pk)
    return ModelVersion.objects.get(pk=version.pk)


def _reads(number: int, at, reads: int = 40) -> None:
    for _ in range(reads):
        readstats.record_read(version=number, latency_ms=10.0, failed=False, at=at.timestamp())
    readstats.flush()


def _activation(version: ModelVersion) -> dict:
    return ModelVersion.objects.get(pk=version.pk).metrics["activation"]


def test_versions_trained_during_a_canary_wait_and_the_newest_rolls_out_when_it_completes(canary):
    first = _retrain()
    assert first.status == "active"
    candidate = _retrain()
    rollout = Rollout.objects.get(status="running")
    assert rollout.candidate_version == candidate
    start = rollout.started_at
    nightly = []
    for day in range(1, 6):  # the default policy: five 24-hour steps, a retrain every night
        _reads(candidate.version, start + (day - 1) * DAY + timedelta(hours=1))
        version = _retrain()
        nightly.append(version)
        activation = version.metrics["activation"]
        assert version.status == "ready" and activation["activate"] is False and activation["passed_gate"] is True
        assert activation["waiting_for_rollout"] == rollout.pk
        assert activation["message"].startswith(f"v{version.version} waits for the running canary rollout of "
                                                f"v{candidate.version}")
        assert "waits for the running canary rollout" in TrainingRun.objects.get(model_version=version).log
        assert list(Rollout.objects.filter(status="running")) == [rollout]  # not superseded
        records = advance_rollouts(now=start + day * DAY + timedelta(minutes=1))

    rollout.refresh_from_db()
    assert rollout.status == "completed" and rollout.candidate_version == candidate
    assert [s.action for s in rollout.steps.all()] == ["start", "step", "step", "step", "step", "complete"]
    assert ModelVersion.objects.get(pk=candidate.pk).status == "active"
    # the newest version trained meanwhile rolls out next, against the version that just became active
    newest = nightly[-1]
    following = Rollout.objects.get(status="running")
    assert (following.candidate_version, following.control_version) == (newest, candidate)
    assert (following.candidate_number, following.control_number) == (newest.version, candidate.version)
    assert following.started_at == start + 5 * DAY + timedelta(minutes=1)
    assert [(r.rollout_id, r.action) for r in records] == [(rollout.pk, "complete"), (following.pk, "start")]
    activation = _activation(newest)
    assert activation["rollout_id"] == following.pk and activation["waiting_for_rollout"] is None
    assert activation["message"] == (
        f"canary rollout of v{newest.version} started at 10% of subjects (v{candidate.version} serves the rest) "
        f"when the rollout of v{candidate.version} completed; its offline gate compared it with v{first.version}, "
        f"not again with v{candidate.version}")
    # pruning (3 kept besides the active version) spared the running candidate and took the oldest waiting
    # ones; the others stay ready, passed over
    assert not ModelVersion.objects.filter(pk__in=[v.pk for v in nightly[:2]]).exists()
    for version in nightly[2:4]:
        assert ModelVersion.objects.get(pk=version.pk).status == "ready"
        assert _activation(version)["message"] == (f"not rolled out: v{newest.version}, trained later, rolled out "
                                                   f"when the rollout of v{candidate.version} completed")


def test_after_a_rollback_the_newest_version_that_passed_the_gate_rolls_out(canary):
    first = _retrain()
    candidate = _retrain()
    rollout = Rollout.objects.get(status="running")
    passed = _retrain()
    failed = _retrain(ndcg=0.10)  # below the active version's beyond the tolerance: kept out
    assert _activation(failed)["passed_gate"] is False and "waiting_for_rollout" not in _activation(failed)
    assert _activation(failed)["message"].startswith(f"kept v{first.version} active")

    rollback_rollout(rollout=rollout, reason="merchant's call")
    rollout.refresh_from_db()
    assert rollout.status == "rolled_back"
    following = Rollout.objects.get(status="running")
    assert (following.candidate_version, following.control_version) == (passed, first)
    assert "when the rollout of v{} was rolled back".format(candidate.version) in _activation(passed)["message"]
    assert ModelVersion.objects.get(pk=failed.pk).status == "ready"


def test_nothing_rolls_out_after_a_rollout_once_the_policy_is_immediate(canary, settings):
    _retrain()
    _retrain()
    rollout = Rollout.objects.get(status="running")
    waiting = _retrain()
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {}}
    rollback_rollout(rollout=rollout, reason="merchant's call")
    assert not Rollout.objects.filter(status="running").exists()
    assert ModelVersion.objects.get(pk=waiting.pk).status == "ready"


def test_a_pruned_candidate_leaves_its_rollout_and_audit_and_the_admin_pages_render(canary, settings, admin_client):
    first = _retrain()
    candidate = _retrain()
    rollout = Rollout.objects.get(status="running")
    rollback_rollout(rollout=rollout, reason="merchant's call")
    assert ModelVersion.objects.get(pk=candidate.pk).status == "retired"
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ROLLOUT_POLICY": {}}
    for _ in range(4):  # newer versions, each activated at once: pruning (3 kept) deletes the two oldest
        _retrain()
    assert not ModelVersion.objects.filter(pk__in=[first.pk, candidate.pk]).exists()

    rollout.refresh_from_db()
    assert rollout.candidate_version is None and rollout.candidate_number == candidate.version
    assert [s.action for s in rollout.steps.all()] == ["start", "rollback"]
    listing = admin_client.get("/admin/experiments/rollout/").content.decode()
    assert f"recommendations v{candidate.version}" in listing
    assert f"recommendations.hybrid.v{candidate.version} (deleted)" in listing
    page = admin_client.get(f"/admin/experiments/rollout/{rollout.pk}/change/")
    assert page.status_code == 200
    assert "rolled back at 10%: merchant&#x27;s call" in page.content.decode()


def test_a_running_rollout_whose_candidate_is_deleted_is_rolled_back(canary):
    _retrain()
    candidate = _retrain()
    rollout = Rollout.objects.get(status="running")
    assert registry.prune_model_versions(app="recommendations", kind="hybrid", keep=0) == []  # pruning spares it
    registry.delete_model_version(version_id=candidate.pk)  # by hand
    [record] = advance_rollouts(now=rollout.started_at + timedelta(hours=1))
    rollout.refresh_from_db()
    assert rollout.status == "rolled_back" and rollout.candidate_version is None
    assert rollout.reason == f"v{candidate.version} was deleted while it rolled out"
    assert record.message == f"rolled back at 10%: v{candidate.version} was deleted while it rolled out"
    assert Experiment.objects.get(pk=rollout.experiment_id).status == "stopped"


def test_the_rollout_page_shows_the_step_reads_and_the_canary_results(canary, admin_client):
    _retrain()
    candidate = _retrain()
    rollout = Rollout.objects.get(status="running")
    url = f"/admin/experiments/rollout/{rollout.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "Waiting for reads: 0 of the 20 reads the guardrails need" in page
    assert "not computed yet" in page
    assert f"/admin/experiments/experiment/{rollout.experiment_id}/" not in page  # excluded from that admin

    _reads(candidate.version, timezone.now())
    rows = [Activity(day=date.today(), placement="customer", strategy="personalized", variant=variant,
                     model_version=number, experiment_id=rollout.experiment_id, subject=f"customer:{variant}{k}",
                     impressions=20, clicks=clicks + k % 3)
            for variant, number, clicks in (("control", rollout.control_number, 0),
                                            ("candidate", candidate.version, 1)) for k in range(30)]
    Activity.objects.bulk_create(rows)
    refresh_results(experiment=rollout.experiment)
    page = admin_client.get(url).content.decode()
    assert "Waiting for reads" not in page and "40 of the 20 reads the guardrails need" in page
    assert "<td>control</td><td>30</td><td>600</td><td>30</td><td>5.00%</td><td>control</td><td></td><td></td>" in page
    candidate_row = re.search(r"<td>candidate</td><td>30</td><td>600</td><td>60</td><td>10.00%</td>"
                              r"<td>100.00%</td><td>(-?[0-9.]+%) to ([0-9.]+%)</td><td>([a-z_]+)</td>", page)
    assert candidate_row is not None and candidate_row.group(3) in ("better", "need_more_data")
    assert "Primary metric ctr, computed " in page
