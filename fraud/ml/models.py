"""Fraud scoring models over the point-in-time features of :mod:`fraud.ml.features`.

* :class:`SupervisedFraudModel` - random forest with sigmoid-calibrated probabilities, trained only
  on rows whose labels are known at training time (see :func:`labelled_as_of`).
* :class:`AnomalyFraudModel` - isolation forest trained without labels; score mapped to 0..1.
* :class:`ScoreCombiner` - weighted blend of both, with merged reasons.

Every model has ``reasons(features_row)`` returning the top contributing features as
:class:`Reason` ``(code, message, weight)``. Weights come from occlusion: how much the score drops
when the feature is replaced by its typical (training median) value. The list is never empty.
Models are plain picklable objects (store them with joblib).
"""
from __future__ import annotations

import re
from typing import Mapping, NamedTuple, Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import IsolationForest, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from .features import DAY


class Reason(NamedTuple):
    code: str  # stable machine code, e.g. "TERMINAL_ID_RISK_7D"
    message: str  # human explanation with the value
    weight: float  # contribution to the score (score units, >= 0 for risk-raising reasons)


LOW_RISK = "NO_RISK_SIGNAL"


def labelled_as_of(times: pd.Series, as_of, label_delay_days: float) -> np.ndarray:
    """Mask of rows whose label is known at ``as_of`` (happened at least the delay before)."""
    cutoff = pd.Timestamp(as_of) - pd.Timedelta(days=label_delay_days)
    return (pd.to_datetime(times) <= cutoff).to_numpy()


def describe_feature(name: str, value: float) -> str:
    """A short human sentence for a feature value (used in reasons)."""
    v = float(value)
    m = re.fullmatch(r"(.+?)_(risk|nb_fraud)_(\d+(?:\.\d+)?)d", name)
    if m:
        ent, kind, w = m.groups()
        if kind == "risk":
            return f"{v:.0%} of this {_ent(ent)}'s transactions in a {w}-day window were confirmed fraud"
        return f"{v:.0f} confirmed frauds on this {_ent(ent)} in a {w}-day window"
    m = re.fullmatch(r"(.+?)_nb_tx_(\d+(?:\.\d+)?)([dh])", name)
    if m:
        ent, w, unit = m.groups()
        return f"{v:.0f} earlier transactions of this {_ent(ent)} in the last {w}{unit}"
    m = re.fullmatch(r"(.+?)_amount_ratio_(\d+(?:\.\d+)?d|profile)", name)
    if m:
        ent, w = m.groups()
        span = "usual" if w == "profile" else f"{w[:-1]}-day average"
        return f"amount is {v:.1f}x this {_ent(ent)}'s {span}"
    m = re.fullmatch(r"(.+?)_avg_amount_(\d+(?:\.\d+)?)d", name)
    if m:
        return f"{_ent(m.group(1))} average amount over {m.group(2)} days is {v:.2f}"
    if name.endswith("_amount_z"):
        return f"amount is {v:+.1f} standard deviations from this {_ent(name[:-9])}'s usual (log scale)"
    if name.endswith("_secs_since_prev"):
        return f"{_duration(v)} since this {_ent(name[:-16])}'s previous transaction"
    if name.endswith("_last_known_label"):
        return f"latest confirmed transaction of this {_ent(name[:-17])} was {'fraud' if v > 0 else 'genuine'}"
    if name.endswith("_secs_since_last_known_fraud"):
        return f"{_duration(v)} since the latest confirmed fraud on this {_ent(name[:-28])}"
    if name.endswith("_secs_since_first_known_fraud"):
        return f"{_duration(v)} since the first recent confirmed fraud on this {_ent(name[:-29])}"
    if name == "amount":
        return f"amount {v:.2f}"
    if name == "log_amount":
        return f"amount {np.expm1(min(v, 700.0)):.2f}"
    if name == "hour":
        return f"placed at {v:.0f}h"
    if name == "is_night":
        return "placed at night" if v else "placed by day"
    if name == "is_weekend":
        return "placed at the weekend" if v else "placed on a weekday"
    return f"{name} = {v:.4g}"


