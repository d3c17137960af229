"""The backtest commands are thin: they read a file, call fraud.ml, write the scores file."""
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command


def test_backtest_fraud_writes_transaction_scores_and_prints_the_published_table(tmp_path):
    rng = np.random.default_rng(0)
    n = 3000
    start = pd.Timestamp("2018-06-01")
    secs = np.sort(rng.integers(0, 70 * 86_400, n))
    fraud = (rng.random(n) < 0.05).astype(int)
    df = pd.DataFrame({
        "TRANSACTION_ID": np.arange(n), "TX_DATETIME": start + pd.to_timedelta(secs, unit="s"),
        "CUSTOMER_ID": rng.integers(0, 60, n), "TERMINAL_ID": np.where(fraud == 1, rng.integers(0, 3, n), rng.integers(3, 40, n)),
        "TX_AMOUNT": np.round(np.where(fraud == 1, rng.gamma(2, 150, n), rng.gamma(2, 30, n)), 2), "TX_FRAUD": fraud,
    })
    path = tmp_path / "tx.csv"
    df.to_csv(path, index=False)
    out_path = tmp_path / "scores.csv"
    out = StringIO()
    call_command("backtest_fraud", "--format", "handbook", str(path), "--train-start", "2018-07-20",
                 "--train-days", "7", "--delay-days", "7", "--test-days", "7", "--output", str(out_path), stdout=out)
    scores = pd.read_csv(out_path)
    assert list(scores.columns) == ["transaction_id", "score"] and len(scores) > 100
    assert scores["score"].between(0, 1).all()
    text = out.getvalue()
    assert "AUC ROC" in text and "published: random forest" in text and "this run" in text
    # the test days went through the scoring service one at a time, and agree with the batch model
    assert "through the scoring service" in text
    gap = float(text.split("max |replay - batch| score ")[1].split(";")[0])
    assert gap < 1e-9


def test_backtest_fraud_explains_a_window_without_data(tmp_path):
    path = tmp_path / "tx.csv"
    pd.DataFrame({"TRANSACTION_ID": [0], "TX_DATETIME": ["2018-01-01"], "CUSTOMER_ID": [1], "TERMINAL_ID": [1],
                  "TX_AMOUNT": [1.0], "TX_FRAUD": [0]}).to_csv(path, index=False)
    with pytest.raises(CommandError, match="no transactions"):
        call_command("backtest_fraud", str(path), "--train-start", "2019-01-01")


def test_backtest_signups_writes_user_scores(tmp_path):
    rng = np.random.default_rng(1)
    n = 600
    signup = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s")
    fraud = (rng.random(n) < 0.15).astype(int)
    purchase = signup + pd.to_timedelta(np.where(fraud == 1, 1, rng.integers(3600, 40 * 86_400, n)), unit="s")
    df = pd.DataFrame({
        "user_id": np.arange(n), "signup_time": signup.strftime("%m/%d/%Y %H:%M"),
        "purchase_time": purchase.strftime("%m/%d/%Y %H:%M"), "purchase_value": rng.integers(10, 100, n),
        "device_id": [f"D{i % 500}" for i in range(n)], "source": rng.choice(["SEO", "Ads"], n),
        "browser": rng.choice(["Chrome", "Safari"], n), "sex": rng.choice(["M", "F"], n),
        "age": rng.integers(18, 70, n), "ip_address": rng.integers(1, 2**31, n).astype(float), "class": fraud,
    })
    path, out_path = tmp_path / "signups.csv", tmp_path / "scores.csv"
    df.to_csv(path, index=False)
    out = StringIO()
    call_command("backtest_signups", str(path), "--output", str(out_path), stdout=out)
    scores = pd.read_csv(out_path)
    assert list(scores.columns) == ["user_id", "score"] and (scores["user_id"] % 5 == 0).all()
    assert "AUC ROC" in out.getvalue()


def test_backtest_reviews_writes_out_of_fold_scores_for_every_row(tmp_path):
    fake = ["amazing luxury stay my husband and I loved the wonderful hotel experience"] * 15
    real = ["room was small, the shower leaked and breakfast cost 20 dollars"] * 15
    df = pd.DataFrame({"deceptive": ["deceptive"] * 15 + ["truthful"] * 15,
                       "text": [f"{t} {i}" for i, t in enumerate(fake + real)]})
    path, out_path = tmp_path / "reviews.csv", tmp_path / "scores.csv"
    df.to_csv(path, index=False)
    call_command("backtest_reviews", str(path), "--folds", "3", "--output", str(out_path), stdout=StringIO())
    scores = pd.read_csv(out_path)
    assert list(scores.columns) == ["row", "score"] and scores["row"].tolist() == list(range(30))
    assert scores["score"][:15].mean() > scores["score"][15:].mean()
