import math

import numpy as np
import pytest
from scipy import stats as sps

from experiments.ml import stats
from experiments.ml.stats import Estimate, Sample


def clustered_ctr(rng, subjects, ctr):
    """Visitors with 1 + Poisson(2) impressions and their own click propensity around ``ctr``."""
    impressions = 1 + rng.poisson(2.0, subjects)
    propensity = rng.beta(10 * ctr, 10 * (1 - ctr), subjects)
    return rng.binomial(impressions, propensity).astype(float), impressions.astype(float)


def test_ratio_estimate_is_the_ratio_of_sums_with_the_delta_method_variance():
    clicks, impressions = np.array([0.0, 1, 2, 0]), np.array([2.0, 3, 4, 1])
    estimate = stats.ratio_estimate(clicks, impressions)
    assert estimate.mean == pytest.approx(3 / 10)
    linear = (clicks - 0.3 * impressions) / 2.5
    assert estimate.variance == pytest.approx(linear.var(ddof=1))


def test_delta_method_variance_matches_the_spread_of_ctr_over_repeated_samples():
    rng = np.random.default_rng(1)
    ratios, variances = [], []
    for _ in range(400):
        clicks, impressions = clustered_ctr(rng, 3000, 0.05)
        estimate = stats.ratio_estimate(clicks, impressions)
        ratios.append(estimate.mean)
        variances.append(estimate.variance_of_mean)
    assert np.var(ratios, ddof=1) == pytest.approx(np.mean(variances), rel=0.15)
    # the per-impression binomial variance misses the visitors' correlation
    naive = 0.05 * 0.95 / (3000 * 3)
    assert np.mean(variances) > 1.1 * naive


def test_lift_interval_covers_the_true_lift_about_95_percent_of_the_time():
    rng = np.random.default_rng(2)
    covered, rejected_under_null = 0, 0
    for _ in range(400):
        control = stats.ratio_estimate(*clustered_ctr(rng, 4000, 0.05))
        variant = stats.ratio_estimate(*clustered_ctr(rng, 4000, 0.06))
        low, high = stats.relative_lift(control, variant).ci
        covered += low <= 0.2 <= high
        same = stats.ratio_estimate(*clustered_ctr(rng, 4000, 0.05))
        rejected_under_null += stats.relative_lift(control, same).p_value < 0.05
    assert 0.92 <= covered / 400 <= 0.98
    assert 0.02 <= rejected_under_null / 400 <= 0.08


def test_lift_p_value_agrees_with_its_interval():
    control, variant = Estimate(1000, 0.10, 0.09), Estimate(1000, 0.12, 0.1056)
    lift = stats.relative_lift(control, variant)
    assert lift.lift == pytest.approx(0.2)
    assert (lift.ci[0] > 0) == (lift.p_value < 0.05)
    assert stats.relative_lift(Estimate(1000, 0.0, 0.0), variant) is None


def test_srm_flags_a_52_48_split_at_large_n_and_not_a_fair_one():
    assert stats.srm_p_value([52_000, 48_000], [50, 50]) < 1e-6
    rng = np.random.default_rng(3)
    fair = rng.binomial(100_000, 0.5)
    assert stats.srm_p_value([fair, 100_000 - fair], [1, 1]) > 0.01
    counts = rng.multinomial(100_000, [0.5, 0.3, 0.2])
    assert stats.srm_p_value(counts, [50, 30, 20]) > 0.01
    assert stats.srm_p_value(counts, [50, 20, 30]) < 1e-6


def test_srm_edge_cases():
    assert stats.srm_p_value([0, 0], [1, 1]) is None
    assert stats.srm_p_value([10, 5], [1, 0]) == 0.0  # subjects where no traffic should go
    assert stats.srm_p_value([10, 0], [1, 0]) is None


def test_always_valid_test_keeps_false_positives_under_alpha_with_peeking_unlike_a_fixed_horizon_test():
    rng = np.random.default_rng(4)
    sequential_errors, naive_errors, runs = 0, 0, 200
    for _ in range(runs):
        control, variant = rng.random(20_000) < 0.1, rng.random(20_000) < 0.1
        sequential_hit = naive_hit = False
        for n in range(1000, 20_001, 1000):  # 20 looks
            a = stats.mean_estimate(control[:n].astype(float))
            b = stats.mean_estimate(variant[:n].astype(float))
            result = stats.sequential_test(a, b, mde=0.1)
            sequential_hit |= result.decision in (stats.BETTER, stats.WORSE)
            sequential_hit |= result.p_value < 0.05
            naive_hit |= stats.relative_lift(a, b).p_value < 0.05
        sequential_errors += sequential_hit
        naive_errors += naive_hit
    assert sequential_errors / runs <= 0.05
    assert naive_errors / runs > 0.15  # peeking at a fixed-horizon p-value inflates errors


