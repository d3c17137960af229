"""Point-in-time transaction features, shared by training (batch) and checkout scoring (online).

Every feature of a transaction is computed from that transaction and the transactions that came
*before* it (in time order; rows with the same timestamp keep their input order). Fraud labels count
by time of knowledge: a fraud counts in an entity's ``nb_fraud_<w>d`` at time ``t`` when it became
known in ``(t - w, t]``, whatever its delay, provided its transaction is at most
``label_lookback_days`` old (the history the scoring path reads). When it became known is the
``known_col`` column (a chargeback's date, a reviewer's decision), or, without one, ``label_delay_days``
after the transaction (the handbook's assumption: then the count is the handbook's frauds among the
transactions in ``(t - delay - w, t - delay]``). ``risk_<w>d`` divides it by the entity's transactions
in ``(t - delay - w, t - delay]``, those whose labels are due by ``t`` (at most 1). Unknown labels
(NaN) count as not fraud.

Two implementations of the same definitions:

* :func:`build_features` - vectorised over a whole DataFrame (training, backtests, bulk fills);
* :func:`features_for_transaction` - one new transaction plus the recent history of its entities
  (what the checkout service reads from the database), with :class:`TransactionHistory` as an
  in-memory, incrementally updated history for replays and tests.

Tests check that both give the same numbers.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import numpy as np
import pandas as pd

DAY = 86_400
# Floor for the standard deviation of log amounts: keeps z-scores finite for customers whose
# previous amounts were all the same, and makes batch (cumulative sums) and online (direct) agree.
MIN_LOG_STD = 0.05


@dataclass(frozen=True)
class FeatureConfig:
    """Which columns mean what, and which windows to compute.

    ``customer_col`` is the paying party (card, account): it gets a spending profile.
    ``entity_cols`` are the things a fraudster reuses (terminal/merchant, device, IP, e-mail,
    payment fingerprint, shipping address): each gets velocity counts and label-delayed risk.
    """

    time_col: str = "TX_DATETIME"
    amount_col: str = "TX_AMOUNT"
    label_col: str = "TX_FRAUD"
    customer_col: str | None = "CUSTOMER_ID"
    entity_cols: tuple[str, ...] = ("TERMINAL_ID",)
    windows_days: tuple[float, ...] = (1, 7, 30)
    velocity_hours: tuple[float, ...] = (1,)
    label_delay_days: float = 7
    # When each row's fraud became known (datetime; NaT: no known fraud). None: ``label_delay_days``
    # after the transaction.
    known_col: str | None = None
    # A fraud known late still counts if its transaction is at most this many days old (at least the
    # longest window plus the delay).
    label_lookback_days: float = 0
    customer_risk: bool = False  # also compute label-delayed risk for the customer
    # The customer's "usual amount" (z-score of the log amount) is measured over this many days:
    # longer than the windows so a few recent fraudulent amounts do not become the norm.
    profile_days: float = 30
    night_end_hour: int = 6  # hours [0, night_end_hour) count as night

    @property
    def lookback_seconds(self) -> int:
        """How much history (seconds before a transaction) the features need."""
        longest = max(max(self.windows_days), self.profile_days) * DAY
        if self.risk_cols:
            longest = max(longest, self.label_lookback_seconds)
        return int(np.ceil(longest))

    @property
    def label_lookback_seconds(self) -> int:
        """How old a transaction may be for its (late) fraud label to count."""
        return int(round(max(max(self.windows_days) + self.label_delay_days, self.label_lookback_days) * DAY))

    @property
    def risk_cols(self) -> tuple[str, ...]:
        cols = tuple(self.entity_cols)
        if self.customer_risk and self.customer_col:
            cols = (self.customer_col,) + cols
        return cols

    @property
    def history_cols(self) -> tuple[str, ...]:
        """Entity columns whose history is needed to score one transaction."""
        cols = ((self.customer_col,) if self.customer_col else ()) + tuple(self.entity_cols)
        return tuple(dict.fromkeys(cols))


def _prefix(col: str) -> str:
    return col.lower()


def _wname(days: float) -> str:
    return f"{days:g}d"


def feature_names(config: FeatureConfig) -> list[str]:
    """Feature columns produced by both paths, in a stable order."""
    return list(_feature_names(config))


@lru_cache(maxsize=64)  # the online path asks once per transaction
def _feature_names(config: FeatureConfig) -> tuple[str, ...]:
    names = ["amount", "log_amount", "hour", "is_night", "is_weekend"]
    c = config.customer_col
    if c:
        p = _prefix(c)
        for w in config.windows_days:
            names += [f"{p}_nb_tx_{_wname(w)}", f"{p}_avg_amount_{_wname(w)}",
                      f"{p}_amount_ratio_{_wname(w)}"]
        names += [f"{p}_amount_z", f"{p}_amount_ratio_profile", f"{p}_secs_since_prev"]
    for e in config.entity_cols:
        p = _prefix(e)
        for h in config.velocity_hours:
            names.append(f"{p}_nb_tx_{h:g}h")
        for w in config.windows_days:
            names.append(f"{p}_nb_tx_{_wname(w)}")
    for e in config.risk_cols:
        p = _prefix(e)
        for w in config.windows_days:
            names += [f"{p}_risk_{_wname(w)}", f"{p}_nb_fraud_{_wname(w)}"]
        # Is a known compromise still going on? (last known label, age of the known frauds)
        names += [f"{p}_last_known_label", f"{p}_secs_since_last_known_fraud",
                  f"{p}_secs_since_first_known_fraud"]
    return tuple(names)


def to_seconds(values) -> np.ndarray:
    """Datetimes (naive = UTC) as int64 epoch seconds."""
    ts = pd.to_datetime(pd.Series(values) if not isinstance(values, pd.Series) else values)
    if getattr(ts.dt, "tz", None) is not None:
        ts = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts.to_numpy(dtype="datetime64[ns]").astype(np.int64) // 1_000_000_000


def one_to_seconds(value) -> int:
    """One datetime (naive = UTC, aware converted) as epoch seconds; fast path for scoring."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert("UTC").tz_localize(None)
    return int(ts.value // 1_000_000_000) if ts.unit == "ns" else int(
        ts.as_unit("ns").value // 1_000_000_000)


def _time_features(tsec: np.ndarray, amount: np.ndarray, config: FeatureConfig) -> dict:
    hour = (tsec % DAY) // 3600
    weekday = ((tsec // DAY) + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return {
        "amount": amount.astype(float),
        "log_amount": np.log1p(np.maximum(amount, 0.0)),
        "hour": hour.astype(float),
        "is_night": (hour < config.night_end_hour).astype(float),
        "is_weekend": (weekday >= 5).astype(float),
    }


# ---------------------------------------------------------------------------------------------
# Batch path
# ---------------------------------------------------------------------------------------------

class _Grouped:
    """Rows sorted by (entity, time, input order) with window index lookups via searchsorted."""

    def __init__(self, keys: np.ndarray, tsec: np.ndarray):
        codes, uniques = pd.factorize(keys)
        missing = codes < 0  # no entity value (e.g. no device id): no shared history
        codes[missing] = len(uniques) + np.arange(int(missing.sum()))
        self.order = np.lexsort((np.arange(len(tsec)), tsec, codes))
        c = codes[self.order].astype(np.int64)
        t = tsec[self.order]
        self.codes = c
        self.t = t
        tmin = int(t.min()) if len(t) else 0
        self.span = (int(t.max()) - tmin + 1) if len(t) else 1
        self.comp = c * self.span + (t - tmin)
        self.gstart = np.searchsorted(self.comp, c * self.span, side="left")
        self.idx = np.arange(len(t))
        self.same_group_prev = np.r_[False, c[1:] == c[:-1]]

    def bounds(self, lookback_s: int, lag_s: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """[lo, hi) of earlier rows of the same entity with time in (t - lag - lookback, t - lag]."""
        hi = np.searchsorted(self.comp, self.comp - lag_s, side="right")
        hi = np.minimum(hi, self.idx)  # strictly earlier rows only
        lo = np.searchsorted(self.comp, self.comp - lag_s - lookback_s, side="right")
        lo = np.minimum(np.maximum(lo, self.gstart), hi)
        return lo, hi

    @staticmethod
    def csum(values: np.ndarray) -> np.ndarray:
        return np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])

    def unsort(self, values: np.ndarray) -> np.ndarray:
        out = np.empty_like(values)
        out[self.order] = values
        return out


def build_features(df: pd.DataFrame, config: FeatureConfig = FeatureConfig()) -> pd.DataFrame:
    """Features for every row of ``df`` (any order), indexed like ``df``.

    ``df`` must hold the history the features need (at least ``config.lookback_seconds`` before
    the rows you care about). The label column may be missing or NaN for unlabelled rows.
    """
    n = len(df)
    tsec = to_seconds(df[config.time_col])
    amount = df[config.amount_col].to_numpy(dtype=float)
    if config.label_col in df.columns:
        label = pd.to_numeric(df[config.label_col], errors="coerce").fillna(0).to_numpy(float)
    else:
        label = np.zeros(n)
    out = _time_features(tsec, amount, config)

    if config.customer_col:
        g = _Grouped(df[config.customer_col].to_numpy(), tsec)
        p = _prefix(config.customer_col)
        a = amount[g.order]
        la = np.log1p(np.maximum(a, 0.0))
        ca, cla, cla2 = g.csum(a), g.csum(la), g.csum(la * la)
        for w in config.windows_days:
            lo, hi = g.bounds(int(round(w * DAY)))
            cnt = (hi - lo).astype(float)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(cnt > 0, (ca[hi] - ca[lo]) / cnt, a)
            out[f"{p}_nb_tx_{_wname(w)}"] = g.unsort(cnt)
            out[f"{p}_avg_amount_{_wname(w)}"] = g.unsort(mean)
            out[f"{p}_amount_ratio_{_wname(w)}"] = g.unsort(_ratio(a, mean))
        lo, hi = g.bounds(int(round(config.profile_days * DAY)))
        cnt = (hi - lo).astype(float)
        s1, s2 = cla[hi] - cla[lo], cla2[hi] - cla2[lo]
        out[f"{p}_amount_z"] = g.unsort(_zscore(la, cnt, s1, s2))
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(cnt > 0, (ca[hi] - ca[lo]) / np.maximum(cnt, 1), a)
        out[f"{p}_amount_ratio_profile"] = g.unsort(_ratio(a, mean))
        prev_t = np.where(g.same_group_prev, np.r_[0, g.t[:-1]], -1)
        out[f"{p}_secs_since_prev"] = g.unsort(
            _secs_since(g.t, prev_t, config)).astype(float)

    groups = {}
    for e in config.history_cols:
        if e != config.customer_col:
            groups[e] = _Grouped(df[e].to_numpy(), tsec)
    for e in config.entity_cols:
        g = groups[e]
        p = _prefix(e)
        for h in config.velocity_hours:
            lo, hi = g.bounds(int(round(h * 3600)))
            out[f"{p}_nb_tx_{h:g}h"] = g.unsort((hi - lo).astype(float))
        for w in config.windows_days:
            lo, hi = g.bounds(int(round(w * DAY)))
            out[f"{p}_nb_tx_{_wname(w)}"] = g.unsort((hi - lo).astype(float))
    known = _fraud_known_seconds(df, tsec, label, config)
    for e in config.risk_cols:
        g = groups.get(e) or _Grouped(df[e].to_numpy(), tsec)
        p = _prefix(e)
        for name, values in _known_fraud_features(g, known[g.order], config).items():
            out[f"{p}_{name}"] = g.unsort(values)
    return pd.DataFrame({k: out[k] for k in feature_names(config)}, index=df.index)


def _fraud_known_seconds(df: pd.DataFrame, tsec: np.ndarray, label: np.ndarray, config: FeatureConfig) -> np.ndarray:
    """When each row's fraud became known (epoch seconds, at least a second after the transaction);
    -1: not a fraud, or not known."""
    if config.known_col and config.known_col in df:
        when = pd.to_datetime(df[config.known_col], utc=True)
        known = np.where(when.notna().to_numpy(), to_seconds(when.fillna(pd.Timestamp(0, tz="UTC"))), -1)
    else:
        known = tsec + int(round(config.label_delay_days * DAY))
    return np.where((label > 0) & (known >= 0), np.maximum(known, tsec + 1), -1).astype(np.int64)


def _known_fraud_features(g: "_Grouped", known: np.ndarray, config: FeatureConfig) -> dict[str, np.ndarray]:
    """The label features of every row of one entity column (rows in ``g``'s sorted order).

    A fraud (row f: entity, transaction time tf, known at kf) counts for the rows of its entity at
    times t in [kf, min(kf + w, tf + lookback)). Counting is two binary searches over the intervals'
    ends as (entity, time) keys; the time since the latest / first counted fraud became known is a
    pass over the frauds, a few per cent of the rows.
    """
    delay_s = int(round(config.label_delay_days * DAY))
    lookback = config.label_lookback_seconds
    longest = int(round(max(config.windows_days) * DAY))
    t, codes = g.t, g.codes
    frauds = np.flatnonzero(known >= 0)
    base = int(t.min()) if len(t) else 0
    span = (max(int(t.max()), int(known.max())) if len(t) else 0) - base + longest + 2
    row_keys = codes * span + (t - base)
    out: dict[str, np.ndarray] = {}
    for w in config.windows_days:
        ws = int(round(w * DAY))
        kf, tf, fc = known[frauds], t[frauds], codes[frauds]
        end = np.minimum(kf + ws, tf + lookback)
        live = end > kf
        starts = np.sort(fc[live] * span + (kf[live] - base))
        ends = np.sort(fc[live] * span + (end[live] - base))
        nb = (np.searchsorted(starts, row_keys, side="right") - np.searchsorted(ends, row_keys, side="right")).astype(float)
        lo, hi = g.bounds(ws, lag_s=delay_s)
        due = (hi - lo).astype(float)  # transactions whose labels are due by t
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"risk_{_wname(w)}"] = np.where(nb > 0, nb / np.maximum(due, nb), 0.0)
        out[f"nb_fraud_{_wname(w)}"] = nb
    lo, hi = g.bounds(longest, lag_s=delay_s)
    last = np.maximum(hi - 1, 0)
    out["last_known_label"] = ((hi > lo) & (known[last] >= 0) & (known[last] <= t)).astype(float) if len(t) else np.zeros(0)
    latest = np.full(len(t), -1, np.int64)
    first = np.full(len(t), np.iinfo(np.int64).max)
    for f in frauds:
        kf = int(known[f])
        stop = min(kf + longest, int(t[f]) + lookback)
        if stop <= kf:
            continue
        a = int(np.searchsorted(row_keys, codes[f] * span + (kf - base), side="left"))
        b = int(np.searchsorted(row_keys, codes[f] * span + (stop - base), side="left"))
        latest[a:b] = np.maximum(latest[a:b], kf)
        first[a:b] = np.minimum(first[a:b], kf)
    first[first == np.iinfo(np.int64).max] = -1
    out["secs_since_last_known_fraud"] = _since_known(t, latest, config)
    out["secs_since_first_known_fraud"] = _since_known(t, first, config)
    return out


