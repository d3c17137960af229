"""How an app's new model versions are rolled out: the merchant's ``RolloutPolicy`` row for the app,
else the ``ROLLOUT_*`` keys of ``ELECTROSHOP``.

``immediate``: a version that passes the app's offline gate is activated at once. ``canary``: it first
serves a growing share of subjects (experiments/rollout.py). Only **recommendations** can canary: a
canary needs reads bucketed per subject (customer or browser session) and a per-subject KPI to compare
with control, and a recommendation read is exactly that. Forecasting's output is per product and is
summed into category and shop forecasts and one purchase plan: two versions serving halves of the
catalogue would mix two models in every total, and no subject's behaviour measures a forecast within
a day's window. Fraud scores orders against review and block thresholds calibrated per version:
splitting customers between two versions would apply two review rates at once, and its outcome
(chargebacks) arrives 30 to 90 days later, beyond any window. A canary policy for either is refused
by the system check ``experiments.E001`` and by the admin form.
"""
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from electroshop.conf import electroshop_settings
from electroshop.mlops.registry import KNOWN_APPS

from .ml.canary import CanaryPolicy, policy_problems
from .models import Metric, RolloutPolicy

CANARY_APPS = ("recommendations",)
NOT_CANARY_REASON = ("only recommendations can roll out by canary: its reads are bucketed per customer or session; "
                     "forecasts and fraud scores are not served per subject (see experiments/policy.py)")


@dataclass(frozen=True)
class RolloutConfig:
    app: str
    policy: str  # immediate or canary
    steps: list[float]  # percent
    window_hours: float
    max_error_rate: float
    max_p95_ms: float
    kpi_tolerance: float
    primary_metric: str
    min_reads: int

    @property
    def canary(self) -> bool:
        return self.policy == RolloutPolicy.Policy.CANARY and self.app in CANARY_APPS

    def canary_policy(self) -> CanaryPolicy:
        return CanaryPolicy(steps=tuple(step / 100 for step in self.steps), window=timedelta(hours=self.window_hours),
                            max_error_rate=self.max_error_rate, max_p95_ms=self.max_p95_ms,
                            kpi_tolerance=self.kpi_tolerance, min_reads=self.min_reads)


def settings_policy(*, app: str) -> RolloutConfig:
    """The policy ELECTROSHOP gives ``app`` (no admin row)."""
    s = electroshop_settings
    return RolloutConfig(app=app, policy=(s.ROLLOUT_POLICY or {}).get(app, RolloutPolicy.Policy.IMMEDIATE),
                         steps=list(s.ROLLOUT_CANARY_STEPS), window_hours=s.ROLLOUT_WINDOW_HOURS,
                         max_error_rate=s.ROLLOUT_MAX_ERROR_RATE, max_p95_ms=s.ROLLOUT_MAX_P95_MS,
                         kpi_tolerance=s.ROLLOUT_KPI_TOLERANCE, primary_metric=s.ROLLOUT_PRIMARY_METRIC,
                         min_reads=s.ROLLOUT_MIN_READS)


def rollout_policy(*, app: str) -> RolloutConfig:
    """The policy in force for ``app``: its admin row (empty steps: the setting's), else the settings."""
    defaults = settings_policy(app=app)
    row = RolloutPolicy.objects.filter(app=app).first()
    if row is None:
        return defaults
    return RolloutConfig(app=app, policy=row.policy, steps=list(row.steps or defaults.steps),
                         window_hours=row.window_hours, max_error_rate=row.max_error_rate,
                         max_p95_ms=row.max_p95_ms, kpi_tolerance=row.kpi_tolerance,
                         primary_metric=row.primary_metric, min_reads=defaults.min_reads)


def app_policy_problem(*, app: Any, policy: Any) -> str | None:
    """Why ``policy`` cannot apply to ``app``, or None."""
    if app not in KNOWN_APPS:
        return f"{app!r} is not an AI app; choose one of {', '.join(KNOWN_APPS)}"
    if policy not in RolloutPolicy.Policy.values:
        return f"{policy!r} is not a policy; choose immediate or canary"
    if policy == RolloutPolicy.Policy.CANARY and app not in CANARY_APPS:
        return f"{app}: {NOT_CANARY_REASON}"
    return None


def settings_problems() -> list[tuple[str, str]]:
    """(setting, problem) for every ``ROLLOUT_*`` setting that cannot work (the system checks)."""
    s = electroshop_settings
    problems = []
    if not isinstance(s.ROLLOUT_POLICY, dict):
        problems.append(("ROLLOUT_POLICY", 'a dict of app -> "immediate" or "canary"'))
    else:
        problems += [("ROLLOUT_POLICY", problem) for app, policy in sorted(s.ROLLOUT_POLICY.items())
                     if (problem := app_policy_problem(app=app, policy=policy))]
    fields = policy_problems(steps=s.ROLLOUT_CANARY_STEPS, window_hours=s.ROLLOUT_WINDOW_HOURS,
                             max_error_rate=s.ROLLOUT_MAX_ERROR_RATE, max_p95_ms=s.ROLLOUT_MAX_P95_MS,
                             kpi_tolerance=s.ROLLOUT_KPI_TOLERANCE, min_reads=s.ROLLOUT_MIN_READS)
    names = {"steps": "ROLLOUT_CANARY_STEPS", "window_hours": "ROLLOUT_WINDOW_HOURS",
             "max_error_rate": "ROLLOUT_MAX_ERROR_RATE", "max_p95_ms": "ROLLOUT_MAX_P95_MS",
             "kpi_tolerance": "ROLLOUT_KPI_TOLERANCE", "min_reads": "ROLLOUT_MIN_READS"}
    problems += [(names[field], problem) for field, problem in fields.items()]
    if "window_hours" not in fields and (problem := window_problem(window_hours=s.ROLLOUT_WINDOW_HOURS)):
        problems.append(("ROLLOUT_WINDOW_HOURS", problem))
    if s.ROLLOUT_PRIMARY_METRIC not in Metric.values:
        problems.append(("ROLLOUT_PRIMARY_METRIC", f"one of {', '.join(Metric.values)}"))
    for name in ("READ_STATS_FLUSH_SECONDS", "READ_STATS_SLOT_SECONDS", "READ_STATS_KEEP_HOURS"):
        value = getattr(s, name)
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0):
            problems.append((name, "a number above 0"))
    return problems


def window_problem(*, window_hours: float) -> str | None:
    """A step window longer than the read statistics are kept would judge a step on part of its reads."""
    keep = electroshop_settings.READ_STATS_KEEP_HOURS
    if isinstance(keep, (int, float)) and window_hours > keep:
        return f"at most READ_STATS_KEEP_HOURS ({keep} h): the read statistics of a step are kept that long"
    return None
