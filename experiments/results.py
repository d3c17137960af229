"""An experiment's results and a bandit's weights, from the per-subject ``Activity`` of its variants.

All figures come from one query of the activity: each (variant, subject)'s impressions, clicks,
orders and revenue (attributed, and of every order after exposure) summed over all days. The
statistics are ``experiments.ml.stats`` (see its docstring for the metrics, the winsorisation, the
always-valid test and the sample size); the bandit is ``experiments.ml.bandit``.

Per variant: ``subjects`` (distinct subjects with activity), ``impressions``, ``clicks``,
``conversions`` and ``revenue`` (attributed orders and their revenue, exact sums), ``orders_all`` and
``revenue_all`` (every order of the variant's subjects after their exposure, attributed or not: see
``attribution``), ``ctr`` (clicks / impressions), ``conversion_rate`` (subjects with an order /
subjects) and ``revenue_per_subject`` (the winsorised mean the tests use). Each variant other than the
control adds, on the primary metric, the ``lift`` over the control with its fixed-horizon 95% interval
``lift_ci`` and ``p_value``, the always-valid ``decision``, and the same four figures for each guardrail
metric under ``guardrails``. The control is the variant at position 0; in a canary rollout, the variant
serving the active version.

Which orders count (``order_basis``): ``attributed`` (the orders credited to a list) unless the
experiment has a holdout (a variant of strategy ``none``, which shows no list and so can earn no
attributed order); then ``all``: ``conversion_rate``, ``revenue_per_subject`` and the tests on
``conversion`` and ``revenue_per_subject`` use every order after exposure, for every variant, so that
the holdout is compared like with like and the lift is the total effect of showing the lists. The CTR
needs impressions, which a holdout has none of: a CTR comparison with a holdout on either side is not
made (``lift``, ``lift_ci``, ``p_value`` and ``decision`` null, with a ``note``; no sample size), and
the results' ``note`` says so when the primary metric is the CTR (a holdout control with the CTR as
primary metric is refused when the experiment is created). ``note`` is null when there is
nothing to add.

The decision comes from the always-valid test, whose p-value and interval are given too
(``always_valid_p_value``, ``always_valid_ci``): a fixed-horizon ``p_value`` under 0.05 next to
``need_more_data`` means the difference is not yet beyond what daily looks could produce by chance.

The sample-ratio-mismatch test compares the subjects of an A/B test's variants with their configured
weights; a holdout (strategy ``none``) counts through its list-level exposures (an impression at
position 0, see ``attribution``), so a storefront that does not send them shows up as a mismatch. It
is left out (None) for bandits and canaries, whose shares change while they run.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .ml.bandit import ArmSums, thompson_weights
from .ml.stats import (CTR, METRICS, REVENUE_PER_SUBJECT, Estimate, Sample, metric_estimate, relative_lift,
                       sequential_sample_size, sequential_test, srm_p_value, winsorisation_cap)
from .models import HOLDOUT, Activity, BanditWeights, Experiment, Variant
from .selectors import forget_running_experiments


@dataclass(frozen=True)
class VariantSums:
    """A variant's per-subject sums: ``attributed`` counts the orders credited to its lists, ``exposed``
    every order after exposure (``all_orders``, ``all_revenue``), with the same impressions and clicks;
    and the exact revenue of each."""

    attributed: Sample
    exposed: Sample
    revenue: Decimal
    revenue_all: Decimal

    @classmethod
    def empty(cls) -> VariantSums:
        return cls(Sample.empty(), Sample.empty(), Decimal(0), Decimal(0))


def _subjects_by_variant(experiment: Experiment) -> dict[str, VariantSums]:
    """Each variant's per-subject sums over all days."""
    rows = (Activity.objects.filter(experiment_id=experiment.pk)
            .values("variant", "subject")
            .annotate(sum_impressions=Sum("impressions"), sum_clicks=Sum("clicks"), sum_orders=Sum("orders"),
                      sum_revenue=Sum("revenue"), sum_all_orders=Sum("all_orders"), sum_all_revenue=Sum("all_revenue"))
            .values_list("variant", "sum_impressions", "sum_clicks", "sum_orders", "sum_revenue", "sum_all_orders",
                         "sum_all_revenue"))
    columns: dict[str, list[list]] = {}
    for variant, *values in rows:
        lists = columns.setdefault(variant, [[] for _ in values])
        for column, value in zip(lists, values):
            column.append(value or 0)
    sums = {}
    for variant, (impressions, clicks, orders, revenue, all_orders, all_revenue) in columns.items():
        impressions, clicks = np.array(impressions, dtype=np.float64), np.array(clicks, dtype=np.float64)
        sums[variant] = VariantSums(
            attributed=Sample.of(impressions, clicks, orders, [float(r) for r in revenue]),
            exposed=Sample.of(impressions, clicks, all_orders, [float(r) for r in all_revenue]),
            revenue=sum((Decimal(r) for r in revenue), Decimal(0)),
            revenue_all=sum((Decimal(r) for r in all_revenue), Decimal(0)))
    return sums


