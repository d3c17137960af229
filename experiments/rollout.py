"""Canary rollouts of a new model version: start, advance, roll back, complete.

A rollout is a running ``Experiment`` in mode ``canary`` on placement ``all`` (every recommendation
read buckets with it, see ``selectors.canary_assignment``) with two variants: position 0
``control`` (strategy ``active``: the active version) and position 1 ``candidate`` (strategy
``version:<n>``). Their serving weights are ``1 - share`` and ``share``; with two variants the
candidate holds the top ``share`` of [0, 1), so raising its share only moves subjects from control to
the candidate, never back.

``advance_rollouts`` (run by ``update_experiments`` every few minutes) gathers each running rollout's
guardrails (the candidate's reads since its step started, from ``readstats``; its primary KPI against
control, from the experiment's results) and applies ``ml.canary.decide``: roll back (the experiment
stops, the active version keeps serving, the candidate is retired so nothing proposes it again), step
up (new serving weights), complete (the candidate is activated, the experiment stops) or hold. Every
start, step, decision and (at most hourly, or when a check's outcome changes) hold is a
``RolloutStep`` with its checks. Edits of the app's rollout policy apply to a running rollout from
its next check. A version activated by hand ends the rollout: completed if it is the candidate, else
rolled back. A new rollout of the same app supersedes (rolls back) a running one.
"""
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from electroshop.mlops.models import ModelVersion
from electroshop.mlops.services import RegistryError, activate_model_version

from .ml import canary
from .ml.canary import KpiComparison, ReadFigures, policy_problems
from .models import Experiment, Placement, Rollout, RolloutStep, Variant
from .policy import CANARY_APPS, NOT_CANARY_REASON, rollout_policy
from .readstats import read_stats
from .selectors import forget_running_experiments

logger = logging.getLogger("electroshop.experiments")

CONTROL, CANDIDATE = "control", "candidate"
# A hold whose checks come out as the last record's is recorded again only after this long, so the
# audit shows the figures' progress without a record every few minutes.
HOLD_RECORD_EVERY = timedelta(hours=1)


class RolloutError(Exception):
    """A rollout that cannot start (no active version to compare with, an app that cannot canary...)."""


def _audit(rollout: Rollout, *, action: str, share: float, message: str, at: datetime,
           checks: dict[str, Any] | None = None) -> RolloutStep:
    logger.info("rollout %s of %s v%s: %s", rollout.pk, rollout.app, rollout.candidate_version.version, message)
    return RolloutStep.objects.create(rollout=rollout, at=at, action=action, share=share, checks=checks or {},
                                      message=message)


def _stop_experiment(experiment_id: int, *, reason: str, now: datetime) -> None:
    experiment = Experiment.objects.get(pk=experiment_id)
    experiment.status, experiment.stopped_at, experiment.stop_reason = Experiment.Status.STOPPED, now, reason
    experiment.save(update_fields=["status", "stopped_at", "stop_reason"])
    transaction.on_commit(forget_running_experiments)


def _set_share(experiment_id: int, share: float) -> None:
    for variant in Variant.objects.filter(experiment_id=experiment_id):
        variant.weight = variant.serving_weight = share if variant.name == CANDIDATE else 1.0 - share
        variant.save(update_fields=["weight", "serving_weight"])
    transaction.on_commit(forget_running_experiments)


