"""Fake sign-up risk: features known at a new account's first purchase, and a boosted-tree model.

Point in time: a sign-up is scored when its first purchase happens. Its features use only the
sign-up itself, its purchase, the IP-to-country table, and *earlier* sign-ups (sign-up time order,
ties kept in input order) that share its device or IP address. Labels are never features.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import precision_recall_curve

from .models import Reason, _Explainable, describe_feature

SIGNUP_TIME_FORMAT = "%m/%d/%Y %H:%M"
CATEGORICAL = ("source", "browser", "sex", "country")
# Sharing counts and gaps stop growing after this: "a month or more" / "none".
GAP_CAP_SECONDS = 30 * 86_400


class IpCountryLookup:
    """IPv4 (as a number) to country via sorted, non-overlapping ranges."""

    def __init__(self, lower: Sequence[float], upper: Sequence[float], country: Sequence[str]):
        order = np.argsort(np.asarray(lower, float))
        self.lower = np.asarray(lower, float)[order]
        self.upper = np.asarray(upper, float)[order]
        self.country = np.asarray(country, object)[order]

    @classmethod
    def from_frame(cls, df: pd.DataFrame) -> "IpCountryLookup":
        return cls(df["lower_bound_ip_address"], df["upper_bound_ip_address"], df["country"])

    def lookup(self, ips) -> np.ndarray:
        ips = np.asarray(ips, float)
        i = np.searchsorted(self.lower, ips, side="right") - 1
        ok = (i >= 0) & (ips <= self.upper[np.maximum(i, 0)])
        return np.where(ok, self.country[np.maximum(i, 0)], "Unknown").astype(object)


def _parse_times(values) -> pd.Series:
    s = pd.Series(values)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s
    return pd.to_datetime(s, format=SIGNUP_TIME_FORMAT)


@dataclass(frozen=True)
class SignupFeatureConfig:
    shared_cols: tuple[str, ...] = ("device_id", "ip_address")
    quick_purchase_seconds: int = 60
    # Earlier sign-ups sharing a device or IP count only within this many days (None: all of them).
    window_days: float | None = None
    # Leave out features a source lacks (a shop records no age, sex or browser of its customers).
    without: tuple[str, ...] = ()


def _base_features(signup_t: pd.Series, purchase_t: pd.Series, frame: pd.DataFrame,
                   countries: np.ndarray, config: SignupFeatureConfig) -> dict:
    secs = (purchase_t - signup_t).dt.total_seconds().to_numpy()
    return {
        "secs_to_purchase": secs,
        "quick_purchase": (secs <= config.quick_purchase_seconds).astype(float),
        "purchase_value": frame["purchase_value"].to_numpy(float),
        "age": frame["age"].to_numpy(float),
        "signup_hour": signup_t.dt.hour.to_numpy(float),
        "signup_weekday": signup_t.dt.weekday.to_numpy(float),
        "purchase_hour": purchase_t.dt.hour.to_numpy(float),
        "purchase_weekday": purchase_t.dt.weekday.to_numpy(float),
        "source": frame["source"].astype(str).to_numpy(object),
        "browser": frame["browser"].astype(str).to_numpy(object),
        "sex": frame["sex"].astype(str).to_numpy(object),
        "country": countries,
    }


def _countries(frame: pd.DataFrame, ip_lookup: IpCountryLookup | None) -> np.ndarray:
    """Each sign-up's country: from its IP with a lookup table, else its own ``country`` column."""
    if ip_lookup is not None:
        return ip_lookup.lookup(frame["ip_address"])
    if "country" in frame:
        return frame["country"].fillna("").astype(str).replace("", "Unknown").to_numpy(object)
    return np.full(len(frame), "Unknown", object)


def signup_feature_names(config: SignupFeatureConfig = SignupFeatureConfig()) -> list[str]:
    names = ["secs_to_purchase", "quick_purchase", "purchase_value", "age", "signup_hour",
             "signup_weekday", "purchase_hour", "purchase_weekday"]
    for c in config.shared_cols:
        names += [f"{c}_earlier_signups", f"{c}_secs_since_prev_signup"]
    return [n for n in names + list(CATEGORICAL) if n not in config.without]


