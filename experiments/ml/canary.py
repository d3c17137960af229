"""The canary's decision, pure: given the policy, where the rollout stands and the guardrail figures,
roll back, step up, complete or hold.

Checked at every call (``update_experiments`` runs every few minutes), so a breach rolls back at once,
not at the end of a window:

* **error rate** of the candidate's reads since its step started ``<= max_error_rate``;
* **p95 latency** of those reads ``<= max_p95_ms``;
  both judged once the candidate has ``min_reads`` reads in the step (before that: not judged);
* **primary KPI**: a breach is the sequential test's decision ``"worse"`` for the candidate *and* its
  point lift over control below ``-kpi_tolerance`` (lift relative to control: -0.05 = 5% below). Only
  the always-valid decision is used to roll back, because the check looks every few minutes: a
  fixed-horizon interval looked at that often would roll back healthy candidates far more often than
  its 5%. The tolerance keeps a significant but negligible drop (much traffic) from rolling back. At
  100% no subject is on control any more, so the KPI is not judged there.

Without a breach the rollout holds until its step's window has elapsed, and until the candidate has
``min_reads`` reads in the step (a window without evidence does not count as healthy). Then it steps
up to the next share; at the last step (100%) the window is a full-load test of error rate and latency,
after which the candidate **completes**: it becomes the active version.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

ROLLBACK, STEP, COMPLETE, HOLD = "rollback", "step", "complete", "hold"
_EPSILON = 1e-9  # shares are floats: 0.25 read back from the database is 0.25 within this


@dataclass(frozen=True)
class CanaryPolicy:
    steps: tuple[float, ...]  # the candidate's shares (0..1], increasing, the last 1.0
    window: timedelta
    max_error_rate: float
    max_p95_ms: float
    kpi_tolerance: float
    min_reads: int


@dataclass(frozen=True)
class ReadFigures:
    """The candidate's reads since its step started."""

    reads: int
    errors: int
    p95_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.reads if self.reads else 0.0


@dataclass(frozen=True)
class KpiComparison:
    """The candidate against control on the primary metric (the experiment's results)."""

    metric: str
    lift: float | None  # relative: 0.1 = 10% above control
    lift_ci: tuple[float, float] | None
    decision: str  # better, worse, no_difference or need_more_data


@dataclass(frozen=True)
class Check:
    name: str
    value: float | None
    limit: float | None
    passed: bool | None  # None: not judged (too few reads, no comparison)
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "limit": self.limit, "passed": self.passed, "note": self.note}


@dataclass(frozen=True)
class CanaryDecision:
    action: str  # rollback, step, complete or hold
    step: int  # the step index after the decision
    share: float  # the candidate's share after the decision
    message: str
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def reasons(self) -> list[str]:
        return [check.note for check in self.checks if check.passed is False]

    def checks_dict(self) -> dict[str, dict[str, Any]]:
        return {check.name: check.as_dict() for check in self.checks}


def guardrail_checks(*, policy: CanaryPolicy, share: float, reads: ReadFigures,
                     kpi: KpiComparison | None) -> tuple[Check, ...]:
    enough = reads.reads >= policy.min_reads
    waiting = f"{reads.reads} of {policy.min_reads} reads needed"
    if enough:
        rate_ok = reads.error_rate <= policy.max_error_rate
        error = Check("error_rate", reads.error_rate, policy.max_error_rate, rate_ok,
                      f"error rate {reads.error_rate:.2%} of {reads.reads} reads "
                      f"{'within' if rate_ok else 'above'} {policy.max_error_rate:.2%}")
    else:
        error = Check("error_rate", reads.error_rate if reads.reads else None, policy.max_error_rate, None,
                      f"error rate not judged: {waiting}")
    if enough and reads.p95_ms is not None:
        p95_ok = reads.p95_ms <= policy.max_p95_ms
        latency = Check("p95_ms", reads.p95_ms, policy.max_p95_ms, p95_ok,
                        f"p95 latency {reads.p95_ms:.0f} ms {'within' if p95_ok else 'above'} "
                        f"{policy.max_p95_ms:.0f} ms")
    else:
        latency = Check("p95_ms", reads.p95_ms, policy.max_p95_ms, None, f"p95 latency not judged: {waiting}")
    return error, latency, _kpi_check(policy=policy, share=share, kpi=kpi)