def start_rollout(*, candidate: ModelVersion, now: datetime | None = None) -> Rollout:
    """Serve ``candidate`` (a ready version) to the first step's share of subjects, the active version to
    the rest; a running rollout of the same app is rolled back as superseded."""
    now = now or timezone.now()
    if candidate.app not in CANARY_APPS:
        raise RolloutError(NOT_CANARY_REASON)
    config = rollout_policy(app=candidate.app)
    problems = policy_problems(steps=config.steps, window_hours=config.window_hours,
                               max_error_rate=config.max_error_rate, max_p95_ms=config.max_p95_ms,
                               kpi_tolerance=config.kpi_tolerance, min_reads=config.min_reads)
    if problems:
        raise RolloutError("the rollout policy cannot work: " + "; ".join(f"{k}: {v}" for k, v in problems.items()))
    with transaction.atomic():
        candidate = ModelVersion.objects.select_for_update().get(pk=candidate.pk)
        if candidate.status != ModelVersion.Status.READY:
            raise RolloutError(f"{candidate} cannot roll out: it is {candidate.status}, not ready")
        control = ModelVersion.objects.filter(app=candidate.app, kind=candidate.kind,
                                              status=ModelVersion.Status.ACTIVE).first()
        if control is None:
            raise RolloutError(f"{candidate.app}.{candidate.kind} has no active version to compare with")
        for running in Rollout.objects.filter(app=candidate.app, status=Rollout.Status.RUNNING):
            rollback_rollout(rollout=running, reason=f"superseded by v{candidate.version}", now=now)
        share = config.steps[0] / 100
        experiment = Experiment.objects.create(
            name=f"Canary {candidate.app} v{candidate.version}", placement=Placement.ALL,
            mode=Experiment.Mode.CANARY, primary_metric=config.primary_metric, status=Experiment.Status.RUNNING,
            created_at=now, started_at=now)
        Variant.objects.create(experiment=experiment, name=CONTROL, position=0, weight=1.0 - share,
                               serving_weight=1.0 - share, strategy="active")
        Variant.objects.create(experiment=experiment, name=CANDIDATE, position=1, weight=share,
                               serving_weight=share, strategy=f"version:{candidate.version}")
        rollout = Rollout.objects.create(app=candidate.app, kind=candidate.kind, candidate_version=candidate,
                                         control_version=control, candidate_number=candidate.version,
                                         control_number=control.version, experiment=experiment, step=0, share=share,
                                         started_at=now, step_started_at=now)
        steps = ", ".join(f"{step:g}%" for step in config.steps)
        _audit(rollout, action=RolloutStep.Action.START, share=share, at=now,
               message=f"v{candidate.version} serves {share:.0%} of subjects, v{control.version} the rest; "
                       f"steps {steps}, {config.window_hours:g} h each")
        transaction.on_commit(forget_running_experiments)
    return rollout


