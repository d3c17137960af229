"""Thompson sampling over an experiment's variants: each batch's serving weights from the arms' sums.

The weight of an arm is the posterior probability that it is the best on the primary metric
(probability matching: what per-subject Thompson sampling would serve in expectation over the
batch), estimated from ``DRAWS`` joint draws of the posteriors with a seeded generator (Monte Carlo
error of a weight at most ``0.5 / sqrt(DRAWS)`` = 0.005). Ties within a draw share its credit, so
arms with identical posteriors get identical weights.

Posteriors (flat priors):
    * ``ctr``: ``Beta(1 + clicks, 1 + impressions - clicks)``, impressions as the trials. A subject's
      impressions are somewhat correlated, which makes this posterior a little too narrow: with the
      few impressions a subject sees, the bandit concentrates a little earlier than the data warrant.
    * ``conversion``: ``Beta(1 + converting subjects, 1 + subjects - converting subjects)``.
    * ``revenue_per_subject`` (winsorised, see ``stats``): normal on the mean, ``N((m0 + n x) / (n + 1),
      s^2 / (n + 1))``: the prior is the mean ``m0`` of all arms worth one subject, ``s^2`` the arm's
      per-subject variance (the pooled one below two subjects). Revenue is a mean of many subjects, so
      its posterior is close to normal long before the bandit concentrates.

Each arm keeps at least ``min_weight`` (the experiment's ``min_arm_weight``, default 1%) so the
bandit keeps learning about every arm: ``w = min_weight + (1 - K * min_weight) * P(best)``, which sums
to 1 and keeps the order of the probabilities. Arms that cannot be judged on the metric (a holdout
shows no list) are left out of the comparison (probability 0) and keep the minimum.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .stats import CONVERSION, CTR, REVENUE_PER_SUBJECT

DRAWS = 10_000


@dataclass(frozen=True)
class ArmSums:
    """What an arm's posterior needs: counts over its subjects (revenue winsorised)."""

    subjects: int = 0
    impressions: int = 0
    clicks: int = 0
    converting_subjects: int = 0
    revenue: float = 0.0
    revenue_squares: float = 0.0


def posterior_draws(metric: str, arms: Sequence[ArmSums], *, rng: np.random.Generator,
                    draws: int = DRAWS) -> np.ndarray:
    """``draws x arms`` joint draws of the arms' posterior means."""
    if metric in (CTR, CONVERSION):
        if metric == CTR:
            successes = np.array([a.clicks for a in arms], dtype=np.float64)
            trials = np.array([a.impressions for a in arms], dtype=np.float64)
        else:
            successes = np.array([a.converting_subjects for a in arms], dtype=np.float64)
            trials = np.array([a.subjects for a in arms], dtype=np.float64)
        failures = np.maximum(trials - successes, 0.0)
        return rng.beta(1.0 + successes, 1.0 + failures, size=(draws, len(arms)))
    if metric == REVENUE_PER_SUBJECT:
        n = np.array([a.subjects for a in arms], dtype=np.float64)
        sums = np.array([a.revenue for a in arms], dtype=np.float64)
        squares = np.array([a.revenue_squares for a in arms], dtype=np.float64)
        total = n.sum()
        prior_mean = sums.sum() / total if total else 0.0
        pooled = (squares.sum() - total * prior_mean ** 2) / (total - 1) if total > 1 else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            own = (squares - n * (sums / np.maximum(n, 1)) ** 2) / (n - 1)
        variance = np.where(n >= 2, own, pooled).clip(min=0.0)
        mean = (prior_mean + sums) / (n + 1)
        return rng.normal(mean, np.sqrt(variance / (n + 1)), size=(draws, len(arms)))
    raise ValueError(f"unknown metric {metric!r}")


def probability_best(draws: np.ndarray) -> np.ndarray:
    """Per arm, the share of draws in which it is the best (ties share the draw)."""
    best = draws == draws.max(axis=1, keepdims=True)
    return (best / best.sum(axis=1, keepdims=True)).mean(axis=0)


def with_minimum(probabilities: np.ndarray, *, min_weight: float) -> np.ndarray:
    """``min_weight + (1 - K * min_weight) * p``: every arm at least ``min_weight``, summing to 1 (equal
    weights when ``K * min_weight >= 1``)."""
    k = len(probabilities)
    floor = min(max(min_weight, 0.0), 1.0 / k)
    p = np.asarray(probabilities, dtype=np.float64)
    p = p / p.sum() if p.sum() > 0 else np.full(k, 1.0 / k)
    return floor + (1.0 - k * floor) * p


def thompson_weights(metric: str, arms: Sequence[ArmSums], *, rng: np.random.Generator, min_weight: float = 0.01,
                     eligible: Sequence[bool] | None = None, draws: int = DRAWS) -> np.ndarray:
    """The next batch's serving weights, in the order of ``arms``. Arms not ``eligible`` keep the minimum."""
    eligible_mask = np.ones(len(arms), dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    probabilities = np.zeros(len(arms))
    chosen = np.flatnonzero(eligible_mask)
    if len(chosen):
        probabilities[chosen] = probability_best(
            posterior_draws(metric, [arms[i] for i in chosen], rng=rng, draws=draws))
    return with_minimum(probabilities, min_weight=min_weight)
