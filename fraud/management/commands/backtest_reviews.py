"""``manage.py backtest_reviews PATH --folds 5 --output scores.csv``: review authenticity, k-fold.

Thin: fraud.ml.reviews trains and scores out of fold. Writes ``row,score`` (0-based data row,
P(deceptive)) and prints AUC ROC and accuracy at 0.5.
"""
import numpy as np
import pandas as pd
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Backtest the fake-review model with k-fold cross-validation on a labelled reviews file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="reviews CSV with columns deceptive (truthful/deceptive) and text")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--output", help="write row,score here")

    def handle(self, *args, **o):
        from sklearn.metrics import roc_auc_score

        from fraud.ml.reviews import deceptive_labels, out_of_fold_scores, write_scores

        if not 2 <= o["folds"] <= 50:
            raise CommandError("--folds must be between 2 and 50")
        try:
            reviews = pd.read_csv(o["path"])
        except FileNotFoundError:
            raise CommandError(f"no such file: {o['path']}") from None
        except (ValueError, pd.errors.ParserError) as exc:
            raise CommandError(f"cannot read {o['path']}: {exc}") from None
        if not {"deceptive", "text"} <= set(reviews.columns):
            raise CommandError("the file needs the columns deceptive and text")
        y = deceptive_labels(reviews["deceptive"])
        if min(int(y.sum()), int(len(y) - y.sum())) < o["folds"]:
            raise CommandError(f"need at least {o['folds']} deceptive and {o['folds']} truthful reviews")
        scores = out_of_fold_scores(reviews["text"].fillna("").astype(str).tolist(), y, n_splits=o["folds"])
        if o["output"]:
            write_scores(o["output"], scores)
        self.stdout.write(f"{len(y):,} reviews ({int(y.sum())} deceptive), {o['folds']} folds")
        self.stdout.write(f"AUC ROC {roc_auc_score(y, scores):.4f}  accuracy {np.mean((scores >= 0.5) == y):.4f}")