def rollback_rollout(*, rollout: Rollout, reason: str, now: datetime | None = None,
                     checks: dict[str, Any] | None = None) -> RolloutStep | None:
    """Stop serving the candidate (the active version serves everyone), retire it and record why.
    None when the rollout is no longer running."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().select_related("candidate_version").get(pk=rollout.pk)
        if locked.status != Rollout.Status.RUNNING:
            return None
        _stop_experiment(locked.experiment_id, reason=f"rolled back: {reason}", now=now)
        share = locked.share
        locked.status, locked.share, locked.ended_at, locked.reason = Rollout.Status.ROLLED_BACK, 0.0, now, reason
        locked.save(update_fields=["status", "share", "ended_at", "reason"])
        candidate = ModelVersion.objects.select_for_update().get(pk=locked.candidate_version_id)
        if candidate.status == ModelVersion.Status.READY:  # retired: no rollout or rollback proposes it again
            candidate.status, candidate.retired_at = ModelVersion.Status.RETIRED, now
            candidate.notes = "\n".join(filter(None, [candidate.notes, f"canary rolled back: {reason}"]))
            candidate.save(update_fields=["status", "retired_at", "notes"])
        record = _audit(locked, action=RolloutStep.Action.ROLLBACK, share=0.0, at=now, checks=checks,
                        message=f"rolled back at {share:.0%}: {reason}")
    rollout.refresh_from_db()
    return record


def _complete(rollout: Rollout, *, message: str, now: datetime, checks: dict[str, Any]) -> RolloutStep | None:
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().select_related("candidate_version").get(pk=rollout.pk)
        if locked.status != Rollout.Status.RUNNING:
            return None
        try:
            activate_model_version(version_id=locked.candidate_version_id)
        except RegistryError as exc:
            return rollback_rollout(rollout=locked, reason=f"could not activate: {exc}", now=now, checks=checks)
        _stop_experiment(locked.experiment_id, reason=f"completed: v{locked.candidate_version.version} active",
                         now=now)
        locked.status, locked.share, locked.ended_at, locked.reason = Rollout.Status.COMPLETED, 1.0, now, message
        locked.save(update_fields=["status", "share", "ended_at", "reason"])
        return _audit(locked, action=RolloutStep.Action.COMPLETE, share=1.0, at=now, checks=checks, message=message)


def _step_up(rollout: Rollout, *, decision: canary.CanaryDecision, now: datetime,
             checks: dict[str, Any]) -> RolloutStep | None:
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().select_related("candidate_version").get(pk=rollout.pk)
        if locked.status != Rollout.Status.RUNNING or locked.step_started_at != rollout.step_started_at:
            return None  # another run moved it meanwhile
        locked.step, locked.share, locked.step_started_at = decision.step, decision.share, now
        locked.save(update_fields=["step", "share", "step_started_at"])
        _set_share(locked.experiment_id, decision.share)
        return _audit(locked, action=RolloutStep.Action.STEP, share=decision.share, at=now, checks=checks,
                      message=decision.message)


def _hold(rollout: Rollout, *, decision: canary.CanaryDecision, now: datetime,
          checks: dict[str, Any]) -> RolloutStep | None:
    last = rollout.steps.order_by("-at", "-pk").first()
    outcome = {name: check.get("passed") for name, check in checks.items()}
    if (last is not None and now - last.at < HOLD_RECORD_EVERY
            and {name: check.get("passed") for name, check in last.checks.items()} == outcome):
        return None
    return _audit(rollout, action=RolloutStep.Action.HOLD, share=rollout.share, at=now, checks=checks,
                  message=decision.message)


def candidate_reads(*, rollout: Rollout, now: datetime) -> ReadFigures:
    """The candidate's reads since its step started (every process's, as flushed to the cache)."""
    stats = read_stats(version=rollout.candidate_version.version, since=rollout.step_started_at, until=now,
                       app=rollout.app)
    return ReadFigures(reads=stats.reads, errors=stats.errors, p95_ms=stats.p95_ms)


def kpi_comparison(*, experiment: Experiment) -> KpiComparison | None:
    """The candidate against control on the experiment's primary metric (its results' ``lift``,
    ``lift_ci`` and sequential ``decision``); None before the results compare them."""
    from .results import compute_results

    results = compute_results(experiment=experiment)
    entry = next((v for v in results.get("variants", ()) if v.get("name") == CANDIDATE), None)
    if entry is None or entry.get("lift") is None:
        return None
    interval = entry.get("lift_ci")
    return KpiComparison(metric=experiment.primary_metric, lift=float(entry["lift"]),
                         lift_ci=(float(interval[0]), float(interval[1])) if interval else None,
                         decision=entry.get("decision") or "need_more_data")


def _advance(rollout: Rollout, *, now: datetime) -> RolloutStep | None:
    active = ModelVersion.objects.filter(app=rollout.app, kind=rollout.kind, status=ModelVersion.Status.ACTIVE).first()
    if active is None or active.pk != rollout.control_version_id:
        if active is not None and active.pk == rollout.candidate_version_id:
            return _complete(rollout, now=now, checks={}, message=f"v{active.version} was activated by hand")
        reason = f"the control changed: {f'v{active.version}' if active else 'no version'} active"
        if rollout.control_version is not None:
            reason += f" instead of v{rollout.control_version.version}"
        return rollback_rollout(rollout=rollout, reason=reason, now=now)
    policy = rollout_policy(app=rollout.app).canary_policy()
    reads = candidate_reads(rollout=rollout, now=now)
    kpi = kpi_comparison(experiment=rollout.experiment) if rollout.share < 1.0 else None
    decision = canary.decide(policy=policy, share=rollout.share, step_started_at=rollout.step_started_at, now=now,
                             reads=reads, kpi=kpi)
    checks = decision.checks_dict()
    if decision.action == canary.ROLLBACK:
        return rollback_rollout(rollout=rollout, reason="; ".join(decision.reasons), now=now, checks=checks)
    if decision.action == canary.COMPLETE:
        return _complete(rollout, message=decision.message, now=now, checks=checks)
    if decision.action == canary.STEP:
        return _step_up(rollout, decision=decision, now=now, checks=checks)
    return _hold(rollout, decision=decision, now=now, checks=checks)


def advance_rollouts(*, now: datetime | None = None) -> list[RolloutStep]:
    """Check every running rollout once and act on it; the audit records written."""
    now = now or timezone.now()
    records = []
    running = Rollout.objects.filter(status=Rollout.Status.RUNNING).select_related(
        "candidate_version", "control_version", "experiment").order_by("started_at", "pk")
    for rollout in running:
        record = _advance(rollout, now=now)
        if record is not None:
            records.append(record)
    return records