def _ent(prefix: str) -> str:
    return prefix.replace("_id", "").replace("_", " ")


def _duration(seconds: float) -> str:
    s = float(seconds)
    if s >= DAY:
        return f"{s / DAY:.1f} days"
    if s >= 3600:
        return f"{s / 3600:.1f} hours"
    return f"{s / 60:.0f} minutes"


def _as_frame(X, columns: Sequence[str]) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.loc[:, list(columns)].astype(float)
    if isinstance(X, (pd.Series, Mapping)):
        return pd.DataFrame([{c: float(X[c]) for c in columns}], columns=list(columns))
    arr = np.asarray(X, float)
    return pd.DataFrame(arr.reshape(-1, len(columns)), columns=list(columns))


class _Explainable:
    """Occlusion reasons shared by the models: score drop when a feature takes its median."""

    feature_names_: list[str]
    baseline_: np.ndarray

    def predict_proba(self, X) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _fit_baseline(self, X: pd.DataFrame) -> None:
        self.baseline_ = X.median().to_numpy(float)

    def contributions(self, features_row) -> pd.Series:
        row = _as_frame(features_row, self.feature_names_).iloc[0].to_numpy(float)
        n = len(row)
        probe = np.tile(row, (n + 1, 1))
        probe[np.arange(1, n + 1), np.arange(n)] = self.baseline_
        scores = self.predict_proba(pd.DataFrame(probe, columns=self.feature_names_))
        return pd.Series(scores[0] - scores[1:], index=self.feature_names_)

    def reasons(self, features_row, top_k: int = 3, min_weight: float = 1e-4) -> list[Reason]:
        """Top features pushing this score up; never empty."""
        contrib = self.contributions(features_row).sort_values(ascending=False)
        values = _as_frame(features_row, self.feature_names_).iloc[0]
        out = [Reason(name.upper(), describe_feature(name, values[name]), float(w))
               for name, w in contrib.head(top_k).items() if w > min_weight]
        if not out:
            out = [Reason(LOW_RISK, "no feature raises the risk above what is typical", 0.0)]
        return out


