import numpy as np
import pandas as pd
import pytest

from fraud.ml.signups import (IpCountryLookup, SignupRiskModel, build_signup_features,
                              recall_at_precision, signup_features_for_one, split_by_user_id)


def _signups(n=300, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2015-01-01")
    signup = start + pd.to_timedelta(rng.integers(0, 60 * 24 * 30, n), unit="min")
    fraud = rng.random(n) < 0.15
    wait = np.where(fraud, 0, rng.integers(60, 60 * 24 * 20, n))
    purchase = signup + pd.to_timedelta(wait, unit="min")
    devices = np.where(fraud, rng.choice(["BOT1", "BOT2"], n), [f"D{i}" for i in range(n)])
    fmt = "%m/%d/%Y %H:%M"
    return pd.DataFrame({
        "user_id": np.arange(n), "signup_time": signup.strftime(fmt),
        "purchase_time": purchase.strftime(fmt),
        "purchase_value": rng.integers(10, 100, n), "device_id": devices,
        "source": rng.choice(["SEO", "Ads", "Direct"], n),
        "browser": rng.choice(["Chrome", "Safari"], n), "sex": rng.choice(["M", "F"], n),
        "age": rng.integers(18, 70, n), "ip_address": rng.choice([1.5e9, 2.5e9, 3.9e9], n),
        "class": fraud.astype(int)})


IPS = IpCountryLookup([1e9, 2e9], [2e9 - 1, 3e9], ["France", "Japan"])


def test_country_lookup_handles_gaps():
    assert list(IPS.lookup([1.5e9, 2.5e9, 3.9e9, 5.0])) == ["France", "Japan", "Unknown",
                                                            "Unknown"]


def test_sharing_counts_only_earlier_signups_and_online_agrees():
    df = _signups()
    batch = build_signup_features(df, IPS)
    times = pd.to_datetime(df["signup_time"], format="%m/%d/%Y %H:%M")
    order = np.lexsort((np.arange(len(df)), times.to_numpy()))
    position = np.empty(len(df), int)
    position[order] = np.arange(len(df))
    for i in [0, 5, 17, 42, 199]:
        row = df.iloc[i]
        earlier = {c: [df.iloc[j]["signup_time"] for j in range(len(df))
                       if df.iloc[j][c] == row[c] and position[j] < position[i]]
                   for c in ("device_id", "ip_address")}
        one = signup_features_for_one(row.to_dict(), earlier, IPS)
        assert one["device_id_earlier_signups"] == batch.iloc[i]["device_id_earlier_signups"]
        assert len(earlier["device_id"]) == one["device_id_earlier_signups"]
        for k, v in one.items():
            b = batch.iloc[i][k]
            assert (v == b) if isinstance(v, str) else v == pytest.approx(b), k
    first = position.argmin()
    assert batch.iloc[first]["device_id_earlier_signups"] == 0


def test_model_learns_quick_purchases_and_explains(tmp_path):
    df = _signups(n=600, seed=1)
    X = build_signup_features(df, IPS)
    train, test = split_by_user_id(df)
    assert test.sum() == (df["user_id"] % 5 == 0).sum()
    model = SignupRiskModel(max_iter=30, min_samples_leaf=5).fit(X[train], df["class"][train])
    p = model.predict_proba(X[test])
    y = df["class"][test].to_numpy()
    assert p[y == 1].min() > p[y == 0].max() - 1e-9 or p[y == 1].mean() > 0.8
    fraud_row = X[test][y == 1].iloc[0]
    reasons = model.reasons(fraud_row)
    assert reasons and reasons[0].weight > 0
    assert any(r.code in {"QUICK_PURCHASE", "SECS_TO_PURCHASE", "DEVICE_ID_EARLIER_SIGNUPS",
                          "DEVICE_ID_SECS_SINCE_PREV_SIGNUP"} for r in reasons)
    assert model.reasons(X[test][y == 0].iloc[0])  # never empty


def test_recall_at_precision_hand_checked():
    y = [1, 1, 0, 1, 0, 0]
    s = [.9, .8, .7, .6, .5, .4]
    # threshold .8: precision 1, recall 2/3; threshold .6: precision 3/4 (< .9)
    recall, threshold = recall_at_precision(y, s, min_precision=0.9)
    assert recall == pytest.approx(2 / 3)
    assert threshold == pytest.approx(0.8)
    assert recall_at_precision([0, 1], [.9, .1], 0.9)[0] == 0.0
