"""``manage.py backtest_signups PATH [--ip-countries PATH] --output scores.csv``: fake sign-up detection.

The production sign-up model: the features and the model class the shop trains and serves
(``fraud.signups.PRODUCTION_SIGNUP_FEATURES``: no age, sex or browser, earlier sign-ups sharing a
device or IP over 180 days; the country from the IP table here, the customer's own in the shop); the
split is fraud.ml's (test = user_id divisible by 5). Writes ``user_id,score`` for the test sign-ups
and prints AUC ROC, AP and the recall reachable at 90% precision.
"""
import pandas as pd
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Backtest the fake sign-up model on a labelled sign-ups file."

    def add_arguments(self, parser):
        parser.add_argument("path", help="sign-ups CSV (user_id,signup_time,purchase_time,...,class)")
        parser.add_argument("--ip-countries", help="IPv4 ranges to country CSV (lower_bound_ip_address,...)")
        parser.add_argument("--output", help="write user_id,score of the test sign-ups here")

    def handle(self, *args, **o):
        from sklearn.metrics import average_precision_score, roc_auc_score

        from fraud.ml.signups import (
            IpCountryLookup,
            SignupRiskModel,
            build_signup_features,
            recall_at_precision,
            split_by_user_id,
        )

        try:
            signups = pd.read_csv(o["path"])
            lookup = IpCountryLookup.from_frame(pd.read_csv(o["ip_countries"])) if o["ip_countries"] else None
        except FileNotFoundError as exc:
            raise CommandError(f"no such file: {exc.filename}") from None
        except (ValueError, KeyError, pd.errors.ParserError) as exc:
            raise CommandError(f"cannot read the input: {exc}") from None
        needed = {"user_id", "signup_time", "purchase_time", "purchase_value", "device_id", "source", "browser", "sex",
                  "age", "ip_address", "class"}
        if needed - set(signups.columns):
            raise CommandError(f"missing column(s): {', '.join(sorted(needed - set(signups.columns)))}")
        from fraud.signups import PRODUCTION_SIGNUP_FEATURES

        features = build_signup_features(signups, lookup, config=PRODUCTION_SIGNUP_FEATURES)
        train, test = split_by_user_id(signups)
        y = signups["class"].astype(int).to_numpy()
        model = SignupRiskModel().fit(features[train], y[train])
        scores = model.predict_proba(features[test])
        if o["output"]:
            pd.DataFrame({"user_id": signups.loc[test, "user_id"].to_numpy(), "score": scores}).to_csv(
                o["output"], index=False, float_format="%.6f")
        recall, _ = recall_at_precision(y[test], scores, 0.9)
        self.stdout.write(f"train {int(train.sum()):,} sign-ups, test {int(test.sum()):,} ({int(y[test].sum())} fraud)")
        self.stdout.write(f"AUC ROC {roc_auc_score(y[test], scores):.4f}  AP {average_precision_score(y[test], scores):.4f}  "
                          f"recall@90% precision {recall:.4f}")
