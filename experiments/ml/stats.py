"""Experiment statistics: each variant's per-subject arrays in; estimates, lifts, tests, sample sizes out.

The subject (a customer or a browser session) is the unit of randomisation, so every variance below is
taken over subjects, never over impressions or orders.

Metrics
    * ``ctr``: the variant's clicks over its impressions (a ratio of sums). Its variance is the delta
      method's: with ``R = sum(c) / sum(n)`` and the linearised per-subject metric
      ``l_i = (c_i - R * n_i) / mean(n)``, ``Var(R) ~ Var(l) / subjects``. A subject's impressions are
      correlated (some visitors click more), which a per-impression binomial variance would ignore.
    * ``conversion``: the share of subjects with at least one attributed order (0/1 per subject).
    * ``revenue_per_subject``: the mean of each subject's attributed revenue, winsorised: every
      subject's revenue is capped at the 99th percentile of the revenue of the subjects who bought
      (revenue > 0), pooled over all variants. Pooled so that every arm is capped at the same amount;
      over buyers only because when fewer than 1% of subjects buy, the 99th percentile over all
      subjects is 0 and the cap would erase the metric.

Fixed-horizon comparison (``relative_lift``): the lift ``m_t / m_c - 1`` with the delta method's
variance of a ratio of independent means, ``Var ~ v_t / m_c^2 + m_t^2 v_c / m_c^4`` (``v`` the variance
of a mean), a normal 95% interval, and the two-sided p-value of the same statistic (``lift / se``), so
the interval excludes 0 exactly when ``p < 0.05``. Valid for one look at a planned sample size only.

Always-valid test (``sequential_test``): the mixture sequential probability ratio test of Johari,
Koomen, Pekelis and Walsh (2017, "Always valid inference"; Peeking at A/B tests, KDD 2017) on the
difference of means ``d = m_t - m_c`` (for the CTR the means of the linearised metric), with the
plug-in variance ``V = v_t + v_c`` and a mixture over the effect of three normals ``N(0, tau_k^2)``,
weighted equally::

    Lambda = mean_k sqrt(V / (V + tau_k^2)) * exp(tau_k^2 d^2 / (2 V (V + tau_k^2)))

Each term is a non-negative martingale under no difference, so is their mean, and by Ville's inequality
the chance that it ever exceeds ``1 / alpha`` is at most ``alpha``, however often one looks:
``min(1, 1 / Lambda)`` is an always-valid p-value and ``d +- r``, where ``Lambda`` at a difference of
``r`` equals ``1 / alpha`` (found by bisection), the matching confidence sequence. Both are shown
relative to the control's mean. Decision per variant (all metrics: higher is better): ``better`` when
the sequence lies above 0, ``worse`` below 0, ``no_difference`` when it lies within ``(-mde, +mde)`` of
the control, ``need_more_data`` otherwise.

The scales are set by the design, not by the data's difference: ``tau_k = s_k * mde * (m_t + m_c) / 2``
with ``s_k`` in ``MIXTURE_SCALES`` (1, 4, 16), the minimum detectable effect in the metric's units (the
mean of both arms scales the relative MDE; under no difference, with arms of equal size, that mean is
uncorrelated with ``d``). One scale at the MDE alone is the most efficient for effects near the MDE
(``tau^2 / V`` about 17 at the planned size, inside the flat optimum of the boundary), but slow for
effects far beyond it: at a few thousand subjects a lift of several times the MDE would need about
4.7 standard errors (3.3 with the mixture). The larger scales call such effects early; the price is a
boundary about 8% higher near the MDE (3.31 standard errors instead of 3.07 at the planned size),
which the sample size below includes. Early looks, where ``V`` is large against every ``tau_k^2``,
need a large z, which also guards the plug-in variance where it is least reliable.

Sample size (``sequential_sample_size``): the subjects a variant needs so that the always-valid test
above finds an effect of exactly the MDE ``better`` with probability ``power`` at that size: the
smallest ``n`` with ``mde * m_c / sqrt(V(n)) >= z(V(n)) + z_power``, where ``z(V)`` is the mixture's
boundary in standard errors, solved numerically. It asks the last look alone to cross, so any look
schedule (one look, daily, continuous) reaches at least that power at that size. ``V(n)`` uses the
control's per-subject variance, with the variant's taken as ``(1 + mde)`` times it (variance grows
with the mean for counts and rare events) and the control's subjects in proportion to the traffic
shares. A fixed-horizon test would need about half as many subjects, but could not be looked at daily.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as sps

CTR, CONVERSION, REVENUE_PER_SUBJECT = "ctr", "conversion", "revenue_per_subject"
METRICS = (CTR, CONVERSION, REVENUE_PER_SUBJECT)
ALPHA = 0.05
POWER = 0.8
WINSOR_QUANTILE = 0.99

BETTER, WORSE, NO_DIFFERENCE, NEED_MORE_DATA = "better", "worse", "no_difference", "need_more_data"


@dataclass(frozen=True)
class Sample:
    """One variant's subjects: each array holds one value per subject (totals over the experiment)."""

    impressions: np.ndarray
    clicks: np.ndarray
    orders: np.ndarray
    revenue: np.ndarray

    @classmethod
    def of(cls, impressions, clicks, orders, revenue) -> Sample:
        return cls(np.asarray(impressions, dtype=np.float64), np.asarray(clicks, dtype=np.float64),
                   np.asarray(orders, dtype=np.float64), np.asarray(revenue, dtype=np.float64))

    @classmethod
    def empty(cls) -> Sample:
        return cls.of([], [], [], [])

    @property
    def subjects(self) -> int:
        return len(self.impressions)


