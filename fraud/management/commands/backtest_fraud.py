"""``manage.py backtest_fraud --format handbook PATH --train-start 2018-07-25 --train-days 7 --delay-days 7
--test-days 7 --output scores.csv``: the fraud handbook's chapter 3 protocol on a transactions file.

Thin: fraud.ml does the work (point-in-time features, the models, the split and the metrics).
The model is trained on batch features of the training days; the test days are then replayed one
transaction at a time, in time order, through the scoring service (``fraud.services.assess``: online
features from the history so far, the model's score and reasons, thresholds), timed, and checked
against the batch prediction. Writes ``transaction_id,score`` for the test transactions and prints
AUC ROC, AP and card precision@100 next to the handbook's published table.
"""
import datetime as dt
import time

import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError

PUBLISHED = [
    ("logistic regression", 0.871, 0.606, 0.291),
    ("random forest", 0.867, 0.658, 0.287),
    ("XGBoost", 0.862, 0.639, 0.273),
    ("XGBoost, tuned (ch. 5 prequential)", 0.869, 0.687, 0.303),
    ("isolation forest (no labels, ch. 7)", 0.808, 0.164, 0.19),
]
COLUMNS = ["TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID", "TERMINAL_ID", "TX_AMOUNT", "TX_FRAUD"]
OPTIONAL = ["TX_TIME_DAYS"]


def _day(value: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min)
    except ValueError:
        raise CommandError(f"--train-start must be a date like 2018-07-25, not {value!r}") from None


