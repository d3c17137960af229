"""The canary's decision, pure: step timing, every guardrail breach, a healthy walk to 100%."""
from datetime import datetime, timedelta, timezone

import pytest

from experiments.ml.canary import (
    COMPLETE, HOLD, ROLLBACK, STEP, CanaryPolicy, KpiComparison, ReadFigures, decide, policy_problems,
)

START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
DAY = timedelta(hours=24)
POLICY = CanaryPolicy(steps=(0.1, 0.25, 0.5, 0.75, 1.0), window=DAY, max_error_rate=0.01, max_p95_ms=250.0,
                      kpi_tolerance=0.05, min_reads=500)
HEALTHY = ReadFigures(reads=2000, errors=3, p95_ms=40.0)
SAME = KpiComparison(metric="ctr", lift=0.01, lift_ci=(-0.04, 0.06), decision="no_difference")


def at(share=0.1, *, after=timedelta(hours=1), reads=HEALTHY, kpi=SAME, policy=POLICY):
    return decide(policy=policy, share=share, step_started_at=START, now=START + after, reads=reads, kpi=kpi)


def test_a_healthy_step_holds_until_its_window_has_elapsed_then_steps_up():
    early = at(after=DAY - timedelta(seconds=1))
    assert (early.action, early.share, early.step) == (HOLD, 0.1, 0)
    assert early.message == "10% until 2026-03-03 08:00 UTC"
    assert all(check.passed for check in early.checks) and early.reasons == []
    up = at(after=DAY)
    assert (up.action, up.share, up.step) == (STEP, 0.25, 1)
    assert up.message == "healthy at 10% for a full window: 25% of subjects now"


def test_a_healthy_canary_steps_through_every_share_to_100_and_completes():
    share, path = 0.1, [0.1]
    for _ in range(10):
        decision = at(share, after=DAY)
        if decision.action == COMPLETE:
            break
        assert decision.action == STEP
        share = decision.share
        path.append(share)
    assert path == [0.1, 0.25, 0.5, 0.75, 1.0]
    assert decision.action == COMPLETE and decision.share == 1.0
    assert decision.message == "healthy at 100% for a full window: activated"
    assert at(1.0, after=DAY - timedelta(minutes=1)).action == HOLD  # the last step serves its window too


@pytest.mark.parametrize("reads, check, reason", [
    (ReadFigures(reads=1000, errors=11, p95_ms=40.0), "error_rate", "error rate 1.10% of 1000 reads above 1.00%"),
    (ReadFigures(reads=1000, errors=0, p95_ms=251.0), "p95_ms", "p95 latency 251 ms above 250 ms"),
])
def test_an_error_or_latency_breach_rolls_back_at_once_with_its_reason(reads, check, reason):
    decision = at(after=timedelta(minutes=5), reads=reads)  # long before the window ends
    assert decision.action == ROLLBACK and decision.share == 0.0
    assert decision.reasons == [reason]
    assert decision.checks_dict()[check]["passed"] is False


def test_error_rate_and_latency_are_judged_only_from_the_minimum_number_of_reads():
    few = ReadFigures(reads=499, errors=100, p95_ms=900.0)
    decision = at(after=timedelta(hours=2), reads=few)
    assert decision.action == HOLD
    checks = decision.checks_dict()
    assert checks["error_rate"]["passed"] is None and checks["p95_ms"]["passed"] is None
    assert checks["error_rate"]["note"] == "error rate not judged: 499 of 500 reads needed"
    # a window without enough evidence does not count as healthy: the step waits for the reads
    waiting = at(after=DAY * 2, reads=ReadFigures(reads=120, errors=0, p95_ms=30.0))
    assert (waiting.action, waiting.share) == (HOLD, 0.1)
    assert waiting.message == "10%, window over: waiting for 380 more candidate reads"
    assert at(after=timedelta(hours=2), reads=ReadFigures(reads=500, errors=100, p95_ms=30.0)).action == ROLLBACK


