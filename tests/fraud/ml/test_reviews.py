import numpy as np

from fraud.ml.reviews import (ReviewAuthenticityModel, deceptive_labels, out_of_fold_scores,
                              write_scores)

FAKE = ["my husband and i loved this amazing luxury hotel, we will definitely be back!",
        "the most amazing experience ever, my family loved every luxury moment",
        "i highly recommend this hotel to everyone, my wife and i were thrilled",
        "absolutely amazing stay, best hotel in chicago, my husband loved it"] * 3
TRUE = ["room 1412 faced the el tracks; noisy after 11pm but the bed was fine",
        "check-in took 20 minutes, the lobby bar closes at midnight, parking is $45",
        "bathroom small, shower pressure ok, front desk gave us a late checkout at 1",
        "the elevator on floor 9 was out, wifi $12 per day, walked to michigan ave"] * 3


def test_oof_scores_separate_deceptive_from_truthful(tmp_path):
    texts = FAKE + TRUE
    y = np.array([1] * len(FAKE) + [0] * len(TRUE))
    scores = out_of_fold_scores(texts, y, n_splits=3, min_df=1)
    assert scores.shape == (len(texts),)
    assert ((scores > 0.5) == y).mean() == 1.0
    path = tmp_path / "oof.csv"
    write_scores(path, scores)
    lines = path.read_text().splitlines()
    assert lines[0] == "row,score" and lines[1].startswith("0,") and len(lines) == len(texts) + 1


def test_model_probabilities_and_terms():
    model = ReviewAuthenticityModel(min_df=1).fit(FAKE + TRUE, [1] * 12 + [0] * 12)
    p = model.predict_proba(["my husband loved this amazing hotel", "parking is $45 per night"])
    assert p[0] > 0.5 > p[1]
    assert model.top_terms("my husband loved this amazing hotel")


def test_labels():
    assert list(deceptive_labels(["deceptive", "truthful", "Deceptive"])) == [1, 0, 1]
