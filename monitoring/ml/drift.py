"""Data drift between a reference sample and a current one (pure numpy/scipy).

Numeric features are compared by the two-sample Kolmogorov-Smirnov test and, when both samples
are large enough, by the population stability index over quantile bins of the reference; categorical features by the chi-square
test of their counts. The p-value tests share one significance level, divided by the number of
features they test (Bonferroni), so that a report of many features is not flagged by chance.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
from scipy import stats

PSI_BINS = 10
# Added to every bin's share: an empty bin would make the PSI infinite.
PSI_EPSILON = 1e-4
# Fewer values than this on either side (daily aggregates over a week) leave bins nearly empty, and
# sampling noise alone gives PSIs above any threshold: such features are tested by KS alone.
PSI_MIN_SAMPLES = 100


@dataclass(frozen=True)
class Thresholds:
    psi_warn: float
    psi_drift: float
    p_value: float
    drift_share: float


def psi(reference: Sequence[float], current: Sequence[float], *, bins: int = PSI_BINS,
        epsilon: float = PSI_EPSILON) -> float:
    """Population stability index of ``current`` against ``reference``, over at most ``bins`` bins cut
    at the reference's quantiles (fewer when the reference has few distinct values)."""
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1))[1:-1])
    expected = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=len(edges) + 1)
    actual = np.bincount(np.searchsorted(edges, current, side="right"), minlength=len(edges) + 1)
    expected = expected / expected.sum() + epsilon
    actual = actual / actual.sum() + epsilon
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def ks_test(reference: Sequence[float], current: Sequence[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov: (statistic, p-value)."""
    result = stats.ks_2samp(np.asarray(reference, dtype=float), np.asarray(current, dtype=float))
    return float(result.statistic), float(result.pvalue)


def chi_square_test(reference: Mapping[str, float], current: Mapping[str, float]) -> tuple[float, float]:
    """Chi-square test that two samples' counts per category come from the same shares:
    (statistic, p-value). Categories absent from both are ignored; one category leaves nothing to test."""
    categories = sorted({key for key, n in reference.items() if n > 0} | {key for key, n in current.items() if n > 0})
    if len(categories) < 2:
        return 0.0, 1.0
    table = np.array([[reference.get(key, 0) for key in categories], [current.get(key, 0) for key in categories]],
                     dtype=float)
    statistic, p_value, _, _ = stats.chi2_contingency(table, correction=False)
    return float(statistic), float(p_value)


def drift_report(*, numeric: Mapping[str, tuple[Sequence[float], Sequence[float]]],
                 categorical: Mapping[str, tuple[Mapping[str, float], Mapping[str, float]]],
                 thresholds: Thresholds) -> dict:
    """Every feature with data on both sides tested: numeric ones by KS (and PSI, from PSI_MIN_SAMPLES
    values on each side), categorical ones by chi-square. Returns ``{"tests": [{feature, test,
    statistic, threshold, drifted, ...}], "share", "drifted", "skipped"}``: ``share`` is the share of tested features with at least one drifted test,
    ``drifted`` whether it reaches ``thresholds.drift_share``, ``skipped`` the features without data."""
    skipped = sorted(set(numeric) | set(categorical))
    numeric = {name: pair for name, pair in numeric.items() if len(pair[0]) >= 2 and len(pair[1]) >= 1}
    categorical = {name: pair for name, pair in categorical.items() if sum(pair[0].values()) > 0
                   and sum(pair[1].values()) > 0}
    tested = len(numeric) + len(categorical)
    skipped = [name for name in skipped if name not in numeric and name not in categorical]
    alpha = thresholds.p_value / max(tested, 1)
    tests: list[dict] = []
    for name, (reference, current) in numeric.items():
        if min(len(reference), len(current)) >= PSI_MIN_SAMPLES:
            index = psi(reference, current)
            tests.append({"feature": name, "test": "psi", "statistic": round(index, 6),
                          "threshold": thresholds.psi_drift, "drifted": index >= thresholds.psi_drift,
                          "warning": index >= thresholds.psi_warn})
        statistic, p_value = ks_test(reference, current)
        tests.append({"feature": name, "test": "ks", "statistic": round(statistic, 6), "p_value": p_value,
                      "threshold": alpha, "drifted": p_value < alpha})
    for name, (reference, current) in categorical.items():
        statistic, p_value = chi_square_test(reference, current)
        tests.append({"feature": name, "test": "chi_square", "statistic": round(statistic, 6), "p_value": p_value,
                      "threshold": alpha, "drifted": p_value < alpha})
    drifted_features = {row["feature"] for row in tests if row["drifted"]}
    share = len(drifted_features) / tested if tested else 0.0
    return {"tests": tests, "share": share, "drifted": tested > 0 and share >= thresholds.drift_share,
            "skipped": skipped}
