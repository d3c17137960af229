"""Customer segments for cold-start lists: what is popular among one group of customers.

A segment is a code per customer (``-1``: none). ``dominant_group`` assigns a behavioural segment
from a customer's first events; ``segment_trending`` ranks items within each segment. numpy /
pandas only.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .candidates import TrainingData


def dominant_group(users: np.ndarray, groups: np.ndarray, k: int) -> pd.Series:
    """user -> the group most of the user's first ``k`` rows fall in (ties: the group seen first).

    ``users`` and ``groups`` are parallel, in time order; rows with group ``-1`` still count as
    events (they use up one of the ``k``) but vote for no group. Users without a vote are absent.
    The fill runs it over the model's events, the read over one new customer's first events.
    """
    frame = pd.DataFrame({"user": np.asarray(users), "group": np.asarray(groups)})
    frame["position"] = frame.groupby("user").cumcount()
    frame = frame[(frame["position"] < k) & (frame["group"] >= 0)]
    if frame.empty:
        return pd.Series(dtype=np.int64)
    votes = frame.groupby(["user", "group"]).agg(count=("position", "size"), first=("position", "min")).reset_index()
    votes = votes.sort_values(["user", "count", "first"], ascending=[True, False, True])
    best = votes.drop_duplicates("user")
    return pd.Series(best["group"].to_numpy(), index=best["user"].to_numpy())


def first_events_group(data: TrainingData, item_group: np.ndarray, k: int) -> np.ndarray:
    """Per user position of ``data.im``: :func:`dominant_group` of the groups (``item_group`` per item
    position, ``-1`` none) of the user's first ``k`` events; ``-1`` when none has a group."""
    ev = data.events.sort_values("timestamp", kind="stable")
    found = dominant_group(ev["user_idx"].to_numpy(), np.asarray(item_group)[ev["item_idx"].to_numpy()], k)
    out = np.full(data.n_users, -1, dtype=np.int64)
    out[found.index.to_numpy(dtype=np.int64)] = found.to_numpy(dtype=np.int64)
    return out


def segment_trending(data: TrainingData, user_segment: np.ndarray, *, window_days: float, size: int,
                     min_users: int, exclude: np.ndarray | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """segment code -> (item positions, scores) best first, for segments of at least ``min_users``
    customers in ``data``.

    An item's score is the number of distinct customers of the segment who interacted with it in the
    last ``window_days`` before ``data.as_of`` (the whole-shop trending velocity, within the segment),
    plus, below one, its share of the segment's customers ever (the tie-break, which also ranks a
    small segment's items when the window is quiet). ``exclude``: item positions never listed.
    """
    user_segment = np.asarray(user_segment)
    ev = data.events[["user_idx", "item_idx", "timestamp"]]
    ev = ev.assign(segment=user_segment[ev["user_idx"].to_numpy()])
    ev = ev[ev["segment"] >= 0]
    sizes = np.bincount(user_segment[user_segment >= 0], minlength=1)
    recent_start = data.as_of - pd.Timedelta(days=window_days)
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for segment, events in ev.groupby("segment"):
        if sizes[segment] < min_users:
            continue
        ever = _distinct_users(events, data.n_items)
        recent = _distinct_users(events[events["timestamp"] >= recent_start], data.n_items)
        scores = recent + ever / (sizes[segment] + 1.0)
        if exclude is not None:
            scores[exclude] = 0.0
        order = np.argsort(-scores, kind="stable")[:size]
        order = order[scores[order] > 0]
        out[int(segment)] = (order, scores[order])
    return out


def _distinct_users(events: pd.DataFrame, n_items: int) -> np.ndarray:
    pairs = events[["user_idx", "item_idx"]].drop_duplicates()
    return np.bincount(pairs["item_idx"].to_numpy(), minlength=n_items).astype(np.float64)