class Command(BaseCommand):
    help = "Backtest the transaction-fraud model with the handbook's protocol and metrics."

    def add_arguments(self, parser):
        parser.add_argument("path", help="transactions CSV (may be .gz) or pickle")
        parser.add_argument("--format", choices=["handbook"], default="handbook")
        parser.add_argument("--train-start", default="2018-07-25")
        parser.add_argument("--train-days", type=int, default=7)
        parser.add_argument("--delay-days", type=int, default=7)
        parser.add_argument("--test-days", type=int, default=7)
        parser.add_argument("--model", choices=["supervised", "isolation_forest", "combined"], default="supervised")
        parser.add_argument("--output", help="write transaction_id,score of the test transactions here")

    def handle(self, *args, **o):
        from fraud import selectors, services
        from fraud.ml.backtest import Protocol, add_day_index, evaluate, train_test_split
        from fraud.ml.features import FeatureConfig, TransactionHistory, build_features, feature_names
        from fraud.ml.models import AnomalyFraudModel, ScoreCombiner, SupervisedFraudModel

        for name in ("train_days", "delay_days", "test_days"):
            if o[name] < 1 and name != "delay_days" or o[name] < 0:
                raise CommandError(f"--{name.replace('_', '-')} must be positive")
        protocol = Protocol(start_training=_day(o["train_start"]), delta_train=o["train_days"],
                            delta_delay=o["delay_days"], delta_test=o["test_days"])
        # As benchmarks/fraud_quality.py: a 90-day customer profile, so two weeks of fraudulent
        # amounts do not become the customer's norm.
        config = FeatureConfig(profile_days=90, label_delay_days=o["delay_days"])
        started = time.perf_counter()
        df = self._read(o["path"])
        # The features need history before the training window; nothing after the test window is
        # used. All earlier history is kept (not just the lookback) so the features are the very
        # numbers of benchmarks/fraud_quality.py (batch sums are order-sensitive at 1e-12).
        lookback = pd.Timedelta(seconds=config.lookback_seconds + 86_400)
        in_protocol = (df["TX_DATETIME"] >= pd.Timestamp(protocol.start_training) - lookback) & (
            df["TX_DATETIME"] < pd.Timestamp(protocol.test_end))
        if not in_protocol.any():
            raise CommandError("no transactions in the protocol's window; check --train-start")
        window = df[df["TX_DATETIME"] < pd.Timestamp(protocol.test_end)].reset_index(drop=True)
        if "TX_TIME_DAYS" not in window:
            window = add_day_index(window, protocol, origin=df["TX_DATETIME"].min().normalize())
        features = build_features(window, config)
        names = feature_names(config)
        data = pd.concat([window, features.drop(columns=[c for c in features if c in window])], axis=1)
        train, test = train_test_split(data, protocol)
        if train.empty or test.empty or train["TX_FRAUD"].nunique() < 2:
            raise CommandError("the training window needs both fraud and genuine transactions, and a non-empty test window")
        self.stdout.write(f"read {len(df):,} transactions; train {len(train):,} ({int(train['TX_FRAUD'].sum())} frauds), "
                          f"test {len(test):,} ({int(test['TX_FRAUD'].sum())} frauds)")
        if o["model"] == "supervised":
            model = SupervisedFraudModel(names).fit(train[names], train["TX_FRAUD"])
        elif o["model"] == "isolation_forest":
            model = AnomalyFraudModel(names).fit(train[names])
        else:
            model = ScoreCombiner({"supervised": SupervisedFraudModel(names).fit(train[names], train["TX_FRAUD"]),
                                   "anomaly": AnomalyFraudModel(names).fit(train[names])},
                                  {"supervised": 0.8, "anomaly": 0.2})
        # The test days replayed one transaction at a time through the scoring service (history of
        # everything before, labels only after the delay); the batch prediction checks it.
        test_start = pd.Timestamp(protocol.test_start)
        before, week = window[window["TX_DATETIME"] < test_start], window[window["TX_DATETIME"] >= test_start]
        history = TransactionHistory.from_frame(before, config)
        replay_started = time.perf_counter()
        replayed = services.replay_transactions(week, history=history, model=model,
                                                config=selectors.settings_fraud_config(), progress=True)
        replay_seconds = time.perf_counter() - replay_started
        scores = replayed.loc[test.index, "probability"].to_numpy()
        batch_gap = float(np.abs(scores - model.predict_proba(test[names])).max())
        result = evaluate(test, scores, protocol)
        self.stdout.write(
            f"replayed the {len(week):,} transactions of the test days through the scoring service in "
            f"{replay_seconds:.1f} s ({1000 * replay_seconds / len(week):.2f} ms each; {len(test):,} scored for the "
            f"metrics); max |replay - batch| score {batch_gap:.1e}; levels at the default thresholds: "
            + ", ".join(f"{k} {v:,}" for k, v in replayed["level"].value_counts().items()))
        if o["output"]:
            pd.DataFrame({"transaction_id": test["TRANSACTION_ID"].to_numpy(), "score": scores}).to_csv(
                o["output"], index=False, float_format="%.6f")
        self.stdout.write(f"\n{'model':<40} {'AUC ROC':>8} {'AP':>8} {'CP@100':>8}")
        self.stdout.write(f"{'this run (' + o['model'] + ')':<40} {result.auc_roc:>8.3f} {result.average_precision:>8.3f} "
                          f"{result.card_precision_at_k:>8.3f}")
        for name, auc, ap, cp in PUBLISHED:
            self.stdout.write(f"{'published: ' + name:<40} {auc:>8.3f} {ap:>8.3f} {cp:>8.3f}")
        self.stdout.write(f"\n{time.perf_counter() - started:.1f} s")

    @staticmethod
    def _read(path: str) -> pd.DataFrame:
        try:
            if path.endswith((".pkl", ".pickle")):
                df = pd.read_pickle(path)
            else:
                df = pd.read_csv(path, usecols=lambda c: c in COLUMNS or c in OPTIONAL)
        except FileNotFoundError:
            raise CommandError(f"no such file: {path}") from None
        except (ValueError, pd.errors.ParserError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        missing = set(COLUMNS) - set(df.columns)
        if missing:
            raise CommandError(f"{path} lacks the handbook column(s) {', '.join(sorted(missing))}")
        df["TX_DATETIME"] = pd.to_datetime(df["TX_DATETIME"])
        # Time order; ties keep the file's order (the feature code's tie rule), as the handbook does.
        return df.sort_values("TX_DATETIME", kind="stable").reset_index(drop=True)
