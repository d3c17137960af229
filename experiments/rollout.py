"""Canary rollouts of a new model version: start, advance, roll back, complete, and the next one.

A rollout is a running ``Experiment`` in mode ``canary`` on placement ``all`` (recommendation reads
bucket with it, see ``selectors.canary_assignment``) with two variants: position 0 ``control``
(strategy ``active``: the active version) and position 1 ``candidate`` (strategy ``version:<n>``).
Their serving weights are ``1 - share`` and ``share``; with two variants the candidate holds the top
``share`` of [0, 1), so raising its share only moves subjects from control to the candidate, never
back. The canary applies to every placement but ``session``: an anonymous session's lists are built
live from the active model only (``recommendations/live.py``), so a candidate would serve its trending
fallback there and be judged on it (``recommendations/variants.py``). A customer on the candidate
reads the candidate's trained list: re-blending a list after an event works for the active version
only.

``advance_rollouts`` (run by ``update_experiments`` every few minutes) gathers each running rollout's
guardrails (the candidate's reads since its step started, from ``readstats``; its primary KPI against
control, from the experiment's results) and applies ``ml.canary.decide``: roll back (the experiment
stops, the active version keeps serving, the candidate is retired so nothing proposes it again), step
up (new serving weights), complete (the candidate is activated, the experiment stops) or hold. Every
start, step, decision and (at most hourly, or when a check's outcome changes) hold is a
``RolloutStep`` with its checks. Edits of the app's rollout policy apply to a running rollout from
its next check. A version activated by hand ends the rollout: completed if it is the candidate, else
rolled back.

One rollout per app runs at a time: ``start_rollout`` refuses a second one (``RolloutBusy``), and the
app's finaliser leaves a version that passed its offline gate meanwhile ready, waiting. When a rollout
ends (completed, or rolled back by a guardrail, by hand or because its control changed), the newest
waiting version starts the next one (``start_next_rollout``): a ready version of the app, never
active, numbered above the ended rollout's candidate and the active version, whose gate verdict the
app stored as ``metrics["activation"]["passed_gate"]``. That verdict compared it with the version
active when it was trained; it is not compared again with the new control (the canary's KPI
guardrail compares them on live traffic). Older waiting versions stay ready for pruning. Nothing
starts when the app's policy is no longer canary.

A rollout keeps its versions' numbers (``candidate_number``, ``control_number``) for its audit: a
version row may be deleted (pruning spares a running rollout's candidate, see ``versions_in_use``,
but not a finished one's), and a running rollout whose candidate is gone is rolled back.
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
ENDED = (RolloutStep.Action.ROLLBACK, RolloutStep.Action.COMPLETE)


class RolloutError(Exception):
    """A rollout that cannot start (no active version to compare with, an app that cannot canary...)."""


class RolloutBusy(RolloutError):
    """A rollout of the app is running: a new version waits for it to end."""

    def __init__(self, running: Rollout):
        super().__init__(f"the canary rollout of v{running.candidate_number} is running")
        self.running = running


def _audit(rollout: Rollout, *, action: str, share: float, message: str, at: datetime,
           checks: dict[str, Any] | None = None) -> RolloutStep:
    logger.info("rollout %s of %s v%s: %s", rollout.pk, rollout.app, rollout.candidate_number, message)
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


def versions_in_use(app: str, kind: str) -> list[int]:
    """The candidates of the app's running rollouts: pruning keeps them (``mlops.registry.register_prune_guard``)."""
    return [pk for pk in Rollout.objects.filter(app=app, kind=kind, status=Rollout.Status.RUNNING)
            .values_list("candidate_version_id", flat=True) if pk is not None]


def start_rollout(*, candidate: ModelVersion, now: datetime | None = None) -> Rollout:
    """Serve ``candidate`` (a ready version) to the first step's share of subjects, the active version to
    the rest. ``RolloutBusy`` while a rollout of the app runs."""
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
        # Locking the active version serialises the app's starts: the check below sees any other start.
        control = ModelVersion.objects.select_for_update().filter(
            app=candidate.app, kind=candidate.kind, status=ModelVersion.Status.ACTIVE).first()
        if control is None:
            raise RolloutError(f"{candidate.app}.{candidate.kind} has no active version to compare with")
        running = Rollout.objects.filter(app=candidate.app, status=Rollout.Status.RUNNING).first()
        if running is not None:
            raise RolloutBusy(running)
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