def _kpi_check(*, policy: CanaryPolicy, share: float, kpi: KpiComparison | None) -> Check:
    floor = -policy.kpi_tolerance
    if share >= 1.0 - _EPSILON:
        return Check("kpi", None, floor, None, "primary KPI not judged at 100%: no subject on control")
    if kpi is None or kpi.lift is None:
        return Check("kpi", None, floor, None, "primary KPI not judged: no comparison with control yet")
    interval = f" (95% CI {kpi.lift_ci[0]:+.1%} to {kpi.lift_ci[1]:+.1%})" if kpi.lift_ci else ""
    worse = kpi.decision == "worse" and kpi.lift < floor
    verdict = "significantly worse than control beyond the tolerance" if worse else kpi.decision.replace("_", " ")
    return Check("kpi", kpi.lift, floor, not worse,
                 f"{kpi.metric} lift {kpi.lift:+.1%}{interval}: {verdict} (tolerance {policy.kpi_tolerance:.0%})")


def decide(*, policy: CanaryPolicy, share: float, step_started_at: datetime, now: datetime, reads: ReadFigures,
           kpi: KpiComparison | None) -> CanaryDecision:
    """What a rollout serving ``share`` since ``step_started_at`` does now (see the module docstring).
    The next step is the policy's first share above ``share``, so a policy edited mid-rollout goes on
    from where the rollout stands."""
    checks = guardrail_checks(policy=policy, share=share, reads=reads, kpi=kpi)
    step = _index(policy, share)
    failed = [check.note for check in checks if check.passed is False]
    if failed:
        return CanaryDecision(ROLLBACK, step, 0.0, "rolled back: " + "; ".join(failed), checks)
    window_ends = step_started_at + policy.window
    if now < window_ends:
        return CanaryDecision(HOLD, step, share, f"{share:.0%} until {window_ends:%Y-%m-%d %H:%M} UTC", checks)
    if reads.reads < policy.min_reads:
        return CanaryDecision(HOLD, step, share, f"{share:.0%}, window over: waiting for "
                                                 f"{policy.min_reads - reads.reads} more candidate reads", checks)
    following = next((s for s in policy.steps if s > share + _EPSILON), None)
    if following is None:
        return CanaryDecision(COMPLETE, step, share, f"healthy at {share:.0%} for a full window: activated", checks)
    return CanaryDecision(STEP, _index(policy, following), following,
                          f"healthy at {share:.0%} for a full window: {following:.0%} of subjects now", checks)


def _index(policy: CanaryPolicy, share: float) -> int:
    """The policy step ``share`` stands at: the last one not above it (0 below the first)."""
    return max([i for i, s in enumerate(policy.steps) if s <= share + _EPSILON] or [0])


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def policy_problems(*, steps: Any, window_hours: Any, max_error_rate: Any, max_p95_ms: Any, kpi_tolerance: Any,
                    min_reads: Any) -> dict[str, str]:
    """What is wrong with a canary policy, by field (empty: nothing). Steps are percentages."""
    problems = {}
    if not isinstance(steps, list) or not steps or not all(_number(s) and 0 < s <= 100 for s in steps):
        problems["steps"] = "a list of percentages between 0 (excluded) and 100, e.g. [10, 25, 50, 75, 100]"
    elif any(b <= a for a, b in zip(steps, steps[1:])) or steps[-1] != 100:
        problems["steps"] = "percentages must increase and end at 100"
    if not (_number(window_hours) and window_hours > 0):
        problems["window_hours"] = "hours above 0"
    if not (_number(max_error_rate) and 0 <= max_error_rate < 1):
        problems["max_error_rate"] = "a share between 0 and 1, e.g. 0.01"
    if not (_number(max_p95_ms) and max_p95_ms > 0):
        problems["max_p95_ms"] = "milliseconds above 0"
    if not (_number(kpi_tolerance) and 0 <= kpi_tolerance < 1):
        problems["kpi_tolerance"] = "a relative drop between 0 and 1, e.g. 0.05"
    if not (isinstance(min_reads, int) and not isinstance(min_reads, bool) and min_reads >= 0):
        problems["min_reads"] = "a whole number of reads, 0 or more"
    return problems
