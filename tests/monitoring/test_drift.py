"""The drift math: PSI, KS, chi-square and the Bonferroni-corrected report."""
import numpy as np
import pytest

from monitoring.ml.drift import PSI_MIN_SAMPLES, Thresholds, chi_square_test, drift_report, psi

THRESHOLDS = Thresholds(psi_warn=0.1, psi_drift=0.25, p_value=0.05, drift_share=0.5)


def test_psi_of_identical_samples_is_zero_and_of_disjoint_ones_large():
    sample = np.random.default_rng(1).normal(100, 20, 2000)
    assert psi(sample, sample) == pytest.approx(0.0, abs=1e-9)
    assert psi(sample, sample + 1000) > 5


def test_a_half_standard_deviation_shift_is_flagged_and_a_fresh_draw_is_not():
    rng = np.random.default_rng(7)
    reference = rng.normal(100, 20, 2000)
    same = drift_report(numeric={"amount": (reference, rng.normal(100, 20, 1000))}, categorical={},
                        thresholds=THRESHOLDS)
    shifted = drift_report(numeric={"amount": (reference, rng.normal(110, 20, 1000))}, categorical={},
                           thresholds=THRESHOLDS)
    assert [row["test"] for row in same["tests"]] == ["psi", "ks"]
    assert not any(row["drifted"] for row in same["tests"]) and same["share"] == 0 and not same["drifted"]
    by_test = {row["test"]: row for row in shifted["tests"]}
    assert by_test["ks"]["drifted"] and by_test["ks"]["p_value"] < 1e-6
    assert by_test["psi"]["warning"] and by_test["psi"]["statistic"] > 0.15
    assert shifted["share"] == 1.0 and shifted["drifted"]


def test_small_samples_are_tested_by_ks_alone():
    report = drift_report(numeric={"per day": (list(range(28)), list(range(7)))}, categorical={},
                          thresholds=THRESHOLDS)
    assert [row["test"] for row in report["tests"]] == ["ks"]
    assert PSI_MIN_SAMPLES > 28


def test_a_ten_point_category_share_shift_is_flagged():
    reference = {"phones": 400, "audio": 300, "cases": 300}
    stable = {"phones": 205, "audio": 148, "cases": 147}
    shifted = {"phones": 250, "audio": 125, "cases": 125}  # phones 40% -> 50%
    assert chi_square_test(reference, stable)[1] > 0.5
    report = drift_report(numeric={}, categorical={"mix": (reference, shifted)}, thresholds=THRESHOLDS)
    (row,) = report["tests"]
    assert row["test"] == "chi_square" and row["drifted"] and row["p_value"] < 0.01
    # a category present on one side only is part of the test; one category leaves nothing to test
    assert chi_square_test({"a": 100}, {"a": 90, "b": 10})[1] < 0.01
    assert chi_square_test({"a": 100}, {"a": 5}) == (0.0, 1.0)


def test_the_significance_level_is_divided_by_the_number_of_features_tested():
    rng = np.random.default_rng(3)
    reference, current = {"a": 500, "b": 500}, {"a": 550, "b": 450}
    assert 0.01 < chi_square_test(reference, current)[1] < 0.05  # drifted alone, not among five features
    alone = drift_report(numeric={}, categorical={"mix": (reference, current)}, thresholds=THRESHOLDS)
    assert alone["tests"][0]["threshold"] == 0.05 and alone["tests"][0]["drifted"]
    numeric = {f"x{k}": (rng.normal(0, 1, 50), rng.normal(0, 1, 50)) for k in range(4)}
    among = drift_report(numeric=numeric, categorical={"mix": (reference, current)}, thresholds=THRESHOLDS)
    mix = next(row for row in among["tests"] if row["feature"] == "mix")
    assert mix["threshold"] == pytest.approx(0.01) and not mix["drifted"]


def test_features_without_data_are_skipped_and_the_share_counts_features_not_tests():
    rng = np.random.default_rng(5)
    report = drift_report(
        numeric={"moved": (rng.normal(0, 1, 500), rng.normal(3, 1, 500)),
                 "still": (rng.normal(0, 1, 500), rng.normal(0, 1, 500)), "empty": ([], [1.0])},
        categorical={"none": ({}, {"a": 3})}, thresholds=THRESHOLDS)
    assert report["skipped"] == ["empty", "none"]
    assert report["share"] == 0.5 and report["drifted"]  # one of two features, with two tests drifted
