"""Why an item is on a list: which generators explain each pooled pair, and the customer's history item
that explains it best (the anchor), for whole batches of pairs at once (``hybrid.HybridModel._explain``)."""
from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# When several generators rank an item equally well, explain it by the first one in this list.
_REASON_PRIORITY = ("bought_together", "item_knn", "ease", "co_visitation", "als", "content", "trending", "popular")

REASON_CODES = ("popular_now", "popular", "bought_together", "similar_description", "similar_to", "for_you")


def explaining_generators(block) -> tuple[list[str], np.ndarray, np.ndarray]:
    """For every candidate pair of ``block``, the generators that scored it, best rank first (ties in
    ``_REASON_PRIORITY`` order): ``names``, ``order[k, :count[k]]`` (indices into ``names``), ``count``.

    A generator can explain an item only if it actually scored it. One vectorised sort per batch
    instead of a sort per item: building lists spent a third of its time here.
    """
    names = [name for name in _REASON_PRIORITY if name in block.ranks]
    if not names:
        return names, np.zeros((len(block.items), 0), dtype=np.int64), np.zeros(len(block.items), dtype=np.int64)
    ranks = np.stack([np.where(block.scores[name] > 0, block.ranks[name], np.inf) for name in names], axis=1)
    order = np.argsort(ranks, axis=1, kind="stable")  # stable: equal ranks keep the priority order
    return names, order, np.isfinite(ranks).sum(axis=1)


def best_anchors(gen, rows: sp.csr_matrix, pair_rows: np.ndarray, pair_items: np.ndarray) -> np.ndarray:
    """For each pair (row ``pair_rows[k]`` of ``rows``, item ``pair_items[k]``): the history item of the
    row contributing most to the item's score in the item-to-item generator ``gen`` (value x
    similarity; the first such in the row's order on ties), ``-1`` when none contributes. All pairs
    at once: one similarity lookup for every (pair, history item)."""
    out = np.full(len(pair_rows), -1, dtype=np.int64)
    begin = rows.indptr[pair_rows]
    lengths = rows.indptr[pair_rows + 1] - begin
    total = int(lengths.sum())
    if not total:
        return out
    owner = np.repeat(np.arange(len(pair_rows)), lengths)
    first = np.cumsum(lengths) - lengths
    entry = begin[owner] + np.arange(total) - first[owner]
    history = rows.indices[entry]
    contrib = gen.pair_similarity(history, pair_items[owner]) * rows.data[entry]
    has = np.flatnonzero(lengths > 0)
    best = np.maximum.reduceat(contrib, first[has])
    best_of = np.zeros(len(pair_rows), dtype=contrib.dtype)
    best_of[has] = best
    at_best = np.flatnonzero(contrib == best_of[owner])
    owners, where = np.unique(owner[at_best], return_index=True)  # the first history item at the maximum
    pick = at_best[where]
    positive = best_of[owners] > 0
    out[owners[positive]] = history[pick[positive]]
    return out