def test_sequential_decisions():
    big = 200_000
    # 10% vs 12% on 200,000 subjects each: clearly better, clearly worse the other way round
    assert stats.sequential_test(Estimate(big, 0.10, 0.09), Estimate(big, 0.12, 0.1056), mde=0.1).decision \
        == stats.BETTER
    assert stats.sequential_test(Estimate(big, 0.12, 0.1056), Estimate(big, 0.10, 0.09), mde=0.1).decision \
        == stats.WORSE
    same = stats.sequential_test(Estimate(big, 0.10, 0.09), Estimate(big, 0.1002, 0.09), mde=0.1)
    assert same.decision == stats.NO_DIFFERENCE
    assert -0.1 < same.ci[0] < 0 < same.ci[1] < 0.1
    # the same means on 300 subjects: too few to tell
    assert stats.sequential_test(Estimate(300, 0.10, 0.09), Estimate(300, 0.12, 0.1056), mde=0.1).decision \
        == stats.NEED_MORE_DATA
    assert stats.sequential_test(Estimate(big, 0.0, 0.0), Estimate(big, 0.01, 0.01), mde=0.1).decision \
        == stats.NEED_MORE_DATA


def test_always_valid_p_value_and_confidence_sequence_agree():
    result = stats.sequential_test(Estimate(20_000, 0.10, 0.09), Estimate(20_000, 0.107, 0.0955), mde=0.1)
    assert (result.p_value < 0.05) == (result.ci[0] > 0 or result.ci[1] < 0)
    fixed = stats.relative_lift(Estimate(20_000, 0.10, 0.09), Estimate(20_000, 0.107, 0.0955))
    assert result.ci[1] - result.ci[0] > fixed.ci[1] - fixed.ci[0]  # wider than one look's interval


def test_sequential_sample_size_gives_its_power_at_a_single_look():
    control = Estimate(10_000, 0.2, 0.16)
    n = stats.sequential_sample_size(control, mde=0.2)
    z = sps.norm.ppf(0.975) + sps.norm.ppf(0.8)
    fixed = z ** 2 * 0.16 * 2.2 / 0.04 ** 2
    assert 1.5 * fixed < n < 2.5 * fixed  # the price of looking whenever one likes
    assert stats.sequential_sample_size(control, mde=0.1) > 3 * n
    assert stats.sequential_sample_size(Estimate(100, 0.0, 0.0), mde=0.2) is None
    rng = np.random.default_rng(5)
    detected = 0
    for _ in range(300):
        a = stats.mean_estimate((rng.random(n) < 0.2).astype(float))
        b = stats.mean_estimate((rng.random(n) < 0.24).astype(float))
        detected += stats.sequential_test(a, b, mde=0.2).decision == stats.BETTER
    assert 0.74 <= detected / 300 <= 0.88


def test_sample_size_with_unequal_shares_counts_the_variant():
    control = Estimate(10_000, 0.2, 0.16)
    equal = stats.sequential_sample_size(control, mde=0.2)
    # a variant with a quarter of the traffic against a control with three quarters needs fewer of its own
    small = stats.sequential_sample_size(control, mde=0.2, control_share=0.75, variant_share=0.25)
    assert small < equal


def test_winsorisation_cap_is_the_pooled_99th_percentile_of_buyers():
    rng = np.random.default_rng(6)
    a = np.where(rng.random(100_000) < 0.005, rng.lognormal(4, 1, 100_000), 0.0)  # 0.5% buy
    b = np.where(rng.random(100_000) < 0.005, rng.lognormal(4, 1, 100_000), 0.0)
    cap = stats.winsorisation_cap([a, b])
    buyers = np.concatenate([a[a > 0], b[b > 0]])
    assert cap == pytest.approx(np.quantile(buyers, 0.99))
    assert cap > 0 and np.quantile(np.concatenate([a, b]), 0.99) == 0  # over all subjects it would be 0
    sample = Sample.of(np.ones_like(a), np.zeros_like(a), (a > 0).astype(float), a)
    capped = stats.metric_estimate(stats.REVENUE_PER_SUBJECT, sample, revenue_cap=cap)
    assert capped.mean == pytest.approx(np.minimum(a, cap).mean())
    assert capped.mean < a.mean()
    assert stats.winsorisation_cap([np.zeros(3), np.zeros(2)]) is None


def test_conversion_is_the_share_of_subjects_with_an_order():
    sample = Sample.of([1, 2, 0, 5], [0, 1, 0, 0], [0, 2, 1, 0], [0, 20.0, 5.0, 0])
    estimate = stats.metric_estimate(stats.CONVERSION, sample, revenue_cap=None)
    assert estimate.mean == 0.5 and estimate.subjects == 4
    assert math.isclose(estimate.variance, np.var([0, 1, 1, 0], ddof=1))
