import numpy as np
import pandas as pd
import pytest

from fraud.ml.features import (DAY, EntityHistory, FeatureConfig, TransactionHistory,
                               build_features, feature_names, features_for_transaction,
                               features_online)

from .helpers import synthetic_transactions

CONFIG = FeatureConfig(windows_days=(1, 7, 30), label_delay_days=7, customer_risk=True,
                       profile_days=45)


def test_batch_and_online_features_agree_row_by_row():
    df = synthetic_transactions()
    batch = build_features(df, CONFIG)
    online = features_online(df, TransactionHistory(CONFIG), CONFIG)
    assert list(batch.columns) == feature_names(CONFIG)
    np.testing.assert_allclose(online.to_numpy(), batch.to_numpy(), rtol=1e-7, atol=1e-7)
    # Sanity: the data exercises the features (not all zeros).
    assert batch["terminal_id_nb_fraud_30d"].max() > 0
    assert batch["customer_id_nb_tx_7d"].max() > 1


def test_batch_does_not_depend_on_row_order():
    df = synthetic_transactions(seed=3)
    shuffled = df.sample(frac=1.0, random_state=1)
    # Ties keep input order, so drop the tie before comparing orders.
    df = df.drop(index=11)
    shuffled = shuffled.drop(index=11)
    a = build_features(df, CONFIG)
    b = build_features(shuffled, CONFIG).loc[a.index]
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-7, atol=1e-7)


def test_online_from_preloaded_history_matches_batch_for_new_rows():
    df = synthetic_transactions(seed=5)
    cut = df["TX_DATETIME"].iloc[300]
    past, new = df[df["TX_DATETIME"] < cut], df[df["TX_DATETIME"] >= cut]
    history = TransactionHistory.from_frame(past, CONFIG)
    online = features_online(new, history, CONFIG)
    batch = build_features(df, CONFIG).loc[new.index]
    np.testing.assert_allclose(online.to_numpy(), batch.to_numpy(), rtol=1e-7, atol=1e-7)


def test_a_label_cannot_influence_features_before_the_delay_has_passed():
    df = synthetic_transactions(seed=7)
    k = 150
    flipped = df.copy()
    flipped.loc[k, "TX_FRAUD"] = 1 - flipped.loc[k, "TX_FRAUD"]
    a, b = build_features(df, CONFIG), build_features(flipped, CONFIG)
    changed = (a != b).any(axis=1)
    known_at = df.loc[k, "TX_DATETIME"] + pd.Timedelta(days=CONFIG.label_delay_days)
    assert not changed[df["TX_DATETIME"] < known_at].any()
    # ... and it does matter once known (the test would be vacuous otherwise).
    assert changed[df["TX_DATETIME"] >= known_at].any()


def test_online_ignores_labels_younger_than_the_delay_even_if_supplied():
    t0 = pd.Timestamp("2024-03-01 12:00")
    tx = {"TX_DATETIME": t0, "TX_AMOUNT": 50.0, "CUSTOMER_ID": 1, "TERMINAL_ID": 9}
    # Oldest first: one transaction 7.5 days ago, one 6.5 days ago.
    times = (t0 - pd.to_timedelta([7.5, 6.5], unit="D")).astype("datetime64[ns]")
    secs = times.to_numpy().astype(np.int64) // 10**9
    hist = {"TERMINAL_ID": EntityHistory(secs, np.array([30.0, 20.0]), np.array([0.0, 1.0]))}
    f = features_for_transaction(tx, hist, CONFIG)
    assert f["terminal_id_nb_fraud_30d"] == 0.0  # the 6.5-day-old fraud is not known yet
    assert f["terminal_id_risk_30d"] == 0.0
    assert f["terminal_id_nb_tx_30d"] == 2.0  # but both count as activity
    assert f["terminal_id_nb_tx_7d"] == 1.0
    hist["TERMINAL_ID"].labels[:] = [1.0, 0.0]  # the 7.5-day-old one is fraud: now it shows
    f = features_for_transaction(tx, hist, CONFIG)
    assert f["terminal_id_nb_fraud_30d"] == 1.0
    assert f["terminal_id_risk_1d"] == 1.0
    # Known 7 days after it happened (the default delay): known for half a day.
    assert f["terminal_id_secs_since_last_known_fraud"] == pytest.approx(0.5 * DAY)


def test_first_transaction_has_neutral_features():
    tx = {"TX_DATETIME": "2024-03-02 03:00", "TX_AMOUNT": 80.0, "CUSTOMER_ID": 1,
          "TERMINAL_ID": 2}
    f = features_for_transaction(tx, {}, CONFIG)
    assert f["customer_id_nb_tx_30d"] == 0.0
    assert f["customer_id_amount_ratio_7d"] == 1.0
    assert f["customer_id_amount_z"] == 0.0
    assert f["is_night"] == 1.0 and f["is_weekend"] == 1.0  # Saturday 03:00
    assert all(np.isfinite(v) for v in f.values())