def build_signup_features(signups: pd.DataFrame, ip_lookup: IpCountryLookup | None = None,
                          config: SignupFeatureConfig = SignupFeatureConfig()) -> pd.DataFrame:
    """Features for every sign-up in ``signups`` (batch), indexed like the input."""
    st = _parse_times(signups["signup_time"]).reset_index(drop=True)
    pt = _parse_times(signups["purchase_time"]).reset_index(drop=True)
    countries = _countries(signups, ip_lookup)
    out = _base_features(st, pt, signups, countries, config)
    order = np.lexsort((np.arange(len(st)), st.to_numpy()))
    tsec = st.to_numpy("datetime64[s]").astype(np.int64)
    for c in config.shared_cols:
        key = pd.Series(signups[c].to_numpy()[order])
        earlier = key.groupby(key, sort=False).cumcount().to_numpy(float)
        t_sorted = pd.Series(tsec[order])
        if config.window_days is not None:  # minus those of the group older than the window
            window = int(round(config.window_days * 86_400))
            codes = pd.factorize(key)[0].astype(np.int64)
            span = int(t_sorted.max() - t_sorted.min()) + window + 2 if len(t_sorted) else 1
            composite = codes * span + (t_sorted.to_numpy() - (int(t_sorted.min()) if len(t_sorted) else 0))
            by_group = np.lexsort((np.arange(len(composite)), composite))
            ordered = composite[by_group]
            too_old = np.searchsorted(ordered, composite - window, side="left")
            group_start = np.searchsorted(ordered, codes * span, side="left")
            older = np.maximum(too_old - group_start, 0).astype(float)
            earlier = earlier - np.minimum(older, earlier)
        prev = t_sorted.groupby(key, sort=False).shift(1)
        gap = np.minimum((t_sorted - prev).fillna(GAP_CAP_SECONDS).to_numpy(float),
                         GAP_CAP_SECONDS)
        e, g = np.empty(len(order)), np.empty(len(order))
        e[order], g[order] = earlier, gap
        out[f"{c}_earlier_signups"], out[f"{c}_secs_since_prev_signup"] = e, g
    return pd.DataFrame({k: out[k] for k in signup_feature_names(config)}, index=signups.index)


def signup_features_for_one(signup: Mapping, earlier: Mapping[str, Sequence],
                            ip_lookup: IpCountryLookup | None = None,
                            config: SignupFeatureConfig = SignupFeatureConfig()) -> dict:
    """Online path: one sign-up at its first purchase. ``earlier[col]`` lists the sign-up times
    of earlier accounts sharing ``signup[col]`` (e.g. from a DB query on device / IP)."""
    frame = pd.DataFrame([signup])
    st, pt = _parse_times(frame["signup_time"]), _parse_times(frame["purchase_time"])
    countries = _countries(frame, ip_lookup)
    out = {k: v[0] for k, v in _base_features(st, pt, frame, countries, config).items()}
    t = int(st.to_numpy("datetime64[s]").astype(np.int64)[0])
    for c in config.shared_cols:
        times = _parse_times(list(earlier.get(c, []))).to_numpy("datetime64[s]").astype(np.int64)
        times = times[times <= t]
        out[f"{c}_earlier_signups"] = float(len(times))
        out[f"{c}_secs_since_prev_signup"] = float(
            min(t - times.max(), GAP_CAP_SECONDS) if len(times) else GAP_CAP_SECONDS)
    return {k: out[k] for k in signup_feature_names(config)}