def _control_index(experiment: Experiment, variants: list[Variant]) -> int:
    if experiment.mode == Experiment.Mode.CANARY:
        for index, variant in enumerate(variants):
            if variant.strategy == "active":
                return index
    return 0


def _design_shares(variants: list[Variant]) -> list[float]:
    """The configured traffic shares (equal ones unless every weight is positive)."""
    weights = [max(v.weight, 0.0) for v in variants]
    if not weights or min(weights) <= 0:
        return [1.0 / max(len(variants), 1)] * len(variants)
    return [w / sum(weights) for w in weights]


def _not_compared(note: str) -> dict[str, Any]:
    return {"lift": None, "lift_ci": None, "p_value": None, "decision": None, "always_valid_p_value": None,
            "always_valid_ci": None, "note": note}


def _ctr_note(control: Variant, variant: Variant) -> str | None:
    """Why the CTR of ``variant`` cannot be compared with the control's, if it cannot."""
    if control.strategy == HOLDOUT:
        return "CTR cannot be compared against a holdout control, which shows no list"
    if variant.strategy == HOLDOUT:
        return "a holdout shows no list: it has no CTR to compare"
    return None


def _comparison(control: Estimate, variant: Estimate, *, mde: float) -> dict[str, Any]:
    lift = relative_lift(control, variant)
    sequential = sequential_test(control, variant, mde=mde)
    return {"lift": lift.lift if lift else None, "lift_ci": list(lift.ci) if lift else None,
            "p_value": lift.p_value if lift else None, "decision": sequential.decision,
            "always_valid_p_value": sequential.p_value,
            "always_valid_ci": list(sequential.ci) if sequential.ci is not None else None}


def _srm(experiment: Experiment, variants: list[Variant], samples: list[Sample]) -> float | None:
    if experiment.mode != Experiment.Mode.AB:
        return None
    return srm_p_value([sample.subjects for sample in samples], [variant.weight for variant in variants])


def _results_note(experiment: Experiment, variants: list[Variant], control: int, holdout: bool) -> str | None:
    if not holdout:
        return None
    note = ("every order after exposure counts (orders_all, revenue_all), attributed to a list or not, so the "
            "holdout, which shows no list, is compared like with like")
    if experiment.primary_metric == CTR:  # a holdout control with CTR as primary metric is refused (lifecycle)
        note += "; the holdout has no CTR: its CTR is not compared"
    return note


