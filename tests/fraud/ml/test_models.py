import numpy as np
import pandas as pd
import pytest

from fraud.ml.features import FeatureConfig, build_features
from fraud.ml.models import (LOW_RISK, AnomalyFraudModel, PackedForest, Reason, ScoreCombiner,
                             SupervisedFraudModel, labelled_as_of)

from .helpers import synthetic_transactions

CONFIG = FeatureConfig()


@pytest.fixture(scope="module")
def data():
    df = synthetic_transactions(n=600, n_customers=20, seed=11)
    # Make fraud learnable: large amounts are fraud.
    df["TX_FRAUD"] = (df["TX_AMOUNT"] > 110).astype(int)
    return df, build_features(df, CONFIG)


@pytest.fixture(scope="module")
def models(data):
    df, X = data
    sup = SupervisedFraudModel(n_estimators=30, random_state=0).fit(X, df["TX_FRAUD"])
    ano = AnomalyFraudModel(n_estimators=50, random_state=0).fit(X)  # no labels given
    return sup, ano, ScoreCombiner({"supervised": sup, "anomaly": ano},
                                   {"supervised": 0.8, "anomaly": 0.2})


def _check_reasons(reasons):
    assert reasons, "every score carries at least one reason"
    for r in reasons:
        assert isinstance(r, Reason)
        assert r.code and r.message and np.isfinite(r.weight)


def test_scores_are_probabilities_and_rank_fraud_higher(data, models):
    df, X = data
    for model in models:
        p = model.predict_proba(X)
        assert p.shape == (len(X),)
        assert ((p >= 0) & (p <= 1)).all()
    sup = models[0].predict_proba(X)
    assert sup[df["TX_FRAUD"] == 1].mean() > 3 * sup[df["TX_FRAUD"] == 0].mean()


def test_reasons_are_present_for_every_kind_of_row(data, models):
    df, X = data
    fraud_row = X[df["TX_FRAUD"] == 1].iloc[0]
    typical_row = X.median()  # nothing deviates: the fallback reason must still be there
    for model in models:
        for row in (fraud_row, typical_row, fraud_row.to_dict()):
            _check_reasons(model.reasons(row))
    assert models[0].reasons(typical_row)[0].code == LOW_RISK


def test_supervised_reasons_name_the_driving_feature(data, models):
    df, X = data
    row = X[df["TX_FRAUD"] == 1].sort_values("amount").iloc[-1]
    codes = [r.code for r in models[0].reasons(row, top_k=5)]
    assert any("AMOUNT" in c for c in codes)
    assert all(r.weight > 0 for r in models[0].reasons(row))


def test_packed_trees_give_the_forests_own_probabilities(data, models):
    df, X = data
    sup = models[0]
    packed = PackedForest.from_classifier(sup.forest_)
    assert np.allclose(packed.votes(X.to_numpy()), sup.forest_.predict_proba(X)[:, 1], atol=1e-12)
    one_by_one = [sup.score_one(row)[0] for row in X.to_numpy()[:50]]
    assert np.allclose(one_by_one, sup.predict_proba(X.iloc[:50]), atol=1e-12)


def test_path_contributions_add_up_to_the_score_and_credit_the_driver(data, models):
    df, X = data
    sup = models[0]
    votes, bias, contributions = sup.packed().explain(X.to_numpy()[0])
    assert votes == pytest.approx(bias + contributions.sum(), abs=1e-12)
    # Calibrated: the contributions sum to the score minus the score of the average row.
    row = X[df["TX_FRAUD"] == 1].sort_values("amount").iloc[-1]
    probability, contributions = sup.score_one(row.to_numpy())
    base = sup._calibrate(np.array([sup.packed().value[sup.packed().roots].mean()]))[0]
    assert contributions.sum() == pytest.approx(probability - base, abs=1e-9)
    top = X.columns[int(np.argmax(contributions))]
    assert "amount" in top  # fraud is "large amount" in this data


def test_packed_isolation_trees_give_the_models_own_scores_and_credit_the_outlier(data, models):
    df, X = data
    ano = models[1]
    rows = X[ano.feature_names_].to_numpy()[:60]
    one_by_one = np.array([ano.score_one(row)[0] for row in rows])
    assert np.allclose(one_by_one, ano.predict_proba(X.iloc[:60]), atol=1e-9)
    # an amount far above anything seen: the amount features carry the anomaly
    outlier = X[ano.feature_names_].median().copy()
    outlier["amount"] = 50 * X["amount"].max()
    probability, contributions = ano.score_one(outlier.to_numpy())
    assert probability > 0.9
    assert "amount" in ano.feature_names_[int(np.argmax(contributions))]


def test_anomaly_model_trains_without_labels_and_flags_outliers(data, models):
    _, X = data
    ano = models[1]
    assert "amount" in ano.feature_names_ and "hour" not in ano.feature_names_
    outlier = X.median().copy()
    outlier[["amount", "customer_id_amount_ratio_30d", "customer_id_amount_z"]] = [5000, 50, 9]
    assert ano.predict_proba(pd.DataFrame([outlier]))[0] > 0.95
    # Upper tail only: an unusually *small* amount is not an anomaly.
    small = X.median().copy()
    small[["amount", "customer_id_amount_ratio_30d", "customer_id_amount_z"]] = [0.01, 0.001, -9]
    assert ano.predict_proba(pd.DataFrame([small]))[0] < 0.6
    assert 0.2 < np.median(ano.predict_proba(X)) < 0.8


def test_training_set_respects_the_label_delay(data):
    df, X = data
    as_of = df["TX_DATETIME"].iloc[400]
    mask = labelled_as_of(df["TX_DATETIME"], as_of, label_delay_days=7)
    assert df.loc[mask, "TX_DATETIME"].max() <= as_of - pd.Timedelta(days=7)
    # A label that is not yet known at as_of cannot change the model's scores.
    flipped = df["TX_FRAUD"].copy()
    recent = np.flatnonzero(~mask & (df["TX_DATETIME"] <= as_of).to_numpy())
    flipped.iloc[recent] = 1 - flipped.iloc[recent]
    a = SupervisedFraudModel(n_estimators=20).fit(X[mask], df["TX_FRAUD"][mask])
    b = SupervisedFraudModel(n_estimators=20).fit(X[mask], flipped[mask])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_combiner_is_the_weighted_mean(data, models):
    _, X = data
    sup, ano, comb = models
    expected = 0.8 * sup.predict_proba(X) + 0.2 * ano.predict_proba(X)
    np.testing.assert_allclose(comb.predict_proba(X), expected)
    with pytest.raises(ValueError):
        ScoreCombiner({"supervised": sup}, {"anomaly": 1.0})
