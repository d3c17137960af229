"""Customer segments for cold-start lists: what is popular among one group of customers.

A segment is a code per customer (``-1``: none). ``dominant_group`` assigns a behavioural segment
from a customer's first events; ``segment_trending`` ranks items within each segment. The model
keeps what they need of the history (``first_items``, ``interaction_recency``), not the events.
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .candidates import TrainingData

# A customer's browsed segment is decided by their first this many product events.
FIRST_EVENTS = 5


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


def first_items(data: TrainingData, k: int = FIRST_EVENTS) -> np.ndarray:
    """``(users of data.im, k)`` item positions of each user's first ``k`` events in time order,
    ``-1`` past a user's last event. What :func:`first_events_group` needs of the history, kept in the
    model instead of the events."""
    ev = data.events.sort_values("timestamp", kind="stable")
    users = ev["user_idx"].to_numpy()
    position = ev.groupby("user_idx", sort=False).cumcount().to_numpy()
    keep = position < k
    out = np.full((data.n_users, k), -1, dtype=np.int32)
    out[users[keep], position[keep]] = ev["item_idx"].to_numpy()[keep]
    return out


def first_events_group(first: np.ndarray, item_group: np.ndarray) -> np.ndarray:
    """Per user (row of ``first``, see :func:`first_items`): :func:`dominant_group` of the groups
    (``item_group`` per item position, ``-1`` none) of the user's first events; ``-1`` when none has a
    group."""
    n_users, k = first.shape
    events = first.ravel()
    real = events >= 0
    users = np.repeat(np.arange(n_users, dtype=np.int64), k)[real]
    groups = np.asarray(item_group, dtype=np.int64)[events[real]]
    found = dominant_group(users, groups, k)
    out = np.full(n_users, -1, dtype=np.int64)
    out[found.index.to_numpy(dtype=np.int64)] = found.to_numpy(dtype=np.int64)
    return out


EVER, RECENT = 1, 2


def interaction_recency(data: TrainingData, window_days: float) -> sp.csr_matrix:
    """``(users, items)`` int8: ``RECENT`` where the user interacted with the item in the last
    ``window_days`` before ``data.as_of``, ``EVER`` where only earlier. What :func:`segment_trending`
    needs of the history."""
    ev = data.events
    recent = (ev["timestamp"] >= data.as_of - pd.Timedelta(days=window_days)).to_numpy()
    users, items = ev["user_idx"].to_numpy(), ev["item_idx"].to_numpy()
    shape = (data.n_users, data.n_items)

    def pairs(keep: np.ndarray) -> sp.csr_matrix:  # distinct (user, item) pairs as 0/1
        out = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.int32), (users[keep], items[keep])), shape=shape)
        out.data[:] = 1
        return out

    return (pairs(np.ones(len(ev), dtype=bool)) + pairs(recent)).astype(np.int8).tocsr()


def segment_trending(recency: sp.csr_matrix, user_segment: np.ndarray, *, size: int, min_users: int,
                     exclude: np.ndarray | None = None,
                     segments: Iterable[int] | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """segment code -> (item positions, scores) best first, for segments of at least ``min_users``
    customers (``segments``: only these codes). ``recency``: :func:`interaction_recency`.

    An item's score is the number of distinct customers of the segment who interacted with it in the
    recent window (the whole-shop trending velocity, within the segment), plus, below one, its share
    of the segment's customers ever (the tie-break, which also ranks a small segment's items when the
    window is quiet). ``exclude``: item positions never listed. One sparse product for all segments.
    """
    user_segment = np.asarray(user_segment)
    member = np.flatnonzero(user_segment >= 0)
    n_segments = int(user_segment.max()) + 1 if len(member) else 0
    sizes = np.bincount(user_segment[member], minlength=n_segments)
    wanted = [s for s in (range(n_segments) if segments is None else segments) if sizes[s] >= min_users]
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    if not wanted:
        return out
    code = {s: row for row, s in enumerate(wanted)}
    rows = np.array([code.get(int(s), -1) for s in user_segment[member]], dtype=np.int64)
    keep = rows >= 0
    onehot = sp.csr_matrix((np.ones(int(keep.sum())), (rows[keep], member[keep])),
                           shape=(len(wanted), recency.shape[0]))
    ever = (recency > 0).astype(np.float64)
    recent = (recency == RECENT).astype(np.float64)
    ever_counts = np.asarray((onehot @ ever).todense())
    recent_counts = np.asarray((onehot @ recent).todense())
    for row, segment in enumerate(wanted):
        scores = recent_counts[row] + ever_counts[row] / (sizes[segment] + 1.0)
        if exclude is not None:
            scores[exclude] = 0.0
        order = np.argsort(-scores, kind="stable")[:size]
        order = order[scores[order] > 0]
        if len(order):
            out[int(segment)] = (order, scores[order])
    return out
