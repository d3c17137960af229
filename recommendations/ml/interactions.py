"""Build the user x item confidence matrix from raw interaction events.

Input: a DataFrame with columns ``customer_id``, ``product_id``, ``event_type``, ``timestamp`` and
optionally ``quantity`` and ``session_id`` (an order/invoice id for purchases, a browsing session
id for views). Output: :class:`InteractionMatrix` (CSR matrix + id <-> index mappings + what the
bot/outlier filter removed).

Confidence of a (user, item) pair::

    sum over its events of  event_weight[event_type] * quantity_factor * 0.5 ** (age_days / half_life_days)

then ``value_transform`` (``log1p`` by default: many repeat events should not dominate).
``age_days`` is measured back from ``as_of``; events at or after ``as_of`` are ignored so a
model trained "as of" a date never sees the future.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "DEFAULT_EVENT_WEIGHTS",
    "naive_utc",
    "BotFilter",
    "InteractionMatrix",
    "clean_interactions",
    "filter_bots",
    "build_interaction_matrix",
    "rows_for_items",
]

# view < click < wishlist < cart < purchase: stronger intent, more confidence.
DEFAULT_EVENT_WEIGHTS: dict[str, float] = {
    "view": 1.0,
    "click": 2.0,
    "wishlist": 4.0,
    "cart": 6.0,
    "purchase": 10.0,
}

REQUIRED_COLUMNS = ("customer_id", "product_id", "event_type", "timestamp")


def naive_utc(value):
    """Timestamps as naive UTC (Django hands out aware datetimes, CSVs give naive ones): aware
    values are converted to UTC and stripped, naive values are taken to be UTC already. Works on a
    scalar or a Series."""
    if isinstance(value, pd.Series):
        ts = pd.to_datetime(value)
        return ts.dt.tz_convert("UTC").dt.tz_localize(None) if ts.dt.tz is not None else ts
    ts = pd.Timestamp(value)
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


@dataclass(frozen=True)
class BotFilter:
    """Rules that drop crawler / bot / outlier traffic before training.

    Each rule is disabled when set to ``None``.

    * ``max_events_per_session``: a session (``session_id`` column) with more events than this is
      a crawler or a scripted client; all its events are dropped.
    * ``max_events_per_user_day``: a user with more events than this on one calendar day is
      treated the same way for that day (covers data without session ids).
    * ``max_distinct_items_share``: a user who touched more than this share of the catalogue
      (and at least ``min_items_for_share_rule`` items) is a scraper; all their events go.
    * ``max_quantity``: quantities above this are clipped (wholesale one-offs like 80,995 units
      would otherwise swamp the confidence); clipped rows are counted, not dropped.
    """

    max_events_per_session: int | None = 500
    max_events_per_user_day: int | None = 1000
    max_distinct_items_share: float | None = 0.5
    min_items_for_share_rule: int = 200
    max_quantity: float | None = 1000.0


@dataclass
class InteractionMatrix:
    matrix: sp.csr_matrix  # users x items, float32 confidences
    user_ids: np.ndarray  # index -> customer id
    item_ids: np.ndarray  # index -> product id
    user_index: dict[Hashable, int]
    item_index: dict[Hashable, int]
    filter_report: dict[str, int] = field(default_factory=dict)
    as_of: pd.Timestamp | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape


def clean_interactions(interactions: pd.DataFrame, *, as_of=None, event_weights: Mapping[str, float] | None = None):
    """Validate columns, parse timestamps, drop rows without ids, unknown event types and events at
    or after ``as_of``. Returns ``(frame, report)``; the frame is a copy with a ``quantity`` column."""
    missing = [c for c in REQUIRED_COLUMNS if c not in interactions.columns]
    if missing:
        raise ValueError(f"interactions is missing columns: {missing}")
    weights = dict(DEFAULT_EVENT_WEIGHTS if event_weights is None else event_weights)
    df = interactions.copy()
    report: dict[str, int] = {"input_events": int(len(df))}
    df["timestamp"] = naive_utc(df["timestamp"])
    n = len(df)
    df = df[df["customer_id"].notna() & df["product_id"].notna() & df["timestamp"].notna()]
    report["missing_ids"] = n - len(df)
    n = len(df)
    df = df[df["event_type"].isin(list(weights))]
    report["unknown_event_type"] = n - len(df)
    if as_of is not None:
        n = len(df)
        df = df[df["timestamp"] < naive_utc(as_of)]
        report["after_as_of"] = n - len(df)
    if "quantity" not in df.columns:
        df["quantity"] = 1.0
    else:
        q = pd.to_numeric(df["quantity"], errors="coerce").fillna(1.0)
        n = len(df)
        df = df.assign(quantity=q)[q > 0]  # returns / cancellations carry no preference
        report["non_positive_quantity"] = n - len(df)
    return df, report


def filter_bots(df: pd.DataFrame, rules: BotFilter | None = None, *, n_catalogue_items: int | None = None):
    """Apply :class:`BotFilter` rules. Returns ``(kept_frame, report)`` where ``report`` counts the
    sessions / user-days / users and events each rule removed and the quantities it clipped."""
    rules = rules or BotFilter()
    report = {
        "bot_sessions": 0,
        "bot_session_events": 0,
        "bot_user_days": 0,
        "bot_user_day_events": 0,
        "bot_users": 0,
        "bot_user_events": 0,
        "quantity_clipped": 0,
    }
    if df.empty:
        return df, report
    if rules.max_events_per_session is not None and "session_id" in df.columns:
        sizes = df.groupby("session_id", dropna=True)["product_id"].transform("size")
        bad = sizes > rules.max_events_per_session
        report["bot_sessions"] = int(df.loc[bad, "session_id"].nunique())
        report["bot_session_events"] = int(bad.sum())
        df = df[~bad]
    if rules.max_events_per_user_day is not None and not df.empty:
        day = df["timestamp"].dt.floor("D")
        sizes = df.groupby([df["customer_id"], day])["product_id"].transform("size")
        bad = sizes > rules.max_events_per_user_day
        report["bot_user_days"] = int(pd.MultiIndex.from_arrays([df["customer_id"][bad], day[bad]]).nunique())
        report["bot_user_day_events"] = int(bad.sum())
        df = df[~bad]
    if rules.max_distinct_items_share is not None and not df.empty:
        n_items = n_catalogue_items or df["product_id"].nunique()
        distinct = df.groupby("customer_id")["product_id"].transform("nunique")
        limit = max(rules.min_items_for_share_rule, rules.max_distinct_items_share * n_items)
        bad = distinct > limit
        report["bot_users"] = int(df.loc[bad, "customer_id"].nunique())
        report["bot_user_events"] = int(bad.sum())
        df = df[~bad]
    if rules.max_quantity is not None and not df.empty:
        over = df["quantity"] > rules.max_quantity
        report["quantity_clipped"] = int(over.sum())
        if over.any():
            df = df.assign(quantity=df["quantity"].clip(upper=rules.max_quantity))
    return df, report


def _transform(values: np.ndarray, how: str) -> np.ndarray:
    if how == "log1p":
        return np.log1p(values)
    if how == "binary":
        return (values > 0).astype(values.dtype)
    if how == "cap1":
        return np.minimum(values, 1.0)
    if how == "raw":
        return values
    raise ValueError(f"unknown value_transform {how!r}")


def event_confidence(
    df: pd.DataFrame,
    *,
    as_of,
    event_weights: Mapping[str, float] | None = None,
    half_life_days: float | None = None,
    use_quantity: bool = False,
) -> np.ndarray:
    """Per-event confidence: type weight x optional log-quantity factor x time decay."""
    weights = dict(DEFAULT_EVENT_WEIGHTS if event_weights is None else event_weights)
    conf = df["event_type"].map(weights).to_numpy(dtype=np.float64)
    if use_quantity:
        conf = conf * (1.0 + np.log1p(np.maximum(df["quantity"].to_numpy(dtype=np.float64) - 1.0, 0.0)))
    if half_life_days:
        age_days = (naive_utc(as_of) - df["timestamp"]).dt.total_seconds().to_numpy() / 86400.0
        conf = conf * np.power(0.5, np.maximum(age_days, 0.0) / float(half_life_days))
    return conf


def build_interaction_matrix(
    interactions: pd.DataFrame,
    *,
    as_of,
    event_weights: Mapping[str, float] | None = None,
    half_life_days: float | None = 90.0,
    value_transform: str = "log1p",
    use_quantity: bool = False,
    bot_filter: BotFilter | None = BotFilter(),
    user_ids: Sequence | None = None,
    item_ids: Sequence | None = None,
) -> InteractionMatrix:
    """Events -> CSR user x item confidence matrix.

    ``as_of``: the reference time; events at or after it are dropped and the decay is measured
    back from it. ``half_life_days=None`` disables decay. ``bot_filter=None`` disables filtering.
    ``user_ids`` / ``item_ids`` fix the index order (events of other users/items are dropped and
    counted under ``unknown_user`` / ``unknown_item``); otherwise ids are sorted.
    """
    as_of = naive_utc(as_of)
    df, report = clean_interactions(interactions, as_of=as_of, event_weights=event_weights)
    if bot_filter is not None:
        df, bot_report = filter_bots(df, bot_filter, n_catalogue_items=None if item_ids is None else len(item_ids))
        report.update(bot_report)
    if user_ids is None:
        user_ids = np.sort(df["customer_id"].unique())
    if item_ids is None:
        item_ids = np.sort(df["product_id"].unique())
    user_ids = np.asarray(user_ids)
    item_ids = np.asarray(item_ids)
    user_index = {u: i for i, u in enumerate(user_ids.tolist())}
    item_index = {p: i for i, p in enumerate(item_ids.tolist())}
    rows = df["customer_id"].map(user_index)
    cols = df["product_id"].map(item_index)
    report["unknown_user"] = int(rows.isna().sum())
    report["unknown_item"] = int((cols.isna() & rows.notna()).sum())
    keep = (rows.notna() & cols.notna()).to_numpy()
    df = df[keep]
    conf = event_confidence(
        df, as_of=as_of, event_weights=event_weights, half_life_days=half_life_days, use_quantity=use_quantity
    )
    matrix = sp.csr_matrix(
        (conf, (rows[keep].to_numpy(dtype=np.int64), cols[keep].to_numpy(dtype=np.int64))),
        shape=(len(user_ids), len(item_ids)),
        dtype=np.float64,
    )
    matrix.sum_duplicates()
    matrix.data = _transform(matrix.data, value_transform)
    matrix.eliminate_zeros()
    report["kept_events"] = int(len(df))
    return InteractionMatrix(
        matrix=matrix.astype(np.float32),
        user_ids=user_ids,
        item_ids=item_ids,
        user_index=user_index,
        item_index=item_index,
        filter_report=report,
        as_of=as_of,
    )


def rows_for_items(item_lists: Sequence[Sequence], item_index: Mapping[Hashable, int], n_items: int,
                   weights: Sequence[Sequence[float]] | None = None) -> sp.csr_matrix:
    """One CSR row per list of item ids (unknown ids are ignored) - a pseudo-user built from e.g.
    the items of a live session, for scoring without retraining."""
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for k, items in enumerate(item_lists):
        w = None if weights is None else weights[k]
        row: dict[int, float] = {}
        for j, item in enumerate(items):
            idx = item_index.get(item)
            if idx is None:
                continue
            row[idx] = row.get(idx, 0.0) + (1.0 if w is None else float(w[j]))
        indices.extend(row.keys())
        data.extend(row.values())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (np.asarray(data, dtype=np.float32), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
        shape=(len(item_lists), n_items),
    )
