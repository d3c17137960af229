import numpy as np
import pytest

from experiments.ml import bandit, stats
from experiments.ml.bandit import ArmSums


def ctr_arm(impressions, clicks):
    return ArmSums(subjects=impressions, impressions=impressions, clicks=clicks)


def test_weights_sum_to_one_and_keep_the_minimum():
    arms = [ctr_arm(100_000, 2_000), ctr_arm(100_000, 2_500), ctr_arm(100_000, 3_000)]
    weights = bandit.thompson_weights(stats.CTR, arms, rng=np.random.default_rng(1), min_weight=0.01)
    assert weights.sum() == pytest.approx(1.0)
    assert weights.min() >= 0.01 - 1e-12
    assert weights[0] == pytest.approx(0.01) and weights[2] == pytest.approx(0.98)


def test_concentrates_on_the_best_arm_as_evidence_grows():
    rng = np.random.default_rng(2)
    few = bandit.thompson_weights(stats.CTR, [ctr_arm(300, 6), ctr_arm(300, 8), ctr_arm(300, 9)], rng=rng)
    many = bandit.thompson_weights(stats.CTR, [ctr_arm(20_000, 400), ctr_arm(20_000, 500), ctr_arm(20_000, 600)],
                                   rng=rng)
    assert few.max() < 0.8  # a few hundred impressions cannot tell 2% from 3%
    assert many.argmax() == 2 and many[2] > 0.95


def test_no_data_gives_equal_weights_and_the_seed_reproduces_a_batch():
    arms = [ArmSums()] * 4
    weights = bandit.thompson_weights(stats.CTR, arms, rng=np.random.default_rng(3))
    assert np.abs(weights - 0.25).max() < 0.02
    again = bandit.thompson_weights(stats.CTR, arms, rng=np.random.default_rng(3))
    assert np.array_equal(weights, again)
    # revenue without any: identical posteriors, ties shared exactly
    assert bandit.thompson_weights(stats.REVENUE_PER_SUBJECT, arms, rng=np.random.default_rng(3)) \
        == pytest.approx([0.25] * 4)


def test_ineligible_arm_keeps_the_minimum():
    arms = [ctr_arm(0, 0), ctr_arm(5_000, 100), ctr_arm(5_000, 101)]
    weights = bandit.thompson_weights(stats.CTR, arms, rng=np.random.default_rng(4), min_weight=0.05,
                                      eligible=[False, True, True])
    assert weights[0] == pytest.approx(0.05)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[1] > 0.2 and weights[2] > 0.2  # the two close arms share the rest


def test_conversion_and_revenue_posteriors_favour_the_better_arm():
    conversion = bandit.thompson_weights(
        stats.CONVERSION, [ArmSums(subjects=10_000, converting_subjects=200),
                           ArmSums(subjects=10_000, converting_subjects=300)], rng=np.random.default_rng(5))
    assert conversion[1] > 0.95
    rng = np.random.default_rng(6)
    low, high = rng.exponential(10.0, 5_000), rng.exponential(12.0, 5_000)
    revenue = bandit.thompson_weights(
        stats.REVENUE_PER_SUBJECT,
        [ArmSums(subjects=5_000, revenue=low.sum(), revenue_squares=(low ** 2).sum()),
         ArmSums(subjects=5_000, revenue=high.sum(), revenue_squares=(high ** 2).sum())],
        rng=np.random.default_rng(7))
    assert revenue[1] > 0.95


def test_minimum_larger_than_a_share_gives_equal_weights():
    assert bandit.with_minimum(np.array([1.0, 0.0, 0.0]), min_weight=0.5) == pytest.approx([1 / 3] * 3)