@dataclass(frozen=True)
class Estimate:
    """A metric's estimate for one variant: ``variance`` is per subject (the mean's is ``variance / subjects``)."""

    subjects: int
    mean: float
    variance: float

    @property
    def variance_of_mean(self) -> float:
        return self.variance / self.subjects if self.subjects else math.inf


@dataclass(frozen=True)
class Lift:
    lift: float
    ci: tuple[float, float]
    p_value: float


@dataclass(frozen=True)
class SequentialResult:
    p_value: float  # always valid
    ci: tuple[float, float] | None  # the confidence sequence on the relative lift
    decision: str


def _variance(values: np.ndarray) -> float:
    return float(values.var(ddof=1)) if len(values) > 1 else 0.0


def ratio_estimate(numerator: np.ndarray, denominator: np.ndarray) -> Estimate:
    """``sum(numerator) / sum(denominator)`` with the per-subject variance of its linearisation."""
    subjects = len(numerator)
    total = float(np.sum(denominator))
    if subjects == 0 or total <= 0:
        return Estimate(subjects, 0.0, 0.0)
    ratio = float(np.sum(numerator)) / total
    linear = (numerator - ratio * denominator) / (total / subjects)
    return Estimate(subjects, ratio, _variance(linear))


def mean_estimate(values: np.ndarray) -> Estimate:
    if len(values) == 0:
        return Estimate(0, 0.0, 0.0)
    return Estimate(len(values), float(np.mean(values)), _variance(values))


def winsorisation_cap(revenues: Sequence[np.ndarray], *, quantile: float = WINSOR_QUANTILE) -> float | None:
    """The pooled ``quantile`` of the per-subject revenue of buyers (revenue > 0) over all variants;
    None when nobody bought."""
    positive = np.concatenate([np.asarray(r, dtype=np.float64)[np.asarray(r) > 0] for r in revenues] or [[]])
    return float(np.quantile(positive, quantile)) if len(positive) else None


def metric_estimate(metric: str, sample: Sample, *, revenue_cap: float | None) -> Estimate:
    if metric == CTR:
        return ratio_estimate(sample.clicks, sample.impressions)
    if metric == CONVERSION:
        return mean_estimate((sample.orders > 0).astype(np.float64))
    if metric == REVENUE_PER_SUBJECT:
        revenue = sample.revenue if revenue_cap is None else np.minimum(sample.revenue, revenue_cap)
        return mean_estimate(revenue)
    raise ValueError(f"unknown metric {metric!r}")


def relative_lift(control: Estimate, variant: Estimate, *, level: float = 1 - ALPHA) -> Lift | None:
    """The variant's relative lift over the control with its fixed-horizon interval and two-sided p-value;
    None when the control's mean is not positive or a variance is unknown."""
    if control.mean <= 0 or control.subjects < 2 or variant.subjects < 2:
        return None
    ratio = variant.mean / control.mean
    se = math.sqrt(variant.variance_of_mean + ratio ** 2 * control.variance_of_mean) / control.mean
    if se <= 0:
        return None
    z = float(sps.norm.ppf(0.5 + level / 2))
    lift = ratio - 1.0
    return Lift(lift=lift, ci=(lift - z * se, lift + z * se), p_value=float(2 * sps.norm.sf(abs(lift) / se)))


# The mixture's scales, in units of the minimum detectable effect, weighted equally (see the module docstring).
MIXTURE_SCALES = (1.0, 4.0, 16.0)