class PackedForest:
    """The trees of a fitted scikit-learn forest in flat arrays, for one-row scoring.

    Checkout scoring is one row at a time, where scikit-learn's per-call overhead (input checks,
    joblib, one call per tree) costs far more than the trees. Here all trees advance one level per
    step as a few numpy operations over ``n_trees`` nodes (about 0.3 ms for 200 trees 50 deep).

    Each node carries a value: for a classifier the positive-class share of its training rows
    (the leaf value is the tree's vote), for an isolation tree ``depth + c(n_node_samples)`` (the
    leaf value is scikit-learn's path length; the root's is the expected one). ``explain`` credits
    each step's change ``value(child) - value(node)`` to the split's feature (decision-path
    contributions, Saabas), so ``mean leaf value == bias + contributions.sum()`` exactly. Same
    numbers as scikit-learn (same float32 comparison); tests pin them.
    """

    def __init__(self, trees, values, feature_maps=None, n_features: int | None = None):
        sizes = np.array([t.node_count for t in trees])
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        feature, threshold, left, right = [], [], [], []
        for i, (t, offset) in enumerate(zip(trees, offsets)):
            own = np.arange(t.node_count) + offset
            leaf = t.children_left < 0
            # A tree fitted on a subset of the columns names them by position in that subset.
            tree_feature = t.feature if feature_maps is None else np.asarray(feature_maps[i])[np.maximum(t.feature, 0)]
            feature.append(np.where(leaf, 0, tree_feature))
            threshold.append(np.where(leaf, np.inf, t.threshold))
            left.append(np.where(leaf, own, t.children_left + offset))
            right.append(np.where(leaf, own, t.children_right + offset))
        self.feature = np.concatenate(feature).astype(np.intp)
        self.threshold = np.concatenate(threshold)
        # children[2 * node] is the left child, children[2 * node + 1] the right one.
        self.children = np.stack([np.concatenate(left), np.concatenate(right)], axis=1).astype(np.intp).ravel()
        self.value = np.concatenate(values).astype(float)
        self.is_leaf = np.concatenate(left) == np.arange(len(self.value))
        self.roots = offsets.astype(np.intp)
        self.n_features = int(n_features if n_features is not None else self.feature.max() + 1)
        self.depth = int(max(t.max_depth for t in trees))

    @classmethod
    def from_classifier(cls, forest, positive_class=1) -> "PackedForest":
        column = list(forest.classes_).index(positive_class)
        trees = [estimator.tree_ for estimator in forest.estimators_]
        values = [t.value[:, 0, column] / np.maximum(t.value[:, 0, :].sum(axis=1), 1e-300) for t in trees]
        return cls(trees, values, n_features=forest.n_features_in_)

    @classmethod
    def from_isolation_forest(cls, forest) -> "PackedForest":
        from sklearn.ensemble._iforest import _average_path_length

        trees = [estimator.tree_ for estimator in forest.estimators_]
        values = [t.compute_node_depths() - 1.0 + _average_path_length(t.n_node_samples) for t in trees]
        subsampled = forest._max_features != forest.n_features_in_
        return cls(trees, values, forest.estimators_features_ if subsampled else None,
                   n_features=forest.n_features_in_)

    def _walk(self, x: np.ndarray) -> np.ndarray:
        """The nodes on one row's path in every tree: levels x trees (a finished path repeats its leaf)."""
        # scikit-learn compares float32 inputs with float64 thresholds: do the same.
        x = np.asarray(x, np.float32).astype(np.float64)
        node = self.roots
        path = [node]
        for level in range(self.depth):
            node = self.children[2 * node + (x[self.feature[node]] > self.threshold[node])]
            path.append(node)
            if level % 6 == 5 and self.is_leaf[node].all():
                break
        return np.array(path)

    def votes(self, X) -> np.ndarray:
        """Mean positive-class probability of the trees for each row (``forest.predict_proba``)."""
        X = np.atleast_2d(np.asarray(X, float))
        return np.array([self.value[self._walk(row)[-1]].mean() for row in X])

    def explain(self, x) -> tuple[float, float, np.ndarray]:
        """``(votes, bias, contributions)`` of one row: bias is the trees' mean root value."""
        path = self._walk(np.asarray(x, float).reshape(-1))
        # Each step down credits value(child) - value(node) to the node's feature (zero at leaves).
        contributions = np.bincount(self.feature[path[:-1]].ravel(),
                                    weights=(self.value[path[1:]] - self.value[path[:-1]]).ravel(),
                                    minlength=self.n_features) / len(self.roots)
        return float(self.value[path[-1]].mean()), float(self.value[self.roots].mean()), contributions


