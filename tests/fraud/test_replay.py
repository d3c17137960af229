"""The replay of a transactions file through the scoring service (``services.replay_transactions``)."""
import numpy as np

from fraud import selectors, services
from fraud.ml.features import FeatureConfig, TransactionHistory, build_features, feature_names
from fraud.ml.models import SupervisedFraudModel

from .ml.helpers import synthetic_transactions

CONFIG = FeatureConfig(label_delay_days=2)


def _fitted(df):
    features = build_features(df, CONFIG)
    names = feature_names(CONFIG)
    return SupervisedFraudModel(names, n_estimators=20, random_state=0).fit(features[names], df["TX_FRAUD"]), features


def test_replay_scores_each_transaction_from_its_past_only_and_matches_the_batch_model():
    df = synthetic_transactions(n=800, n_customers=25, seed=3)
    df["TX_FRAUD"] = (df["TX_AMOUNT"] > 110).astype(int)
    model, features = _fitted(df)
    cut = df["TX_DATETIME"].quantile(0.6)
    past, future = df[df["TX_DATETIME"] < cut], df[df["TX_DATETIME"] >= cut]
    config = selectors.settings_fraud_config()

    replayed = services.replay_transactions(future, history=TransactionHistory.from_frame(past, CONFIG),
                                            model=model, config=config)

    batch = model.predict_proba(features.loc[future.index, feature_names(CONFIG)])
    assert np.allclose(replayed["probability"], batch, atol=1e-9)
    assert (replayed["score"] == np.round(100 * replayed["probability"], 2)).all()
    expected_levels = [selectors.level_for_score(s, selectors.thresholds(config, None)) for s in replayed["score"]]
    assert list(replayed["level"]) == expected_levels
    assert replayed["reason"].str.len().gt(0).all()


def test_replay_without_earlier_history_sees_only_the_replayed_transactions():
    df = synthetic_transactions(n=400, n_customers=10, seed=4)
    df["TX_FRAUD"] = (df["TX_AMOUNT"] > 110).astype(int)
    model, _ = _fitted(df)
    late = df.iloc[200:]
    alone = build_features(late, CONFIG)  # as if nothing happened before these rows
    replayed = services.replay_transactions(late, history=TransactionHistory(CONFIG), model=model,
                                            config=selectors.settings_fraud_config())
    assert np.allclose(replayed["probability"], model.predict_proba(alone[feature_names(CONFIG)]), atol=1e-9)