def _ratio(amount, mean):
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(mean > 0, amount / np.where(mean > 0, mean, 1.0), 1.0)
    return r


def _zscore(la, cnt, s1, s2):
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(cnt > 0, s1 / np.maximum(cnt, 1), la)
        var = np.where(cnt > 1, (s2 - cnt * mean * mean) / np.maximum(cnt - 1, 1), 0.0)
    std = np.maximum(np.sqrt(np.maximum(var, 0.0)), MIN_LOG_STD)
    return np.where(cnt > 1, (la - mean) / std, 0.0)


def _risk(frauds, count):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, frauds / np.maximum(count, 1), 0.0)


def _since_known(t, known_t, config: FeatureConfig):
    """Seconds since a fraud became known, capped at (and meaning "none" at) the longest window."""
    cap = int(round(max(config.windows_days) * DAY))
    return np.where(known_t >= 0, np.minimum(t - known_t, cap), cap).astype(float)


def _secs_since(t, prev_t, config: FeatureConfig):
    cap = int(max(config.windows_days) * DAY)
    return np.where(prev_t >= 0, np.minimum(t - prev_t, cap), cap)


# ---------------------------------------------------------------------------------------------
# Online path
# ---------------------------------------------------------------------------------------------

@dataclass
class EntityHistory:
    """Earlier transactions of one entity value, oldest first (what a DB query returns).

    ``labels`` holds the confirmed label of each transaction, NaN when not (yet) known; ``known``,
    when given, when each fraud became known (epoch seconds, -1: none): a fraud counts only from
    then. Without ``known`` a fraud is known ``label_delay_days`` after its transaction, so passing
    every label is safe.
    """

    times: np.ndarray  # int64 epoch seconds
    amounts: np.ndarray
    labels: np.ndarray
    known: np.ndarray | None = None

    def fraud_known(self, config: FeatureConfig) -> np.ndarray:
        """When each transaction's fraud became known (epoch seconds, after it happened); -1: none."""
        known = self.times + int(round(config.label_delay_days * DAY)) if self.known is None else self.known
        return np.where((np.nan_to_num(self.labels) > 0) & (known >= 0), np.maximum(known, self.times + 1), -1)

    @classmethod
    def empty(cls) -> "EntityHistory":
        return cls(np.zeros(0, np.int64), np.zeros(0), np.zeros(0))

    @classmethod
    def from_frame(cls, rows: pd.DataFrame, config: FeatureConfig) -> "EntityHistory":
        lab = rows[config.label_col] if config.label_col in rows else pd.Series(np.nan, rows.index)
        return cls(to_seconds(rows[config.time_col]),
                   rows[config.amount_col].to_numpy(float),
                   pd.to_numeric(lab, errors="coerce").to_numpy(float))