def test_customer_spending_features_on_a_hand_checked_case():
    df = pd.DataFrame({
        "TX_DATETIME": pd.to_datetime(["2024-01-01 10:00", "2024-01-05 10:00",
                                       "2024-01-06 09:00", "2024-01-06 10:00"]),
        "CUSTOMER_ID": [1, 1, 1, 1], "TERMINAL_ID": [1, 2, 3, 4],
        "TX_AMOUNT": [10.0, 30.0, 20.0, 100.0], "TX_FRAUD": [0, 0, 0, 0]})
    f = build_features(df, CONFIG).iloc[3]
    # Windows are (t - w, t): 01-05 10:00 is exactly one day before, so not in the 1-day window.
    assert f["customer_id_nb_tx_1d"] == 1
    assert f["customer_id_avg_amount_1d"] == pytest.approx(20.0)
    assert f["customer_id_amount_ratio_1d"] == pytest.approx(5.0)
    assert f["customer_id_nb_tx_7d"] == 3
    assert f["customer_id_avg_amount_7d"] == pytest.approx(20.0)
    assert f["customer_id_amount_ratio_profile"] == pytest.approx(5.0)
    assert f["customer_id_secs_since_prev"] == 3600
    assert f["customer_id_amount_z"] > 2


def test_missing_entity_values_share_no_history():
    config = FeatureConfig(entity_cols=("TERMINAL_ID", "DEVICE_ID"))
    df = synthetic_transactions(n=120, seed=2)
    df["DEVICE_ID"] = np.where(np.arange(len(df)) % 3 == 0, None, "dev-" + (df.index % 4).astype(str))
    batch = build_features(df, config)
    no_device = df["DEVICE_ID"].isna()
    assert (batch.loc[no_device, "device_id_nb_tx_30d"] == 0).all()
    assert (batch.loc[~no_device, "device_id_nb_tx_30d"] > 0).any()
    online = features_online(df, TransactionHistory(config), config)
    np.testing.assert_allclose(online.to_numpy(), batch.to_numpy(), rtol=1e-7, atol=1e-7)


def _online_with_known(df: pd.DataFrame, config: FeatureConfig) -> pd.DataFrame:
    """Each row scored from the earlier rows of its entities, with their labels' known times."""
    tsec = df["TX_DATETIME"].to_numpy().astype("datetime64[s]").astype(np.int64)
    known = np.where(df["KNOWN_AT"].notna(), df["KNOWN_AT"].to_numpy().astype("datetime64[s]").astype(np.int64), -1)
    rows = []
    for i in range(len(df)):
        hist = {}
        for col in config.history_cols:
            mine = np.flatnonzero((df[col].to_numpy() == df[col].iloc[i]) & (np.arange(len(df)) < i))
            if len(mine):
                hist[col] = EntityHistory(tsec[mine], df["TX_AMOUNT"].to_numpy()[mine],
                                          df["TX_FRAUD"].to_numpy(float)[mine], known[mine])
        rows.append(features_for_transaction(df.iloc[i].to_dict(), hist, config))
    return pd.DataFrame(rows, index=df.index, columns=feature_names(config))


def test_a_fraud_counts_from_the_day_it_became_known_whatever_its_delay():
    config = FeatureConfig(windows_days=(1, 7, 30), label_delay_days=7, customer_risk=True, profile_days=45,
                           known_col="KNOWN_AT", label_lookback_days=120)
    df = synthetic_transactions(n=300, days=150, seed=7).drop(index=11).reset_index(drop=True)
    delays = np.random.default_rng(0).uniform(0.5, 90, len(df))  # chargebacks from hours to 90 days late
    df["KNOWN_AT"] = (df["TX_DATETIME"] + pd.to_timedelta(delays, unit="D")).where(df["TX_FRAUD"] == 1)
    batch = build_features(df, config)
    np.testing.assert_allclose(_online_with_known(df, config).to_numpy(), batch.to_numpy(), rtol=1e-7, atol=1e-7)

    # A 60-day-late chargeback: nothing before it is known, then it counts for the window's length.
    terminal = df["TERMINAL_ID"] == 2
    late = df.index[terminal & (df["TX_FRAUD"] == 1)][0]
    only = df.assign(TX_FRAUD=0, KNOWN_AT=pd.NaT)
    only.loc[late, ["TX_FRAUD", "KNOWN_AT"]] = 1, df.loc[late, "TX_DATETIME"] + pd.Timedelta(days=60)
    f = build_features(only, config)
    t = only["TX_DATETIME"]
    known_at = only.loc[late, "KNOWN_AT"]
    counted = f.loc[terminal, "terminal_id_nb_fraud_30d"]
    assert (counted[t[terminal] < known_at] == 0).all()
    assert (counted[(t[terminal] >= known_at) & (t[terminal] < known_at + pd.Timedelta(days=30))] == 1).all()
    assert (counted[t[terminal] >= known_at + pd.Timedelta(days=30)] == 0).all()
    assert ((t[terminal] >= known_at) & (t[terminal] < known_at + pd.Timedelta(days=30))).any()
    # Without a known time, the same fraud counts from 7 days after it (the handbook's assumption).
    assumed = build_features(only.drop(columns="KNOWN_AT"), config)
    assert (assumed.loc[terminal & (t >= t[late] + pd.Timedelta(days=7)) & (t < t[late] + pd.Timedelta(days=37)),
                        "terminal_id_nb_fraud_30d"] == 1).all()
