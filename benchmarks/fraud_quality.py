"""Fraud quality benchmark: handbook backtest, sign-ups, reviews, online vs batch scoring time.

    .venv/bin/python benchmarks/fraud_quality.py [--data ../shared/data] [--reviews-oof PATH]
                                                 [--skip-online] [--jobs 2]

Prints our figures next to the published ones (data README). Runs in a few minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fraud.ml.backtest import Protocol, evaluate, train_test_split  # noqa: E402
from fraud.ml.features import (FeatureConfig, TransactionHistory, build_features,  # noqa: E402
                               features_online)
from fraud.ml.models import (AnomalyFraudModel, ScoreCombiner, SupervisedFraudModel,  # noqa: E402
                             anomaly_feature_names, labelled_as_of)
from fraud.ml.reviews import deceptive_labels, out_of_fold_scores, write_scores  # noqa: E402
from fraud.ml.signups import (IpCountryLookup, SignupRiskModel,  # noqa: E402
                              build_signup_features, recall_at_precision, split_by_user_id)

DEFAULT_DATA = ROOT.parent / "shared" / "data"
PUBLISHED = [  # (model, AUC ROC, AP, card precision@100), handbook chapters 3, 5, 7
    ("logistic regression", 0.871, 0.606, 0.291),
    ("random forest", 0.867, 0.658, 0.287),
    ("XGBoost", 0.862, 0.639, 0.273),
    ("XGBoost, tuned, ch. 5 prequential", 0.869, 0.687, 0.303),
    ("isolation forest (no labels, ch. 7)", 0.808, 0.164, 0.19),
]
# Customer profile over 90 days: long enough that two weeks of inflated (fraudulent) amounts do
# not become the customer's norm.
HANDBOOK_FEATURES = FeatureConfig(profile_days=90)


def load_handbook(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "fraud_handbook_transactions.csv.gz", parse_dates=["TX_DATETIME"])


def load_signups(data: Path) -> tuple[pd.DataFrame, IpCountryLookup]:
    signups = pd.read_csv(data / "fraud_signups.csv.gz")
    ips = IpCountryLookup.from_frame(pd.read_csv(data / "ip_to_country.csv.gz"))
    return signups, ips


def load_reviews(data: Path) -> pd.DataFrame:
    return pd.read_csv(data / "deceptive_reviews.csv.gz")


def _row(name, auc, ap, cp):
    return f"  {name:<42} {auc:>7.3f} {ap:>7.3f} {cp:>8.3f}"


def run_handbook(data: Path, jobs: int, online: bool) -> None:
    print("== Handbook, chapter 3 protocol (train 07-25..07-31, delay 7 days, test 08-08..08-14)")
    protocol = Protocol()
    t0 = time.perf_counter()
    df = load_handbook(data)
    df = df[df["TX_DATETIME"] < pd.Timestamp(protocol.test_end)]
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    features = build_features(df, HANDBOOK_FEATURES)
    t_features = time.perf_counter() - t0
    train, test = train_test_split(df, protocol)
    print(f"  train {len(train):,} rows / {int(train.TX_FRAUD.sum())} frauds; test {len(test):,}"
          f" rows / {int(test.TX_FRAUD.sum())} frauds  (load {t_load:.1f}s, features for"
          f" {len(df):,} rows {t_features:.1f}s)")
    # Labels used for training must be known when the model goes live (start of the test).
    known = labelled_as_of(train["TX_DATETIME"], protocol.test_start,
                           HANDBOOK_FEATURES.label_delay_days)
    assert known.all(), "training labels would not be known at test time"
    Xtr, Xte = features.loc[train.index], features.loc[test.index]

    t0 = time.perf_counter()
    supervised = SupervisedFraudModel(n_jobs=jobs, random_state=0).fit(Xtr, train["TX_FRAUD"])
    t_fit = time.perf_counter() - t0
    label_free = AnomalyFraudModel(anomaly_feature_names(list(Xtr.columns)), random_state=0).fit(Xtr)
    # The handbook's chapter 7 setting: no labels to train on, but the label-delayed entity risk as inputs.
    with_risk = anomaly_feature_names(list(Xtr.columns)) + [c for c in Xtr.columns if "_risk_" in c or "_nb_fraud_" in c]
    anomaly = AnomalyFraudModel(with_risk, random_state=0).fit(Xtr)
    combined = ScoreCombiner({"supervised": supervised, "anomaly": anomaly},
                             {"supervised": 0.8, "anomaly": 0.2})
    results = {
        "ours: random forest + point-in-time features": supervised.predict_proba(Xte),
        "ours: combiner 0.8 supervised + 0.2 anomaly": combined.predict_proba(Xte),
        "ours: isolation forest, no labels *": anomaly.predict_proba(Xte),
        "ours: isolation forest, no labels at all **": label_free.predict_proba(Xte),
    }
    print(f"  {'model':<42} {'AUC ROC':>7} {'AP':>7} {'CP@100':>8}")
    for name, auc, ap, cp in PUBLISHED:
        print(_row("published " + name, auc, ap, cp))
    measured = {}
    for name, scores in results.items():
        r = evaluate(test, scores, protocol)
        measured[name] = r
        print(_row(name, r.auc_roc, r.average_precision, r.card_precision_at_k))
    ceiling = evaluate(test, test["TX_FRAUD"].to_numpy(float), protocol)
    print(_row("(perfect scores: CP@100 ceiling)", 1, 1, ceiling.card_precision_at_k))
    print("  *  trained without labels; its inputs include the label-delayed terminal risk"
          " (confirmed frauds >= 7 days old), as in the handbook's feature set")
    print("  ** label-free: amount and customer-profile features only, what production's isolation forest sees"
          " (frauds of the compromised-terminal"
          " scenario are invisible to it)")
    sup = measured["ours: random forest + point-in-time features"]
    print(f"  CP@100 per test day: {[round(x, 2) for x in sup.card_precision_per_day]};"
          f" supervised fit {t_fit:.1f}s")
    top = supervised.feature_importances().head(5)
    print("  top features: " + ", ".join(f"{k} {v:.2f}" for k, v in top.items()))
    i = int(np.argmax(results["ours: random forest + point-in-time features"]))
    print("  reasons for the highest-scored test transaction:")
    for reason in combined.reasons(Xte.iloc[i]):
        print(f"    {reason.code}: {reason.message} ({reason.weight:+.4f})")

    if online:
        run_online_vs_batch(df, test, features, supervised, protocol)


def run_online_vs_batch(df, test, features, model, protocol: Protocol) -> None:
    """Score the test window through the online path: history of everything before the test,
    then each transaction in time order gets its features from that history and is appended."""
    cfg = HANDBOOK_FEATURES
    start = pd.Timestamp(protocol.test_start)
    window = df[df["TX_DATETIME"] >= start]
    past = df[(df["TX_DATETIME"] < start)
              & (df["TX_DATETIME"] >= start - pd.Timedelta(seconds=cfg.lookback_seconds + 86_400))]

    t0 = time.perf_counter()
    history = TransactionHistory.from_frame(past, cfg)
    online = features_online(window, history, cfg)
    online_scores = model.predict_proba(online.loc[test.index])
    t_online = time.perf_counter() - t0

    t0 = time.perf_counter()
    batch = build_features(pd.concat([past, window]), cfg)
    batch_scores = model.predict_proba(batch.loc[test.index])
    t_batch = time.perf_counter() - t0

    diff = float(np.abs(online.loc[test.index].to_numpy()
                        - features.loc[test.index].to_numpy()).max())
    same = float(np.abs(online_scores - batch_scores).max())
    # Per-request latency: one transaction's features + one model call.
    sample = window.sample(200, random_state=0).to_dict("records")
    t0 = time.perf_counter()
    for tx in sample:
        model.predict_proba(pd.DataFrame([history.features(tx)]))
    per_tx = (time.perf_counter() - t0) / len(sample)
    print(f"== Online vs batch scoring of the test window ({len(window):,} transactions,"
          f" {len(test):,} scored)")
    print(f"  online (one transaction at a time, incremental history): {t_online:.1f}s;"
          f" batch: {t_batch:.1f}s; online/batch = {t_online / t_batch:.1f}x")
    print(f"  max |online - batch| feature difference {diff:.2e}, score difference {same:.2e};"
          f" single-request latency (features + model) {per_tx * 1000:.1f} ms")


def run_signups(data: Path) -> None:
    print("== Sign-ups (test = user_id divisible by 5)")
    signups, ips = load_signups(data)
    features = build_signup_features(signups, ips)
    train, test = split_by_user_id(signups)
    model = SignupRiskModel().fit(features[train], signups["class"][train])
    scores = model.predict_proba(features[test])
    y = signups["class"][test].to_numpy()
    auc = roc_auc_score(y, scores)
    recall, threshold = recall_at_precision(y, scores, 0.90)
    print(f"  AUC {auc:.3f} (reference gradient boosting 0.777, target >= 0.77); recall at"
          f" precision >= 0.90: {recall:.3f} at score >= {threshold:.3f} (reference 0.56)")


def run_reviews(data: Path, oof_path: Path) -> None:
    print("== Reviews (5-fold out-of-fold)")
    reviews = load_reviews(data)
    y = deceptive_labels(reviews["deceptive"])
    t0 = time.perf_counter()
    scores = out_of_fold_scores(reviews["text"], y, n_splits=5, random_state=0)
    accuracy = float(((scores > 0.5) == y).mean())
    write_scores(oof_path, scores)
    print(f"  OOF accuracy {accuracy:.4f} (TF-IDF + logistic regression reference 0.899, target"
          f" >= 0.90), AUC {roc_auc_score(y, scores):.3f}; {time.perf_counter() - t0:.0f}s;"
          f" scores written to {oof_path}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--reviews-oof", type=Path, default=Path("/tmp/reviews_oof.csv"))
    parser.add_argument("--skip-online", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    run_handbook(args.data, args.jobs, online=not args.skip_online)
    run_signups(args.data)
    run_reviews(args.data, args.reviews_oof)
    print(f"total {time.perf_counter() - t0:.0f}s")


if __name__ == "__main__":
    main()