def _waiting_versions(*, app: str, kind: str, above: int) -> list[ModelVersion]:
    """Versions waiting for a rollout, newest first: ready, never active, numbered above ``above``, their
    offline gate passed (the app's verdict in ``metrics["activation"]["passed_gate"]``)."""
    ready = ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.READY,
                                        activated_at__isnull=True, version__gt=above).order_by("-version")
    return [v for v in ready if ((v.metrics or {}).get("activation") or {}).get("passed_gate")]


def _note_activation(version: ModelVersion, **changes: Any) -> None:
    version.metrics = {**version.metrics, "activation": {**version.metrics.get("activation", {}), **changes}}
    version.save(update_fields=["metrics"])


def start_next_rollout(*, ended: Rollout, now: datetime | None = None) -> Rollout | None:
    """After ``ended`` stopped: the rollout of the newest version waiting for it (see the module
    docstring), or None (none waits, the policy is no longer canary, or it cannot start)."""
    now = now or timezone.now()
    ended.refresh_from_db()
    if ended.status == Rollout.Status.RUNNING or not rollout_policy(app=ended.app).canary:
        return None
    active = ModelVersion.objects.filter(app=ended.app, kind=ended.kind, status=ModelVersion.Status.ACTIVE).first()
    waiting = _waiting_versions(app=ended.app, kind=ended.kind,
                                above=max(ended.candidate_number, active.version if active else 0))
    if not waiting:
        return None
    candidate, older = waiting[0], waiting[1:]
    try:
        rollout = start_rollout(candidate=candidate, now=now)
    except RolloutError as exc:
        logger.warning("%s: no rollout after rollout %s: %s", candidate, ended.pk, exc)
        return None
    outcome = "completed" if ended.status == Rollout.Status.COMPLETED else "was rolled back"
    compared = candidate.metrics["activation"].get("active_version")
    _note_activation(candidate, rollout_id=rollout.pk, waiting_for_rollout=None, message=(
        f"canary rollout of v{candidate.version} started at {rollout.share:.0%} of subjects "
        f"(v{rollout.control_number} serves the rest) when the rollout of v{ended.candidate_number} {outcome}; "
        f"its offline gate compared it with v{compared}, not again with v{rollout.control_number}"))
    for version in older:
        _note_activation(version, waiting_for_rollout=None, message=(
            f"not rolled out: v{candidate.version}, trained later, rolled out when the rollout of "
            f"v{ended.candidate_number} {outcome}"))
    return rollout


def _roll_back(rollout: Rollout, *, reason: str, now: datetime,
               checks: dict[str, Any] | None = None) -> RolloutStep | None:
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if locked.status != Rollout.Status.RUNNING:
            return None
        _stop_experiment(locked.experiment_id, reason=f"rolled back: {reason}", now=now)
        share = locked.share
        locked.status, locked.share, locked.ended_at, locked.reason = Rollout.Status.ROLLED_BACK, 0.0, now, reason
        locked.save(update_fields=["status", "share", "ended_at", "reason"])
        candidate = ModelVersion.objects.select_for_update().filter(pk=locked.candidate_version_id).first()
        if candidate is not None and candidate.status == ModelVersion.Status.READY:
            # retired: no rollout or rollback proposes it again
            candidate.status, candidate.retired_at = ModelVersion.Status.RETIRED, now
            candidate.notes = "\n".join(filter(None, [candidate.notes, f"canary rolled back: {reason}"]))
            candidate.save(update_fields=["status", "retired_at", "notes"])
        record = _audit(locked, action=RolloutStep.Action.ROLLBACK, share=0.0, at=now, checks=checks,
                        message=f"rolled back at {share:.0%}: {reason}")
    rollout.refresh_from_db()
    return record


