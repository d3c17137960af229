"""Learned re-ranker over pooled candidates, and diversity controls.

The hybrid pools the top candidates of every generator, describes each (user, item) pair with
:func:`candidate_features` (each generator's score and rank, and the item, customer and pair
features of :mod:`.features`: popularity, trend, age, stock and days of cover, recency, frequency,
the customer's price band, their share of products in the item's category)
and orders them with a gradient-boosted classifier trained on a temporal validation window
(label: the user bought the item for the first time in the window).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = [
    "CandidateBlock",
    "pool_candidates",
    "candidate_features",
    "CandidateRanker",
    "ranker_size",
    "mmr_rerank",
    "cap_per_category",
]


@dataclass
class CandidateBlock:
    """Candidates of a batch of users: pair ``k`` is (row ``rows[k]`` of the batch, item ``items[k]``)."""

    rows: np.ndarray
    items: np.ndarray
    scores: dict[str, np.ndarray] = field(default_factory=dict)  # generator -> score per pair
    ranks: dict[str, np.ndarray] = field(default_factory=dict)  # generator -> 0-based rank per pair


def _pair_ranks(scores: np.ndarray, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
    """0-based rank of each (row, item) pair within its row = how many items score strictly
    higher (ties share a rank). ``rows`` must be sorted.

    Per row only the scores above the row's lowest pooled value can outrank a pooled pair, so only
    those are sorted: for the sparse generators (neighbours, bought together, co-visitation,
    content), whose rows are mostly zeros, that is a few hundred values instead of the catalogue.
    """
    values = scores[rows, items]
    out = np.empty(len(rows), dtype=np.float32)
    starts = np.searchsorted(rows, np.arange(scores.shape[0] + 1))
    for r in range(scores.shape[0]):
        a, b = starts[r], starts[r + 1]
        if b > a:
            wanted = values[a:b]
            row = scores[r]
            higher = np.sort(row[row > wanted.min()])
            out[a:b] = len(higher) - np.searchsorted(higher, wanted, side="right")
    return out


def pool_candidates(
    generator_scores: dict[str, np.ndarray],
    seen: np.ndarray,
    per_generator: dict[str, int] | int,
    exclude: np.ndarray | None = None,
) -> CandidateBlock:
    """Union of each generator's top-N unseen items per user.

    ``generator_scores``: name -> ``(n_rows, n_items)`` scores; ``seen``: boolean mask of the same
    shape (already-interacted items, never candidates); ``exclude``: another mask (e.g. items not
    for sale). Records every generator's score and rank for each pooled pair.
    """
    blocked = seen if exclude is None else (seen | exclude)
    n_rows, n_items = blocked.shape
    pool = np.zeros((n_rows, n_items), dtype=bool)
    masked = {}
    for name, s in generator_scores.items():
        s = np.where(blocked, -np.inf, s).astype(np.float32)
        masked[name] = s
        n = per_generator if isinstance(per_generator, int) else per_generator.get(name, 0)
        n = min(n, n_items)
        if n <= 0:
            continue
        # Only items the generator actually scored (> 0; an empty history scores 0 everywhere). A row
        # with at most n of them pools them all; only the others need a partial sort over the
        # catalogue (most rows of the neighbour, bought-together and co-visitation generators
        # score a few hundred items).
        scored = s > 0
        few = scored.sum(axis=1) <= n
        pool[few] |= scored[few]
        many = np.flatnonzero(~few)
        if len(many):
            top = np.argpartition(-s[many], n - 1, axis=1)[:, :n]
            pool[np.repeat(many, n), top.ravel()] = True
    pool &= ~blocked
    rows, items = np.nonzero(pool)
    block = CandidateBlock(rows=rows, items=items)
    for name, s in masked.items():
        block.scores[name] = np.nan_to_num(s[rows, items], neginf=0.0)
        block.ranks[name] = _pair_ranks(s, rows, items)
    return block


def candidate_features(
    block: CandidateBlock,
    *,
    item_features: dict[str, np.ndarray],
    user_features: dict[str, np.ndarray],
    pair_features: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Stack the per-pair feature matrix. ``item_features`` are indexed by item position,
    ``user_features`` by batch row, ``pair_features`` are already per pair."""
    cols, names = [], []
    for name in sorted(block.scores):
        cols.append(block.scores[name])
        names.append(f"{name}_score")
        cols.append(np.log1p(block.ranks[name]))
        names.append(f"{name}_logrank")
    for name in sorted(item_features):
        cols.append(np.asarray(item_features[name], dtype=np.float32)[block.items])
        names.append(f"item_{name}")
    for name in sorted(user_features):
        cols.append(np.asarray(user_features[name], dtype=np.float32)[block.rows])
        names.append(f"user_{name}")
    for name in sorted(pair_features or {}):
        cols.append(np.asarray(pair_features[name], dtype=np.float32))
        names.append(name)
    return np.column_stack(cols).astype(np.float32), names