class SupervisedFraudModel(_Explainable):
    """Random forest on labelled history; probabilities calibrated by Platt scaling fitted on the
    forest's out-of-bag votes (so one fit gives both, and the forest's ranking is unchanged).

    A random forest rather than gradient boosting: on the handbook data it keeps the rare
    amount-threshold fraud (a few dozen training rows) that boosting's leaf-size regularisation
    smooths away, and it needs no tuning.
    """

    def __init__(self, feature_names: Sequence[str] | None = None, n_estimators: int = 200,
                 min_samples_leaf: int = 3, max_features: str | float = "sqrt",
                 n_jobs: int | None = None, random_state: int = 0):
        self.feature_names = list(feature_names) if feature_names else None
        self.n_estimators = n_estimators
        self.min_samples_leaf = min_samples_leaf
        self.max_features = max_features
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(self, X: pd.DataFrame, y) -> "SupervisedFraudModel":
        self.feature_names_ = self.feature_names or list(X.columns)
        Xf = _as_frame(X, self.feature_names_)
        y = np.asarray(y).astype(int)
        if len(np.unique(y)) < 2:
            raise ValueError("need both fraud and genuine labelled rows to train")
        self.forest_ = RandomForestClassifier(
            n_estimators=self.n_estimators, min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features, n_jobs=self.n_jobs, random_state=self.random_state,
            oob_score=True)
        self.forest_.fit(Xf, y)
        # Predict single-threaded: process start-up would dominate one-row checkout scoring.
        self.forest_.set_params(n_jobs=None)
        oob = np.nan_to_num(self.forest_.oob_decision_function_[:, 1], nan=float(y.mean()))
        self.calibrator_ = LogisticRegression(C=1e4).fit(oob.reshape(-1, 1), y)
        if self.calibrator_.coef_[0, 0] <= 0:  # degenerate (no signal): keep raw votes
            self.calibrator_ = None
        self._fit_baseline(Xf)
        self.packed_ = None
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Calibrated probability of fraud for each row (1-D)."""
        return self._calibrate(self.forest_.predict_proba(_as_frame(X, self.feature_names_))[:, 1])

    def _calibrate(self, votes) -> np.ndarray:
        votes = np.asarray(votes, float)
        if self.calibrator_ is None:
            return votes
        # The calibrator's own sigmoid, without predict_proba's per-call input checks.
        logit = self.calibrator_.coef_[0, 0] * votes + self.calibrator_.intercept_[0]
        return 1.0 / (1.0 + np.exp(-logit))

    def packed(self) -> PackedForest:
        """The forest packed for one-row scoring (built on first use, also for older artifacts)."""
        if getattr(self, "packed_", None) is None:
            self.packed_ = PackedForest.from_classifier(self.forest_)
        return self.packed_

    def score_one(self, row: np.ndarray) -> tuple[float, np.ndarray]:
        """``(probability, contributions)`` of one row (values in ``feature_names_`` order).

        Contributions are the decision-path contributions of :class:`PackedForest`, rescaled so
        they sum to ``probability - probability of the average row`` (calibration is monotone, so
        signs are kept): the probability points each feature added or removed.
        """
        votes, bias, contributions = self.packed().explain(row)
        probability, base = self._calibrate(np.array([votes, bias]))
        if abs(votes - bias) > 1e-12:
            contributions = contributions * ((probability - base) / (votes - bias))
        return float(probability), contributions

    def feature_importances(self) -> pd.Series:
        return pd.Series(self.forest_.feature_importances_,
                         index=self.feature_names_).sort_values(ascending=False)


def anomaly_feature_names(names: Sequence[str]) -> list[str]:
    """The label-free features the isolation forest sees: the amount, how unusual it is for the
    paying customer (z-score of the log amount and ratio to the long profile's average), and binary
    ``*_mismatch`` flags (countries that disagree). Label-derived features (entity risk) never: the
    forest is what scores a shop without labels. Chosen on the handbook's validation weeks (train
    2018-07-11..17, test 07-25..31; AP 0.299, against 0.255 with the ratios to every window's
    average and 0.233 with terminal velocity added); velocity counts and clock features make the
    forest chase harmless oddities."""
    return [n for n in names
            if n == "amount" or n.endswith(("_amount_z", "_amount_ratio_profile", "_mismatch"))]


class AnomalyFraudModel(_Explainable):
    """Isolation forest fitted without labels. ``predict_proba`` is the anomaly score mapped
    through the training scores' distribution to 0..1 (0.5 = a median transaction, 0.999 = as
    anomalous as the most anomalous training row, strictly increasing so rankings survive).

    ``upper_tail_only``: each feature is clipped from below at its training median, so only
    unusually *high* values (amounts, ratios, risks) can look anomalous; a small basket is not
    suspicious. This one piece of domain knowledge is worth more than any tuning of the forest.
    """

    def __init__(self, feature_names: Sequence[str] | None = None, n_estimators: int = 200,
                 max_samples: int | str = 2048, upper_tail_only: bool = True,
                 random_state: int = 0, n_jobs: int | None = None):
        self.feature_names = list(feature_names) if feature_names else None
        self.n_estimators = n_estimators
        self.max_samples = max_samples
        self.upper_tail_only = upper_tail_only
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _prepare(self, X) -> pd.DataFrame:
        Xf = _as_frame(X, self.feature_names_)
        if self.upper_tail_only:
            Xf = Xf.clip(lower=pd.Series(self.floor_, index=self.feature_names_), axis=1)
        return Xf

    def fit(self, X: pd.DataFrame, y=None) -> "AnomalyFraudModel":
        """``y`` is ignored: the point of this model is to need no labels."""
        self.feature_names_ = self.feature_names or anomaly_feature_names(list(X.columns))
        raw_frame = _as_frame(X, self.feature_names_)
        self.floor_ = raw_frame.median().to_numpy(float)
        Xf = self._prepare(raw_frame)
        max_samples = (min(self.max_samples, len(Xf)) if isinstance(self.max_samples, int)
                       else self.max_samples)
        self.model_ = IsolationForest(n_estimators=self.n_estimators, max_samples=max_samples,
                                      random_state=self.random_state, n_jobs=self.n_jobs)
        self.model_.fit(Xf)
        self.packed_ = None
        raw = -self.model_.score_samples(Xf)  # in (0, 1), higher = more anomalous
        q = np.quantile(raw, np.linspace(0, 1, 1001))
        # Knots (raw score -> normalised score); 0 and 1 pin the extremes so the map stays
        # strictly increasing outside the training range.
        self.knots_x_ = np.concatenate([[0.0], np.maximum.accumulate(q), [1.0]])
        self.knots_y_ = np.concatenate([[0.0], 0.001 + 0.998 * np.linspace(0, 1, 1001), [1.0]])
        self._fit_baseline(raw_frame)
        return self

    def predict_proba(self, X) -> np.ndarray:
        raw = -self.model_.score_samples(self._prepare(X))
        return np.interp(raw, self.knots_x_, self.knots_y_)

    def packed(self) -> PackedForest:
        """The isolation trees packed for one-row scoring (built on first use)."""
        if getattr(self, "packed_", None) is None:
            self.packed_ = PackedForest.from_isolation_forest(self.model_)
        return self.packed_

    def score_one(self, row: np.ndarray) -> tuple[float, np.ndarray]:
        """``(probability, contributions)`` of one row (values in ``feature_names_`` order).

        Contributions are path-length contributions (how much each feature's splits shortened the
        path below the expected one), rescaled so they sum to ``probability - probability of a
        row with the expected path length``: positive = made the row look more anomalous.
        """
        row = np.asarray(row, float).reshape(-1)
        if self.upper_tail_only:
            row = np.maximum(row, self.floor_)
        path, expected, contributions = self.packed().explain(row)
        scale = _average_path_length_of(self.model_._max_samples)
        raw = 2.0 ** (-np.array([path, expected]) / scale) if scale > 0 else np.ones(2)
        probability, base = np.interp(raw, self.knots_x_, self.knots_y_)
        if abs(path - expected) > 1e-12:
            contributions = contributions * ((probability - base) / (path - expected))
        return float(probability), contributions


def _average_path_length_of(n_samples: int) -> float:
    from sklearn.ensemble._iforest import _average_path_length

    return float(_average_path_length(np.array([n_samples]))[0])


class ScoreCombiner:
    """Weighted mean of model scores (each in 0..1); reasons merged by weighted contribution."""

    def __init__(self, models: Mapping[str, _Explainable], weights: Mapping[str, float]):
        if set(models) != set(weights):
            raise ValueError("models and weights must have the same keys")
        total = float(sum(weights.values()))
        if total <= 0:
            raise ValueError("weights must sum to a positive number")
        self.models = dict(models)
        self.weights = {k: float(v) / total for k, v in weights.items()}

    def predict_proba(self, X) -> np.ndarray:
        return sum(w * self.models[k].predict_proba(X) for k, w in self.weights.items())

    def component_scores(self, X) -> dict[str, np.ndarray]:
        return {k: m.predict_proba(X) for k, m in self.models.items()}

    def reasons(self, features_row, top_k: int = 3) -> list[Reason]:
        merged: dict[str, Reason] = {}
        for k, w in self.weights.items():
            for r in self.models[k].reasons(features_row, top_k=top_k):
                if r.code == LOW_RISK:
                    continue
                prev = merged.get(r.code)
                merged[r.code] = Reason(r.code, r.message, (prev.weight if prev else 0.0)
                                        + w * r.weight)
        out = sorted(merged.values(), key=lambda r: -r.weight)[:top_k]
        return out or [Reason(LOW_RISK, "no feature raises the risk above what is typical", 0.0)]