def compute_results(*, experiment: Experiment) -> dict[str, Any]:
    """The experiment's results as the API and the admin show them (see the module docstring)."""
    variants = list(experiment.variants.order_by("position"))
    by_variant = _subjects_by_variant(experiment)
    sums = [by_variant.get(v.name, VariantSums.empty()) for v in variants]
    holdout = any(v.strategy == HOLDOUT for v in variants)
    samples = [s.exposed if holdout else s.attributed for s in sums]
    cap = winsorisation_cap([s.revenue for s in samples])
    control = _control_index(experiment, variants)
    primary = experiment.primary_metric
    mde = experiment.minimum_detectable_effect
    guardrails = [m for m in dict.fromkeys(experiment.guardrail_metrics or []) if m in METRICS and m != primary]
    estimates = {metric: [metric_estimate(metric, s, revenue_cap=cap) for s in samples]
                 for metric in {primary, REVENUE_PER_SUBJECT, *guardrails}}
    shares = _design_shares(variants)

    def compare(metric: str, index: int) -> dict[str, Any]:
        note = _ctr_note(variants[control], variants[index]) if metric == CTR else None
        if note is not None:
            return _not_compared(note)
        return _comparison(estimates[metric][control], estimates[metric][index], mde=mde)

    needed: dict[str, int | None] = {}
    entries = []
    for index, (variant, sample, sum_) in enumerate(zip(variants, samples, sums)):
        impressions, clicks = int(sample.impressions.sum()), int(sample.clicks.sum())
        entry: dict[str, Any] = {
            "name": variant.name, "strategy": variant.strategy, "weight": variant.weight,
            "serving_weight": variant.serving_weight, "subjects": sample.subjects, "impressions": impressions,
            "clicks": clicks, "ctr": clicks / impressions if impressions else 0.0,
            "conversions": int(sum_.attributed.orders.sum()), "revenue": float(sum_.revenue),
            "orders_all": int(sum_.exposed.orders.sum()), "revenue_all": float(sum_.revenue_all),
            "revenue_per_subject": estimates[REVENUE_PER_SUBJECT][index].mean,
            "conversion_rate": float((sample.orders > 0).mean()) if sample.subjects else 0.0,
        }
        if index != control:
            comparison = compare(primary, index)
            entry.update(comparison)
            entry["guardrails"] = {metric: compare(metric, index) for metric in guardrails}
            needed[variant.name] = None if "note" in comparison else sequential_sample_size(
                estimates[primary][control], mde=mde, control_share=shares[control], variant_share=shares[index])
        entries.append(entry)
    if variants:
        # the control serves every comparison: it needs the most any of them asks of it
        control_needs = [math.ceil(needed[v.name] * shares[control] / shares[i]) for i, v in enumerate(variants)
                         if i != control and needed[v.name] is not None]
        needed[variants[control].name] = max(control_needs) if control_needs else None

    return {
        "experiment": experiment.pk, "name": experiment.name, "status": experiment.status, "mode": experiment.mode,
        "primary_metric": primary, "srm_p_value": _srm(experiment, variants, samples),
        "order_basis": "all" if holdout else "attributed",
        "note": _results_note(experiment, variants, control, holdout),
        "computed_at": timezone.now().isoformat(),
        "sample_size": {"metric": primary, "minimum_detectable_effect": mde,
                        "variants": {v.name: {"needed": needed.get(v.name), "reached": s.subjects}
                                     for v, s in zip(variants, samples)}},
        "variants": entries,
    }


def refresh_results(*, experiment: Experiment) -> dict[str, Any]:
    """Compute the results and store them on the experiment (an update, not a save: saving an experiment
    drops the cached running set and with it every cached answer)."""
    results = compute_results(experiment=experiment)
    experiment.results, experiment.results_at = results, timezone.now()
    Experiment.objects.filter(pk=experiment.pk).update(results=results, results_at=experiment.results_at)
    return results


def update_bandit_weights(*, experiment: Experiment) -> dict[str, float]:
    """One batch of a running bandit: Thompson weights from each variant's sums, stored as the serving
    weights, with a ``BanditWeights`` history row. Anything else than a running bandit: nothing, ``{}``."""
    if experiment.mode != Experiment.Mode.BANDIT or experiment.status != Experiment.Status.RUNNING:
        return {}
    variants = list(experiment.variants.order_by("position"))
    if not variants:
        return {}
    by_variant = _subjects_by_variant(experiment)
    samples = [by_variant.get(v.name, VariantSums.empty()).attributed for v in variants]
    cap = winsorisation_cap([s.revenue for s in samples])
    arms = []
    for sample in samples:
        revenue = sample.revenue if cap is None else np.minimum(sample.revenue, cap)
        arms.append(ArmSums(subjects=sample.subjects, impressions=int(sample.impressions.sum()),
                            clicks=int(sample.clicks.sum()), converting_subjects=int((sample.orders > 0).sum()),
                            revenue=float(revenue.sum()), revenue_squares=float((revenue ** 2).sum())))
    # seeded by the experiment and the batch: a batch's weights can be computed again
    rng = np.random.default_rng([experiment.pk, experiment.bandit_updates.count()])
    weights = thompson_weights(experiment.primary_metric, arms, rng=rng, min_weight=experiment.min_arm_weight,
                               eligible=[v.strategy != HOLDOUT for v in variants])
    chosen = {v.name: float(w) for v, w in zip(variants, weights)}
    with transaction.atomic():
        for variant in variants:
            variant.serving_weight = chosen[variant.name]
        Variant.objects.bulk_update(variants, ["serving_weight"])
        BanditWeights.objects.create(experiment=experiment, weights=chosen)
    forget_running_experiments()
    return chosen