PREDICT_BLOCK = 4096


def training_rows(labels: np.ndarray, groups: np.ndarray, negative_fraction: float, random_state: int = 0) -> np.ndarray:
    """Boolean mask of the pairs a re-ranker is fitted on: every pair of a user with a positive, except
    that only about ``negative_fraction`` of the negatives are kept (each with that probability, seeded).

    Negatives outnumber positives 40:1 (Online Retail) to 400:1 (the demo shop) and fitting time and
    memory grow with the pairs; a random share of them moves every pair's predicted odds by the same
    factor, which leaves each user's ranking as it was in expectation."""
    if not 0.0 < negative_fraction <= 1.0:
        raise ValueError(f"negative_fraction must be in (0, 1], not {negative_fraction}")
    labels = np.asarray(labels).astype(bool)
    groups = np.asarray(groups)
    keep = np.isin(groups, np.unique(groups[labels]))
    if negative_fraction < 1.0:
        keep &= labels | (np.random.default_rng(random_state).random(len(labels)) < negative_fraction)
    return keep


class CandidateRanker:
    """Gradient-boosted (scikit-learn ``HistGradientBoostingClassifier``) P(first purchase | pair).

    Point-wise log-loss on pooled candidates; users without any positive in their pool carry no
    ranking signal and are dropped from training. NaN features are handled natively.
    """

    def __init__(self, max_iter: int = 300, learning_rate: float = 0.05, max_leaf_nodes: int = 31,
                 min_samples_leaf: int = 100, l2_regularization: float = 1.0, random_state: int = 0,
                 n_threads: int | None = 1):
        # OpenMP threads for the booster. 1 by default: Celery scales out with processes, and
        # spinning OpenMP threads on a busy shared machine made fitting 100x slower.
        self.n_threads = n_threads
        self.params = dict(max_iter=max_iter, learning_rate=learning_rate, max_leaf_nodes=max_leaf_nodes,
                           min_samples_leaf=min_samples_leaf, l2_regularization=l2_regularization,
                           random_state=random_state)
        self.model = None
        self.feature_names: list[str] = []

    def fit(self, features: np.ndarray, labels: np.ndarray, groups: np.ndarray, feature_names: Sequence[str]):
        from sklearn.ensemble import HistGradientBoostingClassifier

        labels = np.asarray(labels).astype(np.int8)
        keep = training_rows(labels, groups, 1.0)
        if labels[keep].sum() == 0 or labels[keep].min() == labels[keep].max():
            raise ValueError("the ranker needs both positive and negative candidates to train")
        self.model = HistGradientBoostingClassifier(early_stopping=False, **self.params)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            self.model.fit(features[keep], labels[keep])
        self.feature_names = list(feature_names)
        return self

    def predict(self, features: np.ndarray) -> np.ndarray:
        """P(first purchase) per row, ``PREDICT_BLOCK`` rows at a time: scikit-learn walks every tree
        over all the rows it is given, so a block that stays in the CPU cache across the trees
        predicts several times faster than the fill's ~100,000 pairs at once (same values)."""
        if self.model is None:
            raise RuntimeError("ranker is not fitted")
        out = np.empty(len(features), dtype=np.float32)
        with threadpool_limits(limits=self.n_threads, user_api="openmp"):
            for start in range(0, len(features), PREDICT_BLOCK):
                out[start: start + PREDICT_BLOCK] = self.model.predict_proba(features[start: start + PREDICT_BLOCK])[:, 1]
        return out