def test_a_kpi_breach_is_a_sequential_worse_beyond_the_tolerance():
    worse = KpiComparison(metric="ctr", lift=-0.12, lift_ci=(-0.2, -0.04), decision="worse")
    decision = at(after=timedelta(hours=3), kpi=worse)
    assert decision.action == ROLLBACK
    assert decision.reasons == ["ctr lift -12.0% (95% CI -20.0% to -4.0%): significantly worse than control "
                                "beyond the tolerance (tolerance 5%)"]
    # significantly worse, but by less than the tolerance: no breach
    slightly = KpiComparison(metric="ctr", lift=-0.03, lift_ci=(-0.05, -0.01), decision="worse")
    assert at(after=timedelta(hours=3), kpi=slightly).action == HOLD
    # far below, but the always-valid test has not concluded (a fixed-horizon interval alone never rolls back)
    for undecided in ("need_more_data", "no_difference"):
        kpi = KpiComparison(metric="ctr", lift=-0.3, lift_ci=(-0.5, -0.1), decision=undecided)
        assert at(after=timedelta(hours=3), kpi=kpi).action == HOLD
    # no comparison yet: not judged
    assert at(after=DAY, kpi=None).checks_dict()["kpi"]["passed"] is None
    # at 100% nobody is on control: the KPI is not judged, error and latency still are
    full = at(1.0, after=DAY, kpi=worse)
    assert full.action == COMPLETE and full.checks_dict()["kpi"]["passed"] is None


def test_several_breaches_are_all_reasons():
    reads = ReadFigures(reads=800, errors=80, p95_ms=600.0)
    kpi = KpiComparison(metric="conversion", lift=-0.25, lift_ci=None, decision="worse")
    decision = at(0.5, after=timedelta(hours=30), reads=reads, kpi=kpi)
    assert decision.action == ROLLBACK and len(decision.reasons) == 3
    assert decision.message.startswith("rolled back: error rate 10.00% of 800 reads above 1.00%; p95 latency 600 ms")


def test_a_policy_edited_mid_rollout_goes_on_from_the_current_share():
    policy = CanaryPolicy(steps=(0.2, 0.6, 1.0), window=timedelta(hours=6), max_error_rate=0.02, max_p95_ms=300.0,
                          kpi_tolerance=0.05, min_reads=10)
    decision = at(0.25, after=timedelta(hours=6), policy=policy)  # 25% is not one of its steps
    assert (decision.action, decision.share, decision.step) == (STEP, 0.6, 1)
    assert at(0.25, after=timedelta(hours=5), policy=policy).step == 0


def test_policy_problems_name_each_field():
    good = dict(steps=[10, 25, 50, 75, 100], window_hours=24, max_error_rate=0.01, max_p95_ms=250,
                kpi_tolerance=0.05, min_reads=500)
    assert policy_problems(**good) == {}
    assert policy_problems(**{**good, "steps": [100]}) == {}
    assert set(policy_problems(**{**good, "steps": [10, 50]})) == {"steps"}  # must end at 100
    assert set(policy_problems(**{**good, "steps": [50, 25, 100]})) == {"steps"}
    assert set(policy_problems(**{**good, "steps": "10,100"})) == {"steps"}
    bad = policy_problems(steps=[0, 100], window_hours=0, max_error_rate=1.5, max_p95_ms=-1, kpi_tolerance="x",
                          min_reads=2.5)
    assert set(bad) == {"steps", "window_hours", "max_error_rate", "max_p95_ms", "kpi_tolerance", "min_reads"}


def test_two_variant_bucketing_only_ever_moves_subjects_to_the_candidate():
    from experiments.bucketing import pick, position_in_unit

    positions = [position_in_unit("canary-salt", f"session:{i}") for i in range(20000)]
    previous: set[int] = set()
    for share in POLICY.steps:
        on_candidate = {i for i, u in enumerate(positions) if pick([1.0 - share, share], u) == 1}
        assert previous <= on_candidate
        assert abs(len(on_candidate) / len(positions) - share) < 0.01
        previous = on_candidate
    assert len(previous) == len(positions)  # 100%: everyone
