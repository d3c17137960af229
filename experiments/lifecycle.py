"""Creating, starting and stopping experiments (the API and the admin call these).

A/B tests and bandits are created here; canary rollouts are created by ``rollout.py``. At most one
experiment runs per placement at a time, so a subject's list on a placement is decided by one
experiment; starting a second one on the same placement is refused until the first stops. A
``version:<n>`` variant is refused on the ``session`` placement: an anonymous session's lists are
blended live from the active model only (``recommendations/live.py``), so another version would serve
its trending fallback, not its own session lists.
"""
import re
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from electroshop.mlops.models import ModelVersion

from .models import Experiment, Metric, Placement, Variant

STRATEGY_PATTERN = re.compile(r"^(active|trending|popular|none|version:[0-9]{1,9})$")
MAX_VARIANTS = 10
MAX_WEIGHT = 1_000_000  # weights are relative: any scale up to this
EXPERIMENT_PLACEMENTS = [p for p in Placement.values if p != Placement.ALL]


class ExperimentError(Exception):
    """Bad input or a refused transition; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class VariantSpec:
    name: str
    weight: float
    strategy: str
    list_length: int | None = None


def _strategy_errors(strategy: str, placement: str | None) -> list[str]:
    if not STRATEGY_PATTERN.match(strategy):
        return [f"{strategy!r} is not a strategy: use active, version:<n>, trending, popular or none"]
    if strategy.startswith("version:") and placement == Placement.SESSION:
        return [f"{strategy!r} cannot serve the session placement: its lists are built live by the active "
                "model only (use active, trending, popular or none)"]
    if strategy.startswith("version:"):
        number = int(strategy.partition(":")[2])
        usable = ModelVersion.objects.filter(app="recommendations", version=number, status__in=[
            ModelVersion.Status.READY, ModelVersion.Status.ACTIVE, ModelVersion.Status.RETIRED]).exists()
        if not usable:
            return [f"no trained recommendations model version {number}"]
    return []


def validate_variants(variants: list[VariantSpec], *, placement: str | None) -> dict[str, list[str]]:
    """What is wrong with the variants of an experiment on ``placement`` (None: not chosen yet), under "variants"."""
    errors: list[str] = []
    if not 2 <= len(variants) <= MAX_VARIANTS:
        errors.append(f"give between 2 and {MAX_VARIANTS} variants ({len(variants)} given)")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        errors.append("variant names must differ")
    for index, variant in enumerate(variants):
        if not variant.name or len(variant.name) > 40:
            errors.append(f"variant {index}: name must be 1 to 40 characters")
        if not 0 < variant.weight <= MAX_WEIGHT:  # also refuses NaN
            errors.append(f"variant {index}: weight must be above 0 and at most {MAX_WEIGHT:,}")
        if variant.list_length is not None and not 1 <= variant.list_length <= 100:
            errors.append(f"variant {index}: list_length must be between 1 and 100")
        errors.extend(f"variant {index}: {message}" for message in _strategy_errors(variant.strategy, placement))
    return {"variants": errors} if errors else {}


def holdout_control_errors(*, primary_metric: str, variants: list[VariantSpec]) -> dict[str, list[str]]:
    """A holdout control shows no list, so it has no CTR to compare with: refuse CTR as the primary metric
    then (a holdout elsewhere only leaves its own CTR comparison out)."""
    if primary_metric == Metric.CTR and variants and variants[0].strategy == "none":
        return {"primary_metric": ["the control (the first variant) is a holdout, which shows no list and has no "
                                   "CTR: choose conversion or revenue_per_subject"]}
    return {}


def design_errors(*, min_arm_weight: float, minimum_detectable_effect: float, variant_count: int) -> dict[str, list[str]]:
    """What is wrong with an experiment's bandit floor and minimum detectable effect (API and admin)."""
    errors: dict[str, list[str]] = {}
    if not 0 <= min_arm_weight <= 1 / max(variant_count, 1):
        errors["min_arm_weight"] = ["must be between 0 and 1 / the number of variants"]
    if not 0 < minimum_detectable_effect < 10:
        errors["minimum_detectable_effect"] = ["must be a relative lift above 0 and below 10 (0.1 = +10%)"]
    return errors


