"""The backtest commands: backtest_fraud through the production path; the sign-up and review backtests on fraud.ml."""
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def _handbook_like(n: int = 3000) -> pd.DataFrame:
    """70 days of transactions: frauds on three terminals, with bigger amounts."""
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2018-06-01")
    secs = np.sort(rng.integers(0, 70 * 86_400, n))
    fraud = (rng.random(n) < 0.05).astype(int)
    return pd.DataFrame({
        "TRANSACTION_ID": np.arange(n), "TX_DATETIME": start + pd.to_timedelta(secs, unit="s"),
        "CUSTOMER_ID": rng.integers(0, 60, n), "TERMINAL_ID": np.where(fraud == 1, rng.integers(0, 3, n), rng.integers(3, 40, n)),
        "TX_AMOUNT": np.round(np.where(fraud == 1, rng.gamma(2, 150, n), rng.gamma(2, 30, n)), 2), "TX_FRAUD": fraud,
    })


def _run_backtest(*args: str) -> subprocess.CompletedProcess:
    """``manage.py backtest_fraud`` in its own process, on this run's database engine (its scratch
    database is created beside the tests' own, never inside it)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "electroshop.settings"}
    return subprocess.run([sys.executable, "manage.py", "backtest_fraud", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.django_db
def test_backtest_fraud_runs_the_production_path_and_gives_the_apis_scores(tmp_path, staff_api, settings):
    from electroshop.shop.importers import import_generic_orders
    from fraud import labels
    from fraud.handbook import as_chargebacks, as_generic_orders

    df = _handbook_like()
    path, out_path = tmp_path / "tx.csv", tmp_path / "scores.csv"
    df.to_csv(path, index=False)
    done = _run_backtest("--format", "handbook", str(path), "--train-start", "2018-07-20", "--train-days", "7",
                         "--delay-days", "7", "--test-days", "7", "--output", str(out_path))
    assert done.returncode == 0, done.stderr[-2000:]
    text = done.stdout
    assert "AUC ROC" in text and "published: random forest" in text and "this run (supervised)" in text
    assert "through the API's scoring service" in text
    scores = pd.read_csv(out_path)
    assert list(scores.columns) == ["transaction_id", "score"] and len(scores) > 100
    assert scores["score"].between(0, 1).all()

    # The same shop built here, as a merchant would (generic import, chargebacks, retrain with the
    # protocol's settings), scored through POST /api/v1/fraud/score/: the very same scores.
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path / "artifacts"),
                            "FRAUD_LABEL_DELAY_DAYS": 7, "FRAUD_TRAIN_DAYS": 14}
    orders_file = tmp_path / "orders.csv"
    as_generic_orders(df).to_csv(orders_file, index=False)
    assert not import_generic_orders(path=orders_file).bad_rows
    assert labels.import_chargebacks(stream=StringIO(as_chargebacks(df, delay_days=7).to_csv(index=False))).imported
    call_command("retrain", "fraud", "--sync", "--as-of", "2018-08-03", stdout=StringIO(), stderr=StringIO())
    from electroshop.shop.models import Order

    ids = dict(Order.objects.values_list("number", "pk"))
    sample = scores.iloc[:: max(1, len(scores) // 40)]
    for transaction_id, score in zip(sample["transaction_id"], sample["score"]):
        answer = staff_api.post("/api/v1/fraud/score/", {"order_id": ids[str(transaction_id)]}, format="json").json()
        assert answer["score"] == pytest.approx(100 * score, abs=0.006), transaction_id  # the file keeps 6 decimals
        assert answer["source"] == "model"


def test_backtest_fraud_explains_a_window_without_data(tmp_path):
    path = tmp_path / "tx.csv"
    pd.DataFrame({"TRANSACTION_ID": [0], "TX_DATETIME": ["2018-01-01"], "CUSTOMER_ID": [1], "TERMINAL_ID": [1],
                  "TX_AMOUNT": [1.0], "TX_FRAUD": [0]}).to_csv(path, index=False)
    with pytest.raises(CommandError, match="check --train-start"):
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