def features_for_transaction(
    tx: Mapping, history: Mapping[str, EntityHistory], config: FeatureConfig = FeatureConfig()
) -> dict[str, float]:
    """Features of one new transaction given the earlier transactions of its entities.

    ``tx`` maps column names to values (time, amount and every column of
    ``config.history_cols``); ``history[col]`` holds the earlier transactions sharing
    ``tx[col]`` (a missing key means none). Only the last ``config.lookback_seconds`` matter.
    """
    t = one_to_seconds(tx[config.time_col])
    amount = float(tx[config.amount_col])
    out = {k: float(v[0]) for k, v in
           _time_features(np.array([t]), np.array([amount]), config).items()}
    delay_s = int(round(config.label_delay_days * DAY))

    def hist(col) -> EntityHistory:
        h = history.get(col)
        if h is None:
            return EntityHistory.empty()
        # Times are oldest first, so every window below is a slice found by binary search.
        end = int(np.searchsorted(h.times, t, side="right"))  # anything later is not history
        return EntityHistory(h.times[:end], h.amounts[:end], h.labels[:end],
                             None if h.known is None else h.known[:end])

    def since(h: EntityHistory, start: int) -> int:
        """Index of the first transaction after ``start`` (epoch seconds)."""
        return int(np.searchsorted(h.times, start, side="right"))

    if config.customer_col:
        h = hist(config.customer_col)
        p = _prefix(config.customer_col)
        for w in config.windows_days:
            recent = h.amounts[since(h, t - int(round(w * DAY))):]
            cnt = float(len(recent))
            mean = float(recent.mean()) if cnt else amount
            out[f"{p}_nb_tx_{_wname(w)}"] = cnt
            out[f"{p}_avg_amount_{_wname(w)}"] = mean
            out[f"{p}_amount_ratio_{_wname(w)}"] = amount / mean if mean > 0 else 1.0
        profile = h.amounts[since(h, t - int(round(config.profile_days * DAY))):]
        pmean = float(profile.mean()) if len(profile) else amount
        out[f"{p}_amount_ratio_profile"] = amount / pmean if pmean > 0 else 1.0
        la = np.log1p(max(amount, 0.0))
        prev = np.log1p(np.maximum(profile, 0.0))
        if len(prev) > 1:
            std = max(float(prev.std(ddof=1)), MIN_LOG_STD)
            out[f"{p}_amount_z"] = (la - float(prev.mean())) / std
        else:
            out[f"{p}_amount_z"] = 0.0
        prev_t = int(h.times.max()) if len(h.times) else -1
        out[f"{p}_secs_since_prev"] = float(
            _secs_since(np.array([t]), np.array([prev_t]), config)[0])
    for e in config.entity_cols:
        h = hist(e)
        p = _prefix(e)
        n = len(h.times)
        for hh in config.velocity_hours:
            out[f"{p}_nb_tx_{hh:g}h"] = float(n - since(h, t - int(round(hh * 3600))))
        for w in config.windows_days:
            out[f"{p}_nb_tx_{_wname(w)}"] = float(n - since(h, t - int(round(w * DAY))))
    longest = int(round(max(config.windows_days) * DAY))
    for e in config.risk_cols:
        h = hist(e)
        p = _prefix(e)
        known = h.fraud_known(config)
        counted = (known >= 0) & (known <= t) & (h.times > t - config.label_lookback_seconds)
        due_end = since(h, t - delay_s)  # transactions whose labels are due by t
        for w in config.windows_days:
            ws = int(round(w * DAY))
            nb = float(np.count_nonzero(counted & (known > t - ws)))
            due = float(max(due_end - since(h, t - delay_s - ws), 0))
            out[f"{p}_risk_{_wname(w)}"] = nb / max(due, nb) if nb else 0.0
            out[f"{p}_nb_fraud_{_wname(w)}"] = nb
        has = due_end > since(h, t - delay_s - longest)
        out[f"{p}_last_known_label"] = float(has and 0 <= known[due_end - 1] <= t)
        recent = known[counted & (known > t - longest)]
        out[f"{p}_secs_since_last_known_fraud"] = float(
            _since_known(t, recent.max() if len(recent) else -1, config))
        out[f"{p}_secs_since_first_known_fraud"] = float(
            _since_known(t, recent.min() if len(recent) else -1, config))
    return {k: out[k] for k in feature_names(config)}