@transaction.atomic
def create_experiment(*, name: str, placement: str, mode: str, primary_metric: str, variants: list[VariantSpec],
                      guardrail_metrics: list[str] | None = None, min_arm_weight: float = 0.01,
                      minimum_detectable_effect: float = 0.10) -> Experiment:
    errors: dict[str, list[str]] = {}
    if not name or len(name) > 120:
        errors["name"] = ["give a name of 1 to 120 characters"]
    if placement not in EXPERIMENT_PLACEMENTS:
        errors["placement"] = [f"must be one of: {', '.join(EXPERIMENT_PLACEMENTS)}"]
    if mode not in (Experiment.Mode.AB, Experiment.Mode.BANDIT):
        errors["mode"] = ["must be ab or bandit"]
    if primary_metric not in Metric.values:
        errors["primary_metric"] = [f"must be one of: {', '.join(Metric.values)}"]
    unknown = [m for m in guardrail_metrics or [] if m not in Metric.values]
    if unknown:
        errors["guardrail_metrics"] = [f"unknown metric {m!r}" for m in unknown]
    errors.update(design_errors(min_arm_weight=min_arm_weight, minimum_detectable_effect=minimum_detectable_effect,
                                variant_count=len(variants)))
    errors.update(validate_variants(variants, placement=placement))
    errors.update(holdout_control_errors(primary_metric=primary_metric, variants=variants))
    if errors:
        raise ExperimentError(errors)
    experiment = Experiment.objects.create(
        name=name, placement=placement, mode=mode, primary_metric=primary_metric,
        guardrail_metrics=list(guardrail_metrics or []), min_arm_weight=min_arm_weight,
        minimum_detectable_effect=minimum_detectable_effect)
    total = sum(v.weight for v in variants)
    Variant.objects.bulk_create([
        Variant(experiment=experiment, name=v.name, position=position, weight=v.weight,
                serving_weight=v.weight / total, strategy=v.strategy, list_length=v.list_length)
        for position, v in enumerate(variants)])
    return experiment


def reset_serving_weights(*, experiment: Experiment) -> None:
    """A draft's serving weights from its configured weights (the admin saves variants one by one)."""
    variants = list(experiment.variants.all())
    total = sum(v.weight for v in variants if v.weight > 0)
    for variant in variants:
        variant.serving_weight = variant.weight / total if total and variant.weight > 0 else 0.0
    Variant.objects.bulk_update(variants, ["serving_weight"])


@transaction.atomic
def start_experiment(*, experiment_id: int) -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment_id)
    if experiment.mode == Experiment.Mode.CANARY:
        raise ExperimentError({"mode": ["a canary rollout is started by a new model version, not by hand"]})
    if experiment.status != Experiment.Status.DRAFT:
        raise ExperimentError({"status": [f"only a draft experiment can start; this one is {experiment.status}"]})
    busy = Experiment.objects.filter(status=Experiment.Status.RUNNING, placement=experiment.placement).first()
    if busy is not None:
        raise ExperimentError({"placement": [f"experiment {busy.pk} ({busy.name}) already runs on "
                                             f"{experiment.placement}: stop it first"]})
    # a variant's version may have been pruned since creation (or the draft's placement changed to session)
    for variant in experiment.variants.all():
        problems = _strategy_errors(variant.strategy, experiment.placement)
        if problems:
            raise ExperimentError({"variants": [f"{variant.name}: {message}" for message in problems]})
    experiment.status, experiment.started_at = Experiment.Status.RUNNING, timezone.now()
    try:
        with transaction.atomic():  # two starts at once on one placement: the database lets one through
            experiment.save(update_fields=["status", "started_at"])
    except IntegrityError:
        raise ExperimentError({"placement": [f"another experiment already runs on {experiment.placement}: "
                                             "stop it first"]}) from None
    return experiment


@transaction.atomic
def stop_experiment(*, experiment_id: int, reason: str = "") -> Experiment:
    experiment = Experiment.objects.select_for_update().get(pk=experiment_id)
    if experiment.mode == Experiment.Mode.CANARY:
        raise ExperimentError({"mode": ["a canary rollout is rolled back from its rollout, not stopped here"]})
    if experiment.status != Experiment.Status.RUNNING:
        raise ExperimentError({"status": [f"only a running experiment can stop; this one is {experiment.status}"]})
    experiment.status, experiment.stopped_at = Experiment.Status.STOPPED, timezone.now()
    experiment.stop_reason = reason[:1000]
    experiment.save(update_fields=["status", "stopped_at", "stop_reason"])
    return experiment


def experiment_summary(experiment: Experiment) -> dict[str, Any]:
    """An experiment as the API shows it."""
    return {
        "id": experiment.pk, "name": experiment.name, "placement": experiment.placement, "mode": experiment.mode,
        "primary_metric": experiment.primary_metric, "guardrail_metrics": experiment.guardrail_metrics,
        "status": experiment.status, "min_arm_weight": experiment.min_arm_weight,
        "minimum_detectable_effect": experiment.minimum_detectable_effect,
        "created_at": experiment.created_at, "started_at": experiment.started_at,
        "stopped_at": experiment.stopped_at, "stop_reason": experiment.stop_reason,
        "variants": [{"name": v.name, "weight": v.weight, "serving_weight": round(v.serving_weight, 6),
                      "strategy": v.strategy, "list_length": v.list_length} for v in experiment.variants.all()],
    }