# Below this many positive pairs the booster is kept small: on the medium demo shop (~2,000 pooled first
# purchases in three 30-day windows, one positive in ~400 pairs) the 31-leaf, 300-tree booster fitted
# noise and ranked below EASE alone on the validation window, while 7-leaf trees of at least 300 pairs
# ranked above it. Online Retail's window has ~10,000 positives (one in ~40 pairs) and keeps the default.
SMALL_DATA_POSITIVES = 5000
SMALL_RANKER = {"max_iter": 100, "max_leaf_nodes": 7, "min_samples_leaf": 300}


def ranker_size(positives: int) -> dict:
    """:class:`CandidateRanker` kwargs for a training set with ``positives`` positive pairs."""
    return dict(SMALL_RANKER) if positives < SMALL_DATA_POSITIVES else {}


# ---------------------------------------------------------------------------
# diversity controls
# ---------------------------------------------------------------------------


def _unit_rows(vectors) -> np.ndarray:
    vecs = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vecs / norms


def mmr_rerank(items: np.ndarray, scores: np.ndarray, item_vectors: np.ndarray, n: int,
               lambda_: float = 0.8, selected: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Maximal marginal relevance: greedily pick ``argmax lambda * rel - (1 - lambda) * max_sim``,
    ``rel`` = scores min-max scaled to [0, 1], ``max_sim`` = highest cosine similarity of the
    item's vector to anything already picked, or to the rows of ``selected`` (vectors of what is
    already shown above the list, e.g. pinned products). ``lambda_ = 1`` keeps the score order."""
    items = np.asarray(items)
    scores = np.asarray(scores, dtype=np.float64)
    if len(items) == 0:
        return items, scores
    span = scores.max() - scores.min()
    rel = (scores - scores.min()) / span if span > 0 else np.ones_like(scores)
    vecs = _unit_rows(item_vectors[items])
    chosen: list[int] = []
    max_sim = np.zeros(len(items))
    if selected is not None and len(selected):
        max_sim = (vecs @ _unit_rows(selected).T).max(axis=1)
    available = np.ones(len(items), dtype=bool)
    for _ in range(min(n, len(items))):
        value = lambda_ * rel - (1.0 - lambda_) * max_sim
        value[~available] = -np.inf
        pick = int(np.argmax(value))
        chosen.append(pick)
        available[pick] = False
        max_sim = np.maximum(max_sim, vecs @ vecs[pick])
    chosen_arr = np.asarray(chosen)
    return items[chosen_arr], scores[chosen_arr]


def cap_per_category(items: np.ndarray, scores: np.ndarray, categories: np.ndarray, n: int,
                     cap: int) -> tuple[np.ndarray, np.ndarray]:
    """Keep score order but at most ``cap`` items per category (``categories`` indexed by item
    position; items of an empty / NaN category are never capped). If the cap leaves fewer than
    ``n`` items, the skipped ones fill the rest in score order."""
    items = np.asarray(items)
    order = np.argsort(-np.asarray(scores), kind="stable")
    taken, skipped, counts = [], [], {}
    for k in order:
        cat = categories[items[k]]
        uncapped = cat is None or cat == "" or (isinstance(cat, float) and np.isnan(cat))
        if uncapped or counts.get(cat, 0) < cap:
            taken.append(k)
            if not uncapped:
                counts[cat] = counts.get(cat, 0) + 1
        else:
            skipped.append(k)
        if len(taken) >= n:
            break
    picked = np.asarray((taken + skipped)[:n], dtype=np.int64)
    return items[picked], np.asarray(scores)[picked]
