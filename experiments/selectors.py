"""Reads: the running experiments as every read path buckets with them, and what the admin and API show.

The running set is one cache entry (``RUNNING_KEY``), fetched in the customer read's cache round trip
like the active version pointer: bucketing a subject costs no query and no extra round trip. A miss
reads it once (two queries) and caches it; starting, stopping or re-weighting an experiment drops it.
"""
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

from electroshop.cache import CacheBatch, cache_get
from electroshop.conf import electroshop_settings
from electroshop.mlops.models import ModelVersion

from .bucketing import pick, position_in_unit
from .models import HOLDOUT, Experiment, Variant

RUNNING_KEY = "experiments:running"


@dataclass(frozen=True)
class Assignment:
    experiment_id: int
    variant: str
    position: int
    strategy: str  # active | version | trending | popular | none
    version_id: int | None  # the model version a "version:<n>" variant (or a canary's candidate) serves
    list_length: int | None

    def as_answer(self) -> dict[str, Any]:
        return {"id": self.experiment_id, "variant": self.variant}


def _variant_entry(variant: Variant, version_ids: dict[tuple[str, int], int]) -> dict[str, Any]:
    strategy, _, argument = variant.strategy.partition(":")
    version_id = None
    if strategy == "version":
        version_id = version_ids.get(("recommendations", int(argument))) if argument.isdigit() else None
    return {"name": variant.name, "position": variant.position, "weight": variant.serving_weight,
            "strategy": strategy, "version_id": version_id, "list_length": variant.list_length}


def running_experiments(*, prefetched: CacheBatch | None = None) -> dict[str, Any]:
    """``{"stamp", "placements": {placement: [experiment]}, "canary": [experiment]}``, each experiment
    ``{"id", "salt", "mode", "variants": [{"name", "position", "weight", "strategy", "version_id",
    "list_length"}]}`` with the serving weights. Canary rollouts apply to every placement."""
    running = cache_get(RUNNING_KEY, prefetched)
    if running is None:
        experiments = list(Experiment.objects.filter(status=Experiment.Status.RUNNING).order_by("created_at", "pk")
                           .prefetch_related("variants"))
        wanted = {int(v.strategy.partition(":")[2]) for e in experiments for v in e.variants.all()
                  if v.strategy.startswith("version:") and v.strategy.partition(":")[2].isdigit()}
        version_ids = {(app, number): pk for pk, app, number in ModelVersion.objects.filter(
            app="recommendations", version__in=wanted).values_list("pk", "app", "version")} if wanted else {}
        running = {"stamp": uuid.uuid4().hex, "placements": {}, "canary": []}
        for experiment in experiments:
            entry = {"id": experiment.pk, "salt": experiment.salt, "mode": experiment.mode,
                     "variants": [_variant_entry(v, version_ids) for v in experiment.variants.all()]}
            if experiment.mode == Experiment.Mode.CANARY:
                running["canary"].append(entry)
            else:
                running["placements"].setdefault(experiment.placement, []).append(entry)
        cache.set(RUNNING_KEY, running, electroshop_settings.SELECTOR_CACHE_SECONDS)
    return running


def forget_running_experiments() -> None:
    cache.delete(RUNNING_KEY)


def _assign(entry: dict[str, Any], subject: str) -> Assignment:
    variants = entry["variants"]
    chosen = variants[pick([v["weight"] for v in variants], position_in_unit(entry["salt"], subject))]
    return Assignment(experiment_id=entry["id"], variant=chosen["name"], position=chosen["position"],
                      strategy=chosen["strategy"], version_id=chosen["version_id"], list_length=chosen["list_length"])


def assignment(*, placement: str, subject: str | None, prefetched: CacheBatch | None = None) -> Assignment | None:
    """The experiment variant ``subject`` sees on ``placement``, or None (no running experiment there, or
    no subject to bucket). With several experiments on one placement, the oldest running one decides."""
    if subject is None:
        return None
    entries = running_experiments(prefetched=prefetched)["placements"].get(placement)
    return _assign(entries[0], subject) if entries else None


def canary_assignment(*, subject: str | None, prefetched: CacheBatch | None = None) -> Assignment | None:
    """The canary variant of a subject while a rollout runs: its ``version_id`` is the candidate's when
    the subject is in the candidate's share, None for the control (the active version)."""
    if subject is None:
        return None
    entries = running_experiments(prefetched=prefetched)["canary"]
    return _assign(entries[0], subject) if entries else None


def experiments_stamp(*, prefetched: CacheBatch | None = None) -> str:
    """What a cached answer depends on: it changes whenever the running set or its weights change."""
    return running_experiments(prefetched=prefetched)["stamp"]


def stored_results(experiment: Experiment) -> dict[str, Any]:
    """The results ``update_experiments`` last stored; before its first pass, the variants with nothing
    counted yet (``computed_at`` null)."""
    if experiment.results:
        return experiment.results
    variants = list(experiment.variants.all())
    return {"experiment": experiment.pk, "name": experiment.name, "status": experiment.status, "mode": experiment.mode,
            "primary_metric": experiment.primary_metric, "srm_p_value": None, "computed_at": None,
            "order_basis": "all" if any(v.strategy == HOLDOUT for v in variants) else "attributed", "note": None,
            "variants": [{"name": v.name, "strategy": v.strategy, "subjects": 0, "impressions": 0, "clicks": 0,
                          "ctr": 0.0, "conversions": 0, "conversion_rate": 0.0, "revenue": 0.0, "orders_all": 0,
                          "revenue_all": 0.0, "revenue_per_subject": 0.0} for v in variants]}
