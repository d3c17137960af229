"""Review authenticity: TF-IDF word and character n-grams with a linear model.

``ReviewAuthenticityModel.predict_proba(texts)`` is the probability that each review is deceptive
(fake); :func:`out_of_fold_scores` gives honest scores for every training review (k folds).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline


class ReviewAuthenticityModel:
    """Word 1-2 grams + character 1-4 grams (within word boundaries), sublinear TF-IDF,
    L2 logistic regression. Returns P(deceptive)."""

    def __init__(self, C: float = 30.0, word_ngrams: tuple[int, int] = (1, 2),
                 char_ngrams: tuple[int, int] = (1, 4), min_df: int = 2, random_state: int = 0):
        self.C = C
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.random_state = random_state

    def _pipeline(self) -> Pipeline:
        features = FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=self.word_ngrams, min_df=self.min_df,
                                     sublinear_tf=True, lowercase=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=self.char_ngrams,
                                     min_df=self.min_df, sublinear_tf=True, lowercase=True)),
        ])
        clf = LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state)
        return Pipeline([("features", features), ("clf", clf)])

    def fit(self, texts: Sequence[str], y) -> "ReviewAuthenticityModel":
        self.pipeline_ = self._pipeline().fit(list(texts), np.asarray(y).astype(int))
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """P(deceptive) per text."""
        return self.pipeline_.predict_proba(list(texts))[:, 1]

    def top_terms(self, text: str, top_k: int = 5) -> list[tuple[str, float]]:
        """Terms of ``text`` that push most towards "deceptive" (weight x tf-idf)."""
        feats = self.pipeline_.named_steps["features"]
        coef = self.pipeline_.named_steps["clf"].coef_[0]
        x = feats.transform([text]).tocsr()
        names = feats.get_feature_names_out()
        contrib = x.data * coef[x.indices]
        order = np.argsort(-contrib)[:top_k]
        return [(names[x.indices[i]], float(contrib[i])) for i in order if contrib[i] > 0]


def deceptive_labels(values) -> np.ndarray:
    """1 for "deceptive", 0 for "truthful" (the corpus's `deceptive` column)."""
    v = np.asarray(values).astype(str)
    return (np.char.lower(v) == "deceptive").astype(int)


def out_of_fold_scores(texts: Sequence[str], y, n_splits: int = 5, random_state: int = 0,
                       **model_kwargs) -> np.ndarray:
    """P(deceptive) for each text from a model that did not see it (stratified, shuffled folds)."""
    texts = np.asarray(list(texts), dtype=object)
    y = np.asarray(y).astype(int)
    scores = np.zeros(len(texts))
    folds = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for train, test in folds.split(texts, y):
        model = ReviewAuthenticityModel(**model_kwargs).fit(texts[train], y[train])
        scores[test] = model.predict_proba(texts[test])
    return scores


def write_scores(path, scores: np.ndarray) -> None:
    """``row,score`` CSV, row = 0-based data-row index."""
    with open(path, "w") as f:
        f.write("row,score\n")
        for i, s in enumerate(scores):
            f.write(f"{i},{s:.6f}\n")