def _log_mixture_ratio(z: float, variance: float, tau2s: Sequence[float]) -> float:
    """log of the mixture likelihood ratio at a difference of ``z`` standard errors."""
    terms = [0.5 * math.log(variance / (variance + tau2)) + tau2 * z * z / (2 * (variance + tau2)) for tau2 in tau2s]
    top = max(terms)
    return top + math.log(sum(math.exp(t - top) for t in terms) / len(terms))


def mixture_boundary(variance: float, tau2s: Sequence[float], *, alpha: float = ALPHA) -> float:
    """How many standard errors ``sqrt(variance)`` the difference must reach for the mixture's likelihood
    ratio to reach ``1 / alpha`` (the ratio grows with the difference: bisection)."""
    target = math.log(1 / alpha)
    low, high = 0.0, 1.0
    while _log_mixture_ratio(high, variance, tau2s) < target:
        high *= 2
    for _ in range(60):
        middle = (low + high) / 2
        if _log_mixture_ratio(middle, variance, tau2s) < target:
            low = middle
        else:
            high = middle
    return high


def _tau2s(mde: float, mean: float) -> list[float]:
    return [(scale * mde * mean) ** 2 for scale in MIXTURE_SCALES]


def sequential_test(control: Estimate, variant: Estimate, *, mde: float, alpha: float = ALPHA) -> SequentialResult:
    """The mixture SPRT of the variant against the control (see the module docstring)."""
    variance = variant.variance_of_mean + control.variance_of_mean
    mean = (variant.mean + control.mean) / 2
    if control.mean <= 0 or control.subjects < 2 or variant.subjects < 2 or not variance > 0 or mde * mean <= 0:
        return SequentialResult(p_value=1.0, ci=None, decision=NEED_MORE_DATA)
    tau2s = _tau2s(mde, mean)
    difference = variant.mean - control.mean
    log_ratio = _log_mixture_ratio(difference / math.sqrt(variance), variance, tau2s)
    radius = mixture_boundary(variance, tau2s, alpha=alpha) * math.sqrt(variance)
    low, high = (difference - radius) / control.mean, (difference + radius) / control.mean
    if low > 0:
        decision = BETTER
    elif high < 0:
        decision = WORSE
    elif -mde < low and high < mde:
        decision = NO_DIFFERENCE
    else:
        decision = NEED_MORE_DATA
    return SequentialResult(p_value=float(min(1.0, math.exp(-log_ratio))), ci=(low, high), decision=decision)


def sequential_sample_size(control: Estimate, *, mde: float, control_share: float = 0.5, variant_share: float = 0.5,
                           alpha: float = ALPHA, power: float = POWER) -> int | None:
    """Subjects the variant needs for ``sequential_test`` to call a true lift of ``mde`` ``better`` with
    probability ``power`` (the control needs ``n * control_share / variant_share``). None without a
    positive control mean and variance."""
    if control.mean <= 0 or control.variance <= 0 or mde <= 0 or control_share <= 0 or variant_share <= 0:
        return None
    effect = mde * control.mean
    tau2s = _tau2s(mde, control.mean * (1 + mde / 2))
    per_subject = control.variance * variant_share / control_share + control.variance * (1 + mde)
    z_power = float(sps.norm.ppf(power))

    def reached(n: int) -> bool:
        variance = per_subject / n
        return effect / math.sqrt(variance) >= mixture_boundary(variance, tau2s, alpha=alpha) + z_power

    # effect / se grows like sqrt(n) while the boundary grows at most like sqrt(log n): one crossing
    high = 2
    while not reached(high):
        high *= 2
    low = high // 2
    while high - low > 1:
        middle = (low + high) // 2
        if reached(middle):
            high = middle
        else:
            low = middle
    return high


def srm_p_value(counts: Sequence[int], weights: Sequence[float]) -> float | None:
    """Sample-ratio mismatch: the chi-square goodness-of-fit p-value of the subjects per variant against
    the traffic weights. Subjects in a variant of weight 0 are a mismatch (0.0); None without subjects in
    at least two weighted variants."""
    observed = np.asarray(counts, dtype=np.float64)
    weight = np.asarray(weights, dtype=np.float64)
    if observed.sum() <= 0:
        return None
    if (observed[weight <= 0] > 0).any():
        return 0.0
    kept = weight > 0
    if kept.sum() < 2:
        return None
    expected = observed[kept].sum() * weight[kept] / weight[kept].sum()
    return float(sps.chisquare(observed[kept], expected).pvalue)
