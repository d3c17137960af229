"""``manage.py backtest_fraud --format handbook PATH --train-start 2018-07-25 --train-days 7 --delay-days 7
--test-days 7 [--no-labels] --output scores.csv``: the fraud handbook's chapter 3 protocol through the
production path (``fraud.handbook``: the transactions imported as a shop in a scratch database,
chargebacks, ``retrain fraud``, every test-day order scored by the API's scoring service).

Writes ``transaction_id,score`` of the protocol's test transactions (the probability 0-1 behind the
score the API answers, which is 100 x it rounded to 2 decimals) and prints AUC ROC, AP and card
precision@100 next to the handbook's published table.
"""
import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

PUBLISHED = [
    ("logistic regression", 0.871, 0.606, 0.291),
    ("random forest", 0.867, 0.658, 0.287),
    ("XGBoost", 0.862, 0.639, 0.273),
    ("XGBoost, tuned (ch. 5 prequential)", 0.869, 0.687, 0.303),
    ("isolation forest (no labels, ch. 7)", 0.808, 0.164, 0.19),
]


def _day(value: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time.min)
    except ValueError:
        raise CommandError(f"--train-start must be a date like 2018-07-25, not {value!r}") from None


class Command(BaseCommand):
    help = "Backtest order-risk scoring with the fraud handbook's protocol, through the shop's production path."

    def add_arguments(self, parser):
        parser.add_argument("path", help="transactions CSV (may be .gz) or pickle")
        parser.add_argument("--format", choices=["handbook"], default="handbook")
        parser.add_argument("--train-start", default="2018-07-25")
        parser.add_argument("--train-days", type=int, default=7)
        parser.add_argument("--delay-days", type=int, default=7)
        parser.add_argument("--test-days", type=int, default=7)
        parser.add_argument("--no-labels", action="store_true",
                            help="record no chargebacks: the shop scores without labels (label-free features)")
        parser.add_argument("--output", help="write transaction_id,score of the test transactions here")

    def handle(self, *args, **o):
        from fraud.handbook import HandbookFileError, backtest_handbook, read_handbook
        from fraud.ml.backtest import Protocol

        for name in ("train_days", "test_days", "delay_days"):
            if o[name] < (0 if name == "delay_days" else 1):
                raise CommandError(f"--{name.replace('_', '-')} must be {'0 or more' if name == 'delay_days' else 'positive'}")
        protocol = Protocol(start_training=_day(o["train_start"]), delta_train=o["train_days"],
                            delta_delay=o["delay_days"], delta_test=o["test_days"])
        started = time.perf_counter()
        try:
            df = read_handbook(o["path"])
            run = backtest_handbook(df, protocol, use_labels=not o["no_labels"], progress=True)
        except HandbookFileError as exc:
            raise CommandError(str(exc)) from None
        s = run.seconds
        self.stdout.write(
            f"imported {run.orders:,} transactions as orders ({s['import']:.1f} s) and {run.chargebacks:,} chargebacks; "
            f"retrain fraud as of {protocol.test_start:%Y-%m-%d}: {run.model} ({s['retrain']:.1f} s); scored the "
            f"{run.scored:,} test-day orders through the API's scoring service in {s['scoring']:.1f} s "
            f"({1000 * s['scoring'] / max(run.scored, 1):.2f} ms each; {run.result.n_test:,} in the protocol's test set); "
            "levels: " + ", ".join(f"{k} {v:,}" for k, v in sorted(run.levels.items())))
        if o["output"]:
            run.scores.to_csv(o["output"], index=False, float_format="%.6f")
        r = run.result
        label = f"this run ({run.model}{', no labels' if o['no_labels'] else ''})"
        self.stdout.write(f"\n{'model':<40} {'AUC ROC':>8} {'AP':>8} {'CP@100':>8}")
        self.stdout.write(f"{label:<40} {r.auc_roc:>8.3f} {r.average_precision:>8.3f} {r.card_precision_at_k:>8.3f}")
        for name, auc, ap, cp in PUBLISHED:
            self.stdout.write(f"{'published: ' + name:<40} {auc:>8.3f} {ap:>8.3f} {cp:>8.3f}")
        self.stdout.write(f"\n{time.perf_counter() - started:.1f} s")
