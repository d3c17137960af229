"""Experiments on synthetic visitors of known true rates, through the product's bucketing, statistics and bandit.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/experiments_simulation.py
        [--runs-aa 500] [--runs-ab 500] [--runs-bandit 500] [--seed 15]

``main()`` runs the sections in order; each prints PASS/FAIL lines with its measured figures, and the
script exits 1 if any fails. The repeated runs feed per-subject arrays straight to
``experiments.ml.stats`` and sums to ``experiments.ml.bandit`` (no database):

a. bucketing (``experiments.bucketing``): 1,000,000 subjects (half customers, half browser sessions)
   over weights 50/30/20: each variant's share within 0.3 percentage points of its weight, and a
   second Python process (another ``PYTHONHASHSEED``) computing the same assignments (SHA-256 of them).
b. A/A: two arms of identical visitors, looked at daily (the always-valid test on CTR, conversion and
   winsorised revenue per subject at every look); a false positive is any look deciding ``better`` or
   ``worse``; at most 5.5% of runs.
c. A/B: CTR 3.0% against 3.45% (+15%), looked at daily until both arms hold the subjects
   ``sequential_sample_size`` asks for an MDE of 15% at alpha 0.05 and power 0.8; detected when the
   first conclusive look says ``better``; at least 80% of runs.
d. bandit: three arms of CTR 2.0%, 2.5%, 3.0%, Thompson weights updated every 1,000 impressions from the
   arms' sums: the weights serving the 50,000th impression give the best arm at least 80% in at least
   90% of runs, and a wrong arm at least 80% in at most 5% of them.

The A/A and A/B runs share one design (the traffic and the horizon are those of the A/B test): the
estimator is given the control's CTR and per-subject variance measured on a pilot of 50,000 control
visitors (its own seed), as a merchant's running experiment gives them; visitors per day and arm are
that size over 14 days, split between the arms by 50/50 bucketing (binomial), so a 15th look comes
when the split left an arm short of the size on the 14th.

Visitors (chosen to look like a shop's list traffic, not fitted to any figure here): each sees
``1 + Poisson(2)`` impressions (mean 3) and clicks each with their own propensity drawn from
``Beta(10 p, 10 (1 - p))`` around the arm's CTR ``p`` (so a visitor's clicks are correlated, intra-class
correlation 1/11, which the delta method must carry); 2% buy, ``1 + Poisson(0.2)`` orders of one
log-normal value (median 60, sigma 1: a heavy tail for the winsorisation). The bandit's batch of 1,000
impressions is the example the issue's brief gives (about 333 visitors; 50 batches by 50,000
impressions); its first batch is served at equal weights. Every parameter above was fixed before any
reported run; ``--seed`` other than the default was used to check the code while writing it.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import stats as sps

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from experiments.bucketing import pick, position_in_unit, subject_key  # noqa: E402
from experiments.ml import bandit, stats  # noqa: E402

BUCKET_IDS = 1_000_000
BUCKET_WEIGHTS = (50.0, 30.0, 20.0)
BUCKET_TOLERANCE = 0.003

BASE_CTR, TRUE_LIFT, MDE = 0.03, 0.15, 0.15
PILOT_VISITORS = 50_000
DAYS = 14
MAX_FALSE_POSITIVES, MIN_DETECTED = 0.055, 0.80

BANDIT_CTRS = (0.020, 0.025, 0.030)
BANDIT_BATCH, BANDIT_HORIZON = 1_000, 50_000
BEST_SHARE, MIN_CONVERGED, MAX_WRONG = 0.80, 0.90, 0.05

IMPRESSIONS_EXTRA_MEAN, PROPENSITY_CONCENTRATION = 2.0, 10.0
BUY_RATE, EXTRA_ORDERS_MEAN, ORDER_MEDIAN, ORDER_SIGMA = 0.02, 0.2, 60.0, 1.0


def report(ok: bool, text: str) -> bool:
    print(f"{'PASS' if ok else 'FAIL'}  {text}", flush=True)
    return ok


def visitors(rng: np.random.Generator, count: int, ctr: float) -> stats.Sample:
    """``count`` visitors of true click-through rate ``ctr`` (see the module docstring)."""
    impressions = 1 + rng.poisson(IMPRESSIONS_EXTRA_MEAN, count)
    propensity = rng.beta(PROPENSITY_CONCENTRATION * ctr, PROPENSITY_CONCENTRATION * (1 - ctr), count)
    clicks = rng.binomial(impressions, propensity)
    orders = (rng.random(count) < BUY_RATE) * (1 + rng.poisson(EXTRA_ORDERS_MEAN, count))
    revenue = orders * rng.lognormal(math.log(ORDER_MEDIAN), ORDER_SIGMA, count)
    return stats.Sample.of(impressions, clicks, orders, revenue)


def head(sample: stats.Sample, n: int) -> stats.Sample:
    return stats.Sample(sample.impressions[:n], sample.clicks[:n], sample.orders[:n], sample.revenue[:n])


# --- a. bucketing -----------------------------------------------------------------------------------

def bucket_subjects(seed: int, n: int) -> list[str]:
    """Half customers (ids 1..n/2), half sessions (32 random hex characters each)."""
    customers = [subject_key(customer_id=i) for i in range(1, n // 2 + 1)]
    blob = np.random.default_rng(seed).bytes(16 * (n - n // 2))
    sessions = [subject_key(customer_id=None, session_id=blob[i:i + 16].hex()) for i in range(0, len(blob), 16)]
    return customers + sessions


def assignments(seed: int, n: int) -> np.ndarray:
    salt = np.random.default_rng([seed, 1]).bytes(8).hex()
    weights = list(BUCKET_WEIGHTS)
    return np.array([pick(weights, position_in_unit(salt, s)) for s in bucket_subjects(seed, n)], dtype=np.uint8)


def digest(chosen: np.ndarray) -> str:
    return hashlib.sha256(chosen.tobytes()).hexdigest()


def bucketing_section(args: argparse.Namespace, design: Design) -> list[bool]:
    start = time.perf_counter()
    chosen = assignments(args.seed, BUCKET_IDS)
    seconds = time.perf_counter() - start
    shares = np.bincount(chosen, minlength=len(BUCKET_WEIGHTS)) / len(chosen)
    expected = np.array(BUCKET_WEIGHTS) / sum(BUCKET_WEIGHTS)
    worst = float(np.abs(shares - expected).max())
    child = subprocess.run([sys.executable, __file__, "--bucketing-child", "--seed", str(args.seed)],
                           capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(args.seed + 12345)})
    ours, theirs = digest(chosen), child.stdout.strip()
    return [
        report(worst <= BUCKET_TOLERANCE,
               f"bucketing {len(chosen):,} subjects over {'/'.join(f'{w:g}' for w in BUCKET_WEIGHTS)}: shares "
               f"{' / '.join(f'{100 * s:.3f}%' for s in shares)}, worst {100 * worst:.3f} pp (limit "
               f"{100 * BUCKET_TOLERANCE:.1f} pp); {1e6 * seconds / len(chosen):.2f} us per subject"),
        report(ours == theirs, f"bucketing identical in a second process: sha256 {ours[:16]}... vs {theirs[:16]}..."),
    ]


# --- the A/A and A/B design -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Design:
    subjects_per_arm: int  # what the estimator asks for
    fixed_horizon: int  # what a single look at the planned size would need (for comparison)
    visitors_per_day: int  # both arms together


def plan(seed: int) -> Design:
    pilot = visitors(np.random.default_rng([seed, 0]), PILOT_VISITORS, BASE_CTR)
    control = stats.metric_estimate(stats.CTR, pilot, revenue_cap=None)
    needed = stats.sequential_sample_size(control, mde=MDE)
    z = sps.norm.ppf(1 - stats.ALPHA / 2) + sps.norm.ppf(stats.POWER)
    fixed = math.ceil(z ** 2 * control.variance * (2 + MDE) / (MDE * control.mean) ** 2)
    print(f"      design: pilot control CTR {100 * control.mean:.3f}%, per-subject variance {control.variance:.5f}; "
          f"the estimator asks {needed:,} subjects per arm for MDE {MDE:.0%} (a fixed-horizon test: {fixed:,}, "
          f"x{needed / fixed:.2f}); {DAYS} daily looks of {2 * math.ceil(needed / DAYS):,} visitors", flush=True)
    return Design(subjects_per_arm=needed, fixed_horizon=fixed, visitors_per_day=2 * math.ceil(needed / DAYS))


def daily_sizes(rng: np.random.Generator, design: Design) -> np.ndarray:
    """Cumulative subjects per arm at each daily look (``looks x 2``), 50/50 bucketing, until both arms
    hold the planned size."""
    days = DAYS + 6  # enough for both arms to reach the size: a shortfall of 6 days' traffic is impossible
    control = rng.binomial(design.visitors_per_day, 0.5, days)
    sizes = np.cumsum(np.stack([control, design.visitors_per_day - control], axis=1), axis=0)
    last = int(np.argmax((sizes >= design.subjects_per_arm).all(axis=1)))
    return sizes[:last + 1]


def decisions(control: stats.Sample, variant: stats.Sample, sizes: np.ndarray, metric: str) -> list[str]:
    """The always-valid decision at each look, as the results service computes it."""
    out = []
    for n_control, n_variant in sizes:
        a, b = head(control, n_control), head(variant, n_variant)
        cap = stats.winsorisation_cap([a.revenue, b.revenue]) if metric == stats.REVENUE_PER_SUBJECT else None
        out.append(stats.sequential_test(stats.metric_estimate(metric, a, revenue_cap=cap),
                                         stats.metric_estimate(metric, b, revenue_cap=cap), mde=MDE).decision)
    return out


def aa_section(args: argparse.Namespace, design: Design) -> list[bool]:
    start = time.perf_counter()
    false_positive = {metric: 0 for metric in stats.METRICS}
    no_difference = {metric: 0 for metric in stats.METRICS}
    looks = []
    for run in range(args.runs_aa):
        rng = np.random.default_rng([args.seed, 2, run])
        sizes = daily_sizes(rng, design)
        looks.append(len(sizes))
        control, variant = visitors(rng, int(sizes[-1, 0]), BASE_CTR), visitors(rng, int(sizes[-1, 1]), BASE_CTR)
        for metric in stats.METRICS:
            seen = decisions(control, variant, sizes, metric)
            false_positive[metric] += any(d in (stats.BETTER, stats.WORSE) for d in seen)
            no_difference[metric] += seen[-1] == stats.NO_DIFFERENCE
    runs = args.runs_aa
    checks = [report(false_positive[m] / runs <= MAX_FALSE_POSITIVES,
                     f"A/A {m}: {false_positive[m]} of {runs} runs decided better/worse at some look = "
                     f"{false_positive[m] / runs:.1%} (limit {MAX_FALSE_POSITIVES:.1%}); {np.mean(looks):.2f} "
                     f"daily looks on average; no_difference at the last look in {no_difference[m] / runs:.0%}")
              for m in stats.METRICS]
    print(f"      A/A: {time.perf_counter() - start:.0f} s", flush=True)
    return checks


def ab_section(args: argparse.Namespace, design: Design) -> list[bool]:
    start = time.perf_counter()
    detected, wrong, first_looks = 0, 0, []
    for run in range(args.runs_ab):
        rng = np.random.default_rng([args.seed, 3, run])
        sizes = daily_sizes(rng, design)
        control = visitors(rng, int(sizes[-1, 0]), BASE_CTR)
        variant = visitors(rng, int(sizes[-1, 1]), BASE_CTR * (1 + TRUE_LIFT))
        seen = decisions(control, variant, sizes, stats.CTR)
        conclusive = [(day, d) for day, d in enumerate(seen, 1) if d in (stats.BETTER, stats.WORSE)]
        if conclusive and conclusive[0][1] == stats.BETTER:
            detected += 1
            first_looks.append(conclusive[0][0])
        wrong += bool(conclusive) and conclusive[0][1] == stats.WORSE
    runs = args.runs_ab
    checks = [report(detected / runs >= MIN_DETECTED,
                     f"A/B CTR {BASE_CTR:.1%} vs +{TRUE_LIFT:.0%}: better in {detected} of {runs} runs = "
                     f"{detected / runs:.1%} (at least {MIN_DETECTED:.0%}) by {design.subjects_per_arm:,} subjects "
                     f"per arm; median first look {np.median(first_looks) if first_looks else float('nan'):.0f} "
                     f"of {DAYS}; worse in {wrong}")]
    print(f"      A/B: {time.perf_counter() - start:.0f} s", flush=True)
    return checks


# --- d. bandit ------------------------------------------------------------------------------------------

def bandit_run(seed: int, run: int) -> tuple[np.ndarray, float]:
    """The weights serving the ``BANDIT_HORIZON``-th impression, and the best arm's share of all impressions."""
    rng = np.random.default_rng([seed, 4, run])
    arms = len(BANDIT_CTRS)
    weights = np.full(arms, 1.0 / arms)
    sums = np.zeros((arms, 3), dtype=np.int64)  # subjects, impressions, clicks
    served, batch = 0, 0
    while True:
        # visitors arrive until the batch's 1,000 impressions are served (the last one may see fewer)
        impressions = 1 + rng.poisson(IMPRESSIONS_EXTRA_MEAN, BANDIT_BATCH)
        impressions = impressions[:int(np.searchsorted(np.cumsum(impressions), BANDIT_BATCH)) + 1]
        impressions[-1] -= int(impressions.sum()) - BANDIT_BATCH
        arm = rng.choice(arms, size=len(impressions), p=weights)
        ctr = np.asarray(BANDIT_CTRS)[arm]
        clicks = rng.binomial(impressions, rng.beta(PROPENSITY_CONCENTRATION * ctr,
                                                    PROPENSITY_CONCENTRATION * (1 - ctr)))
        sums[:, 0] += np.bincount(arm, minlength=arms)
        sums[:, 1] += np.bincount(arm, weights=impressions, minlength=arms).astype(np.int64)
        sums[:, 2] += np.bincount(arm, weights=clicks, minlength=arms).astype(np.int64)
        served += BANDIT_BATCH
        if served >= BANDIT_HORIZON:
            return weights, sums[-1, 1] / sums[:, 1].sum()
        batch += 1
        weights = bandit.thompson_weights(
            stats.CTR, [bandit.ArmSums(subjects=int(s), impressions=int(i), clicks=int(c)) for s, i, c in sums],
            rng=np.random.default_rng([seed, 5, run, batch]))