def rollback_rollout(*, rollout: Rollout, reason: str, now: datetime | None = None,
                     checks: dict[str, Any] | None = None) -> RolloutStep | None:
    """Stop serving the candidate (the active version serves everyone), retire it and record why; then the
    newest waiting version starts its rollout (``start_next_rollout``). None when the rollout is no
    longer running."""
    now = now or timezone.now()
    record = _roll_back(rollout, reason=reason, now=now, checks=checks)
    if record is not None:
        start_next_rollout(ended=rollout, now=now)
    return record


def _complete(rollout: Rollout, *, message: str, now: datetime, checks: dict[str, Any]) -> RolloutStep | None:
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().get(pk=rollout.pk)
        if locked.status != Rollout.Status.RUNNING:
            return None
        try:
            if locked.candidate_version_id is None:
                raise RegistryError(f"v{locked.candidate_number} was deleted")
            activate_model_version(version_id=locked.candidate_version_id)
        except RegistryError as exc:
            return _roll_back(locked, reason=f"could not activate: {exc}", now=now, checks=checks)
        _stop_experiment(locked.experiment_id, reason=f"completed: v{locked.candidate_number} active", now=now)
        locked.status, locked.share, locked.ended_at, locked.reason = Rollout.Status.COMPLETED, 1.0, now, message
        locked.save(update_fields=["status", "share", "ended_at", "reason"])
        return _audit(locked, action=RolloutStep.Action.COMPLETE, share=1.0, at=now, checks=checks, message=message)


def _step_up(rollout: Rollout, *, decision: canary.CanaryDecision, now: datetime,
             checks: dict[str, Any]) -> RolloutStep | None:
    with transaction.atomic():
        locked = Rollout.objects.select_for_update().get(pk=rollout.pk)
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
    stats = read_stats(version=rollout.candidate_number, since=rollout.step_started_at, until=now, app=rollout.app)
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
    if rollout.candidate_version_id is None:
        return _roll_back(rollout, reason=f"v{rollout.candidate_number} was deleted while it rolled out", now=now)
    active = ModelVersion.objects.filter(app=rollout.app, kind=rollout.kind, status=ModelVersion.Status.ACTIVE).first()
    if active is None or active.pk != rollout.control_version_id:
        if active is not None and active.pk == rollout.candidate_version_id:
            return _complete(rollout, now=now, checks={}, message=f"v{active.version} was activated by hand")
        reason = (f"the control changed: {f'v{active.version}' if active else 'no version'} active "
                  f"instead of v{rollout.control_number}")
        return _roll_back(rollout, reason=reason, now=now)
    policy = rollout_policy(app=rollout.app).canary_policy()
    reads = candidate_reads(rollout=rollout, now=now)
    kpi = kpi_comparison(experiment=rollout.experiment) if rollout.share < 1.0 else None
    decision = canary.decide(policy=policy, share=rollout.share, step_started_at=rollout.step_started_at, now=now,
                             reads=reads, kpi=kpi)
    checks = decision.checks_dict()
    if decision.action == canary.ROLLBACK:
        return _roll_back(rollout, reason="; ".join(decision.reasons), now=now, checks=checks)
    if decision.action == canary.COMPLETE:
        return _complete(rollout, message=decision.message, now=now, checks=checks)
    if decision.action == canary.STEP:
        return _step_up(rollout, decision=decision, now=now, checks=checks)
    return _hold(rollout, decision=decision, now=now, checks=checks)


def advance_rollouts(*, now: datetime | None = None) -> list[RolloutStep]:
    """Check every running rollout once and act on it; when one ends, the next waiting version starts its
    rollout. The audit records written."""
    now = now or timezone.now()
    records = []
    running = Rollout.objects.filter(status=Rollout.Status.RUNNING).select_related(
        "candidate_version", "control_version", "experiment").order_by("started_at", "pk")
    for rollout in running:
        record = _advance(rollout, now=now)
        if record is None:
            continue
        records.append(record)
        if record.action in ENDED and (following := start_next_rollout(ended=rollout, now=now)) is not None:
            records.extend(following.steps.all())
    return records