class SignupRiskModel(_Explainable):
    """Histogram gradient boosting with native categorical handling (source, browser, sex,
    country). Boosting's own log-loss training gives usable probabilities here (10% frauds)."""

    def __init__(self, max_iter: int = 200, learning_rate: float = 0.05, max_leaf_nodes: int = 15,
                 min_samples_leaf: int = 40, l2_regularization: float = 1.0,
                 max_countries: int = 60, random_state: int = 0):
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.max_countries = max_countries
        self.random_state = random_state

    def _categorical(self) -> list[str]:
        return [c for c in CATEGORICAL if c in self.feature_names_]

    def _encode(self, X: pd.DataFrame) -> pd.DataFrame:
        X = X.loc[:, self.feature_names_].copy()
        for c in self._categorical():
            cats = self.categories_[c]
            X[c] = pd.Categorical(X[c].astype(str).where(X[c].astype(str).isin(cats), "other"),
                                  categories=cats).codes.astype(float)
        return X.astype(float)

    def fit(self, X: pd.DataFrame, y) -> "SignupRiskModel":
        self.feature_names_ = list(X.columns)
        self.categories_ = {}
        for c in self._categorical():
            top = X[c].astype(str).value_counts()
            keep = list(top.index[: self.max_countries]) if c == "country" else list(top.index)
            self.categories_[c] = sorted(set(keep) | {"other"})
        Xe = self._encode(X)
        self.model_ = HistGradientBoostingClassifier(
            max_iter=self.max_iter, learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization, early_stopping=False,
            categorical_features=[Xe.columns.get_loc(c) for c in self._categorical()],
            random_state=self.random_state)
        self.model_.fit(Xe, np.asarray(y).astype(int))
        # Occlusion baseline: medians for numbers, most frequent code for categories.
        self.baseline_ = np.array([Xe[c].mode().iloc[0] if c in self._categorical() else Xe[c].median()
                                   for c in Xe.columns], float)
        self._encoded_names = list(Xe.columns)
        return self

    def predict_proba(self, X) -> np.ndarray:
        if isinstance(X, Mapping) or isinstance(X, pd.Series):
            X = pd.DataFrame([dict(X)])
        if all(pd.api.types.is_numeric_dtype(X[c]) for c in self._categorical()):
            Xe = X.loc[:, self.feature_names_].astype(float)  # already encoded (occlusion probes)
        else:
            Xe = self._encode(X)
        return self.model_.predict_proba(Xe)[:, 1]

    def reasons(self, features_row, top_k: int = 3, min_weight: float = 1e-4) -> list[Reason]:
        row = pd.DataFrame([dict(features_row)])
        enc = self._encode(row)
        contrib = self.contributions(enc.iloc[0]).sort_values(ascending=False)
        out = []
        for name, w in contrib.head(top_k).items():
            if w <= min_weight:
                continue
            v = row.iloc[0][name]
            msg = (f"{name} is {v}" if name in self._categorical() else _signup_message(name, float(v)))
            out.append(Reason(name.upper(), msg, float(w)))
        return out or [Reason("NO_RISK_SIGNAL", "no feature raises the risk above what is typical",
                              0.0)]


def _signup_message(name: str, v: float) -> str:
    if name == "secs_to_purchase":
        return f"first purchase {v:.0f} seconds after signing up"
    if name == "quick_purchase":
        return "bought within a minute of signing up" if v else "did not buy straight away"
    if name.endswith("_earlier_signups"):
        return f"{v:.0f} earlier sign-ups from the same {name[:-16].replace('_', ' ')}"
    if name.endswith("_secs_since_prev_signup"):
        return f"{v:.0f} seconds since the previous sign-up from the same " \
               f"{name[:-23].replace('_', ' ')}"
    return describe_feature(name, v)


def recall_at_precision(y_true, scores, min_precision: float = 0.9) -> tuple[float, float]:
    """Highest recall reachable with precision >= ``min_precision``, and the score threshold."""
    precision, recall, thresholds = precision_recall_curve(y_true, scores)
    ok = precision[:-1] >= min_precision
    if not ok.any():
        return 0.0, float("inf")
    best = np.argmax(np.where(ok, recall[:-1], -1))
    return float(recall[best]), float(thresholds[best])


def split_by_user_id(signups: pd.DataFrame, modulo: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Boolean (train, test) masks: test = user_id divisible by ``modulo``."""
    test = (signups["user_id"].to_numpy() % modulo) == 0
    return ~test, test