class TransactionHistory:
    """In-memory per-entity history, appended to as transactions arrive.

    Stands in for the database in replays, benchmarks and tests: ``features(tx)`` then
    ``append(tx)`` for each transaction in time order reproduces :func:`build_features`.
    Histories older than the lookback are pruned lazily.
    """

    def __init__(self, config: FeatureConfig = FeatureConfig()):
        self.config = config
        self._data: dict[str, dict] = {c: {} for c in config.history_cols}

    @classmethod
    def from_frame(cls, df: pd.DataFrame, config: FeatureConfig = FeatureConfig()
                   ) -> "TransactionHistory":
        self = cls(config)
        tsec = to_seconds(df[config.time_col])
        amounts = df[config.amount_col].to_numpy(float)
        if config.label_col in df:
            labels = pd.to_numeric(df[config.label_col], errors="coerce").to_numpy(float)
        else:
            labels = np.full(len(df), np.nan)
        order = np.lexsort((np.arange(len(df)), tsec))
        for col in config.history_cols:
            keys = df[col].to_numpy()[order]
            codes, uniques = pd.factorize(keys)  # missing values (-1) get no history
            by = np.argsort(codes, kind="stable")
            bounds = np.searchsorted(codes[by], np.arange(len(uniques) + 1))
            store = self._data[col]
            for k, key in enumerate(uniques):
                sel = order[by[bounds[k]:bounds[k + 1]]]
                store[key] = [tsec[sel], amounts[sel], labels[sel]]
        return self

    def history_for(self, tx: Mapping) -> dict[str, EntityHistory]:
        out = {}
        for col in self.config.history_cols:
            if _missing(tx[col]):
                continue
            rec = self._data[col].get(tx[col])
            if rec is not None:
                out[col] = EntityHistory(*rec)
        return out

    def features(self, tx: Mapping) -> dict[str, float]:
        return features_for_transaction(tx, self.history_for(tx), self.config)

    def append(self, tx: Mapping, label: float = np.nan) -> None:
        t = one_to_seconds(tx[self.config.time_col])
        a = float(tx[self.config.amount_col])
        if np.isnan(label):
            label = float(tx.get(self.config.label_col, np.nan))
        horizon = t - self.config.lookback_seconds - DAY
        for col in self.config.history_cols:
            if _missing(tx[col]):
                continue
            rec = self._data[col].get(tx[col])
            if rec is None:
                self._data[col][tx[col]] = [np.array([t], np.int64), np.array([a]),
                                            np.array([label], float)]
                continue
            keep = slice(int(np.searchsorted(rec[0], horizon, side="right")), None)
            rec[0] = np.append(rec[0][keep], t)
            rec[1] = np.append(rec[1][keep], a)
            rec[2] = np.append(rec[2][keep], label)

    def set_label(self, col: str, key, time, label: float) -> None:
        """Record a label that became known (e.g. a chargeback) on an entity's history."""
        rec = self._data[col].get(key)
        if rec is None:
            return
        t = one_to_seconds(time)
        rec[2][rec[0] == t] = label


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def features_online(df: pd.DataFrame, history: TransactionHistory | None = None,
                    config: FeatureConfig = FeatureConfig()) -> pd.DataFrame:
    """Replay ``df`` one transaction at a time through the online path (score, then append)."""
    history = history or TransactionHistory(config)
    tsec = to_seconds(df[config.time_col])
    order = np.lexsort((np.arange(len(df)), tsec))
    records = df.to_dict("records")
    rows: list = [None] * len(df)
    for i in order:
        tx = records[i]
        rows[i] = history.features(tx)
        history.append(tx)
    return pd.DataFrame(rows, index=df.index, columns=feature_names(config))

