"""Temporal split and top-K ranking metrics.

Conventions (they match the reference table in ``shared/data/README.md``):

* ``recommended`` is an ordered sequence of item ids, best first; ``relevant`` is a set of item ids.
* Precision@K divides the hits in the top K by K.
* Recall@K divides the hits by ``min(|relevant|, K)`` (so a perfect list scores 1.0 even when a
  customer bought more than K new items).
* NDCG@K uses binary gains and the ideal DCG of ``min(|relevant|, K)`` hits.
* MAP@K averages precision at each hit position, divided by ``min(|relevant|, K)``.

Every ``mean_*`` helper takes ``{user: ranked list}`` and ``{user: relevant set}`` and averages
over the users present in ``relevant`` with at least one relevant item (a user with no
recommendation list scores 0).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .interactions import naive_utc

__all__ = [
    "TemporalSplit",
    "temporal_split",
    "precision_at_k",
    "recall_at_k",
    "average_precision_at_k",
    "ndcg_at_k",
    "hit_rate_at_k",
    "catalogue_coverage",
    "intra_list_diversity",
    "novelty",
    "evaluate_rankings",
    "EVALUATION_METRICS",
    "top_k_items",
    "top_k_from_pairs",
    "evaluate_top_k",
    "mean_intra_list_diversity",
]


# ---------------------------------------------------------------------------
# temporal split
# ---------------------------------------------------------------------------


@dataclass
class TemporalSplit:
    """History before ``cutoff`` and, per user, the *new* items they interacted with afterwards."""

    history: pd.DataFrame
    future: pd.DataFrame
    relevant: dict[Hashable, set]  # user -> items first bought in [cutoff, end)
    cutoff: pd.Timestamp


def temporal_split(
    interactions: pd.DataFrame,
    *,
    cutoff,
    end=None,
    user_col: str = "customer_id",
    item_col: str = "product_id",
    time_col: str = "timestamp",
    target_event_types: Iterable[str] | None = ("purchase",),
    event_col: str = "event_type",
    only_known_items: bool = True,
    only_known_users: bool = True,
) -> TemporalSplit:
    """Split at ``cutoff``: history is everything strictly before it; the target of a user is the
    set of items of ``target_event_types`` in ``[cutoff, end)`` that the user had never interacted
    with in the history. With ``only_known_items`` / ``only_known_users`` the target keeps only
    items and users that appear in the history (a model cannot rank what it has never seen).
    """
    cutoff = naive_utc(cutoff)
    ts = naive_utc(interactions[time_col])
    history = interactions[ts < cutoff]
    mask = ts >= cutoff
    if end is not None:
        mask &= ts < naive_utc(end)
    future = interactions[mask]
    target = future
    if target_event_types is not None and event_col in target.columns:
        target = target[target[event_col].isin(list(target_event_types))]
    if only_known_items:
        target = target[target[item_col].isin(set(history[item_col].unique()))]
    if only_known_users:
        target = target[target[user_col].isin(set(history[user_col].unique()))]
    seen = history[[user_col, item_col]].drop_duplicates()
    target = target[[user_col, item_col]].drop_duplicates()
    merged = target.merge(seen, on=[user_col, item_col], how="left", indicator=True)
    new = merged[merged["_merge"] == "left_only"]
    relevant = {u: set(g) for u, g in new.groupby(user_col, sort=True)[item_col]}
    return TemporalSplit(history=history, future=future, relevant=relevant, cutoff=cutoff)


# ---------------------------------------------------------------------------
# per-list metrics
# ---------------------------------------------------------------------------


def _hits(recommended: Sequence, relevant: set, k: int) -> np.ndarray:
    return np.fromiter((item in relevant for item in list(recommended)[:k]), dtype=bool)


def precision_at_k(recommended: Sequence, relevant: set, k: int) -> float:
    if k <= 0:
        raise ValueError("k must be positive")
    return float(_hits(recommended, relevant, k).sum()) / k


def recall_at_k(recommended: Sequence, relevant: set, k: int) -> float:
    if not relevant:
        return 0.0
    return float(_hits(recommended, relevant, k).sum()) / min(len(relevant), k)


def average_precision_at_k(recommended: Sequence, relevant: set, k: int) -> float:
    if not relevant:
        return 0.0
    hits = _hits(recommended, relevant, k)
    if not hits.any():
        return 0.0
    positions = np.flatnonzero(hits) + 1
    precisions = np.arange(1, len(positions) + 1) / positions
    return float(precisions.sum()) / min(len(relevant), k)


def ndcg_at_k(recommended: Sequence, relevant: set, k: int) -> float:
    if not relevant:
        return 0.0
    hits = _hits(recommended, relevant, k)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = float((hits * discounts[: len(hits)]).sum())
    idcg = float(discounts[: min(len(relevant), k)].sum())
    return dcg / idcg


def hit_rate_at_k(recommended: Sequence, relevant: set, k: int) -> float:
    return float(_hits(recommended, relevant, k).any())


# ---------------------------------------------------------------------------
# list-set metrics
# ---------------------------------------------------------------------------


def catalogue_coverage(recommendations: Mapping[Hashable, Sequence], catalogue_size: int, k: int) -> float:
    """Share of the catalogue that appears in at least one top-``k`` list."""
    if catalogue_size <= 0:
        return 0.0
    shown = set()
    for items in recommendations.values():
        shown.update(list(items)[:k])
    return len(shown) / catalogue_size


def intra_list_diversity(
    recommended: Sequence, item_vectors: sp.spmatrix | np.ndarray, item_index: Mapping[Hashable, int], k: int
) -> float:
    """Mean pairwise cosine *distance* (1 - cosine similarity) between the top-``k`` items.

    ``item_vectors`` holds one row per item (e.g. the item columns of the interaction matrix
    transposed, or TF-IDF rows); ``item_index`` maps an item id to its row. Unknown items are
    skipped; fewer than two items give 0.
    """
    rows = [item_index[i] for i in list(recommended)[:k] if i in item_index]
    if len(rows) < 2:
        return 0.0
    vecs = item_vectors[rows]
    vecs = vecs.toarray() if sp.issparse(vecs) else np.asarray(vecs, dtype=float)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    vecs = vecs / norms
    sim = vecs @ vecs.T
    n = len(rows)
    mean_sim = (sim.sum() - np.trace(sim)) / (n * (n - 1))
    return float(1.0 - mean_sim)


def novelty(recommended: Sequence, item_popularity: Mapping[Hashable, float], n_users: int, k: int) -> float:
    """Mean self-information ``-log2(p(i))`` of the top-``k`` items, where ``p(i)`` is the share of
    users who interacted with item ``i`` (unknown items count as seen by one user)."""
    items = list(recommended)[:k]
    if not items or n_users <= 0:
        return 0.0
    p = np.array([max(item_popularity.get(i, 1.0), 1.0) / n_users for i in items])
    return float(np.mean(-np.log2(np.clip(p, 1e-12, 1.0))))


# ---------------------------------------------------------------------------
# everything at once
# ---------------------------------------------------------------------------

_LIST_METRICS = {
    "precision": precision_at_k,
    "recall": recall_at_k,
    "map": average_precision_at_k,
    "ndcg": ndcg_at_k,
    "hit_rate": hit_rate_at_k,
}


def evaluate_rankings(
    recommendations: Mapping[Hashable, Sequence],
    relevant: Mapping[Hashable, set],
    *,
    ks: Iterable[int] = (10, 20),
    catalogue_size: int | None = None,
    item_popularity: Mapping[Hashable, float] | None = None,
    n_users: int | None = None,
    item_vectors=None,
    item_index: Mapping[Hashable, int] | None = None,
) -> dict[str, float]:
    """Average the ranking metrics over users with a non-empty relevant set.

    Returns keys like ``ndcg@10``, ``precision@10``, ``recall@20``; plus ``coverage@k``,
    ``novelty@k`` and ``diversity@k`` when the extra inputs are given.
    """
    users = [u for u, rel in relevant.items() if rel]
    out: dict[str, float] = {"users": float(len(users))}
    for k in ks:
        for name, fn in _LIST_METRICS.items():
            vals = [fn(recommendations.get(u, ()), relevant[u], k) for u in users]
            out[f"{name}@{k}"] = float(np.mean(vals)) if vals else 0.0
        shown = {u: recommendations.get(u, ()) for u in users}
        if catalogue_size:
            out[f"coverage@{k}"] = catalogue_coverage(shown, catalogue_size, k)
        if item_popularity is not None and n_users:
            out[f"novelty@{k}"] = float(np.mean([novelty(r, item_popularity, n_users, k) for r in shown.values()]))
        if item_vectors is not None and item_index is not None:
            out[f"diversity@{k}"] = float(
                np.mean([intra_list_diversity(r, item_vectors, item_index, k) for r in shown.values()])
            )
    return out


# ---------------------------------------------------------------------------
# vectorised: many users' top-K item positions at once (training-time evaluation)
# ---------------------------------------------------------------------------

EVALUATION_METRICS = (
    "precision@10", "recall@10", "recall@20", "map@10", "ndcg@10", "hit_rate@10",
    "coverage@10", "diversity@10", "novelty@10",
)


def top_k_items(scores: np.ndarray, exclude, k: int) -> np.ndarray:
    """Best-first item positions of each row of dense ``scores``, ``exclude`` (sparse or boolean,
    e.g. the already-bought items) left out; ``-1`` pads rows with fewer than ``k`` finite scores."""
    s = np.array(scores, dtype=np.float32, copy=True)
    mask = exclude.toarray() > 0 if sp.issparse(exclude) else np.asarray(exclude, dtype=bool)
    s[mask] = -np.inf
    k = min(k, s.shape[1])
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(s, top, 1), axis=1, kind="stable"), 1)
    top[~np.isfinite(np.take_along_axis(s, top, 1))] = -1
    return top


def top_k_from_pairs(rows: np.ndarray, items: np.ndarray, scores: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """Best-first top-``k`` item positions per row from scored (row, item) pairs (a candidate
    pool ranked by the re-ranker); ``-1`` pads."""
    out = np.full((n_rows, k), -1, dtype=np.int64)
    if len(rows) == 0:
        return out
    order = np.lexsort((-np.asarray(scores, dtype=float), rows))
    r, i = rows[order], items[order]
    starts = np.searchsorted(r, np.arange(n_rows))
    rank = np.arange(len(r)) - starts[r]
    keep = rank < k
    out[r[keep], rank[keep]] = i[keep]
    return out


def evaluate_top_k(
    top: np.ndarray,
    relevant: Sequence[Iterable[int]],
    *,
    n_items: int,
    ks: Iterable[int] = (10, 20),
    item_users: np.ndarray | None = None,
    n_users: int | None = None,
    item_vectors: sp.spmatrix | np.ndarray | None = None,
    beyond_k: int = 10,
) -> dict[str, float]:
    """The metrics of :func:`evaluate_rankings`, vectorised over item *positions*.

    ``top``: ``(n_users, >= max(ks))`` best-first item positions, ``-1`` = no item; ``relevant``:
    one collection of item positions per row (rows with none are skipped, as in
    :func:`evaluate_rankings`). Beyond-accuracy metrics at ``beyond_k``: ``coverage`` (share of the
    ``n_items`` catalogue shown to these users), ``novelty`` (needs ``item_users``: how many of
    ``n_users`` users interacted with each item) and ``diversity`` (needs ``item_vectors``, one row
    per item position: mean pairwise cosine distance inside a list, lists of one item score 0).
    """
    top = np.asarray(top, dtype=np.int64)
    ks = sorted(set(int(k) for k in ks))
    rel_sets = [set(int(i) for i in r) for r in relevant]
    keep = np.array([len(r) > 0 for r in rel_sets], dtype=bool)
    top = top[keep]
    rel_sets = [r for r, k in zip(rel_sets, keep) if k]
    n = len(rel_sets)
    out: dict[str, float] = {"users": float(n)}
    width = max(ks + [beyond_k])
    if top.shape[1] < width:
        top = np.hstack([top, np.full((len(top), width - top.shape[1]), -1, dtype=np.int64)])
    if n == 0:
        return out
    hits = np.zeros((n, width), dtype=bool)
    for u, (row, rel) in enumerate(zip(top, rel_sets)):
        hits[u] = [i in rel for i in row[:width]]
    n_rel = np.array([len(r) for r in rel_sets], dtype=float)
    discounts = 1.0 / np.log2(np.arange(2, width + 2))
    for k in ks:
        h = hits[:, :k]
        denom = np.minimum(n_rel, k)
        out[f"precision@{k}"] = float((h.sum(1) / k).mean())
        out[f"recall@{k}"] = float((h.sum(1) / denom).mean())
        prec_at = np.cumsum(h, axis=1) / np.arange(1, k + 1)
        out[f"map@{k}"] = float(((prec_at * h).sum(1) / denom).mean())
        ideal = np.cumsum(discounts[:k])[denom.astype(int) - 1]
        out[f"ndcg@{k}"] = float(((h * discounts[:k]).sum(1) / ideal).mean())
        out[f"hit_rate@{k}"] = float(h.any(1).mean())
    shown = top[:, :beyond_k]
    valid = shown >= 0
    if n_items:
        out[f"coverage@{beyond_k}"] = float(len(np.unique(shown[valid])) / n_items)
    if item_users is not None and n_users:
        p = np.maximum(np.asarray(item_users, dtype=float), 1.0) / n_users
        info = -np.log2(np.clip(p, 1e-12, 1.0))
        per_list = np.where(valid, info[np.maximum(shown, 0)], 0.0).sum(1) / np.maximum(valid.sum(1), 1)
        out[f"novelty@{beyond_k}"] = float(per_list.mean())
    if item_vectors is not None:
        out[f"diversity@{beyond_k}"] = float(mean_intra_list_diversity(shown, item_vectors).mean())
    return out


def mean_intra_list_diversity(top: np.ndarray, item_vectors: sp.spmatrix | np.ndarray) -> np.ndarray:
    """Per row of ``top`` (item positions, ``-1`` = none): mean pairwise cosine distance of its
    items, as :func:`intra_list_diversity`, computed one position pair at a time for all rows."""
    top = np.asarray(top, dtype=np.int64)
    if sp.issparse(item_vectors):
        v = sp.csr_matrix(item_vectors, dtype=np.float64)
        norms = np.sqrt(np.asarray(v.multiply(v).sum(1)).ravel())
        norms[norms == 0] = 1.0
        v = sp.diags(1.0 / norms) @ v
        v = sp.vstack([v, sp.csr_matrix((1, v.shape[1]))]).tocsr()  # row -1: a zero vector
    else:
        v = np.asarray(item_vectors, dtype=np.float64)
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        v = np.vstack([v / norms, np.zeros((1, v.shape[1]))])
    n_rows, k = top.shape
    idx = np.where(top >= 0, top, v.shape[0] - 1)
    sim_sum = np.zeros(n_rows)
    columns = [v[idx[:, a]] for a in range(k)]
    for a in range(k):
        va = columns[a]
        for b in range(a + 1, k):
            vb = columns[b]
            dots = va.multiply(vb).sum(1) if sp.issparse(va) else (va * vb).sum(1)
            sim_sum += 2 * np.asarray(dots).ravel()
    count = (top >= 0).sum(1)
    pairs = count * (count - 1)
    # lists of fewer than two items score 0 (as intra_list_diversity)
    return np.where(pairs > 0, 1.0 - sim_sum / np.maximum(pairs, 1), 0.0)