def bandit_section(args: argparse.Namespace, design: Design) -> list[bool]:
    start = time.perf_counter()
    best_arm = int(np.argmax(BANDIT_CTRS))
    final = [bandit_run(args.seed, run) for run in range(args.runs_bandit)]
    weights = np.stack([w for w, _ in final])
    overall = np.array([share for _, share in final])
    converged = float((weights[:, best_arm] >= BEST_SHARE).mean())
    wrong = float((np.delete(weights, best_arm, axis=1) >= BEST_SHARE).any(axis=1).mean())
    ctrs = ", ".join(f"{c:.1%}" for c in BANDIT_CTRS)
    checks = [
        report(converged >= MIN_CONVERGED,
               f"bandit CTRs {ctrs}: best arm >= {BEST_SHARE:.0%} of traffic at impression {BANDIT_HORIZON:,} in "
               f"{converged:.1%} of {args.runs_bandit} runs (at least {MIN_CONVERGED:.0%}); its weight then: median "
               f"{np.median(weights[:, best_arm]):.3f}, 10th percentile {np.quantile(weights[:, best_arm], 0.1):.3f}; "
               f"{overall.mean():.1%} of all {BANDIT_HORIZON:,} impressions"),
        report(wrong <= MAX_WRONG, f"bandit converged on a wrong arm (>= {BEST_SHARE:.0%}) in {wrong:.1%} of runs "
                                   f"(at most {MAX_WRONG:.0%})"),
    ]
    print(f"      bandit: {time.perf_counter() - start:.0f} s", flush=True)
    return checks


# Each section takes (args, design) and returns its checks; the canary rollout and the end-to-end run
# through the read path and the event API are further sections of this list.
def live(args: argparse.Namespace, design: Design) -> list[bool]:
    from experiments_live import live_section  # sets Django up: imported only when it runs

    return live_section(args, design)


def canary(args: argparse.Namespace, design: Design) -> list[bool]:
    from experiments_live import canary_section

    return canary_section(args, design)


SECTIONS: list[Callable[[argparse.Namespace, Design], list[bool]]] = [
    bucketing_section, aa_section, ab_section, bandit_section, live, canary]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-aa", type=int, default=500)
    parser.add_argument("--runs-ab", type=int, default=500)
    parser.add_argument("--runs-bandit", type=int, default=500)
    parser.add_argument("--runs-canary", type=int, default=10, help="rollouts per canary scenario")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--bucketing-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bucketing_child:
        print(digest(assignments(args.seed, BUCKET_IDS)))
        return 0
    start = time.perf_counter()
    design = plan(args.seed)
    checks = [ok for section in SECTIONS for ok in section(args, design)]
    print(f"{'PASS' if all(checks) else 'FAIL'}  {sum(checks)} of {len(checks)} checks "
          f"({time.perf_counter() - start:.0f} s)")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
