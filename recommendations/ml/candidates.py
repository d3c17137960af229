"""Candidate generators.

Every generator follows one small protocol so the hybrid can treat them alike:

* ``fit(data: TrainingData) -> self``
* ``score(rows, user_idx=None) -> np.ndarray`` of shape ``(len(rows), n_items)``: ``rows`` is a CSR
  block of user x item confidences (a stored user's row, or a pseudo-row built from a list of
  recent items); ``user_idx`` (row positions in the training matrix, ``-1`` for unknown) lets a
  factor model reuse its stored user factors.
* ``similar_items(item_idx, n) -> (indices, scores)``: item-to-item neighbours, best first.

Item-item models (kNN, EASE, co-occurrence, co-visitation, TF-IDF) score a row as
``row @ S`` for an item x item matrix ``S``; that is what makes real-time scoring from a few
recent items free (no retraining), and it lets the hybrid explain a recommendation by the history
item that contributed most (:meth:`ItemItemGenerator.best_anchor`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

# What generators are fitted on; imported here too because stored models name this module.
from .training_data import TrainingData, prepare_training_data, product_texts  # noqa: F401

__all__ = [
    "TrainingData",
    "prepare_training_data",
    "PopularityGenerator",
    "TrendingGenerator",
    "ALSGenerator",
    "ItemKNNGenerator",
    "EASEGenerator",
    "CooccurrenceGenerator",
    "SessionCoVisitationGenerator",
    "ContentGenerator",
    "top_k_sparse",
]


def top_k_cosine_neighbours(vectors: sp.csr_matrix, k: int, block: int = 2000) -> sp.csr_matrix:
    """``top_k_sparse(vectors @ vectors.T, k)`` computed ``block`` rows at a time, so the full
    items x items product (nearly dense when many names share words: 20k items -> several GB)
    never exists at once. Row for row the same result: each block is the same product rows."""
    n = vectors.shape[0]
    if n <= block:
        return top_k_sparse(vectors @ vectors.T, k)
    vt = vectors.T.tocsr()
    parts = []
    for start in range(0, n, block):
        m = (vectors[start:start + block] @ vt).tocsr().astype(np.float32)
        m.setdiag(0, k=start)  # the item itself sits at column start + row
        parts.append(top_k_sparse(m, k, zero_diagonal=False))
    return sp.vstack(parts).tocsr()


def top_k_sparse(m, k: int, zero_diagonal: bool = True) -> sp.csr_matrix:
    """Keep the ``k`` largest entries of each row (dense or sparse input), zero the diagonal."""
    if sp.issparse(m):
        m = m.tocsr().astype(np.float32)
        if zero_diagonal:
            m.setdiag(0)
        m.eliminate_zeros()
        indptr = [0]
        indices, data = [], []
        for r in range(m.shape[0]):
            s, e = m.indptr[r], m.indptr[r + 1]
            d, ix = m.data[s:e], m.indices[s:e]
            if e - s > k:
                keep = np.argpartition(-d, k)[:k]
                d, ix = d[keep], ix[keep]
            pos = d > 0
            indices.append(ix[pos])
            data.append(d[pos])
            indptr.append(indptr[-1] + int(pos.sum()))
        return sp.csr_matrix(
            (np.concatenate(data) if data else [], np.concatenate(indices) if indices else [], indptr),
            shape=m.shape,
        )
    m = np.array(m, dtype=np.float32, copy=True)
    np.fill_diagonal(m, 0)
    k = min(k, m.shape[1] - 1) if m.shape[1] > 1 else 0
    if k <= 0:
        return sp.csr_matrix(m.shape, dtype=np.float32)
    part = np.argpartition(-m, k - 1, axis=1)[:, :k]
    rows = np.repeat(np.arange(m.shape[0]), k)
    vals = m[rows, part.ravel()]
    pos = vals > 0
    return sp.csr_matrix((vals[pos], (rows[pos], part.ravel()[pos])), shape=m.shape)


def _dense(x) -> np.ndarray:
    return np.asarray(x.toarray() if sp.issparse(x) else x, dtype=np.float32)


def _top(scores: np.ndarray, n: int, exclude: int | None = None):
    scores = scores.astype(np.float32, copy=True)
    if exclude is not None:
        scores[exclude] = -np.inf
    n = min(n, len(scores))
    idx = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
    idx = idx[np.argsort(-scores[idx], kind="stable")]
    idx = idx[np.isfinite(scores[idx]) & (scores[idx] > 0)]
    return idx, scores[idx]


# ---------------------------------------------------------------------------
# non-personal generators
# ---------------------------------------------------------------------------


class PopularityGenerator:
    """Most popular: log(1 + distinct users) per item, the same for everyone."""

    name = "popular"

    def fit(self, data: TrainingData):
        users = (data.im.matrix > 0).astype(np.float32)
        self.item_scores = np.log1p(np.asarray(users.sum(axis=0)).ravel()).astype(np.float32)
        return self

    def score(self, rows, user_idx=None) -> np.ndarray:
        return np.tile(self.item_scores, (rows.shape[0], 1))

    def similar_items(self, item_idx: int, n: int):
        return _top(self.item_scores, n, exclude=item_idx)


class TrendingGenerator:
    """Trending: distinct users in the last ``window_days`` before ``as_of`` (velocity), log-scaled.

    ``trend_ratio`` (recent rate / rate over ``baseline_days``) is kept as a ranker feature. With a
    ``category`` column in the products, :meth:`score` multiplies the velocity by the user's
    category affinity (share of their history in the item's category, smoothed), so a user sees
    what is trending in the categories they buy; :meth:`top_in_category` lists a category's
    trending items.
    """

    name = "trending"

    def __init__(self, window_days: float = 14.0, baseline_days: float = 90.0, category_smoothing: float = 0.2):
        self.window_days = window_days
        self.baseline_days = baseline_days
        self.category_smoothing = category_smoothing

    def _distinct_users(self, ev: pd.DataFrame, n_items: int, days: float) -> np.ndarray:
        recent = ev[ev["timestamp"] >= self.as_of - pd.Timedelta(days=days)]
        pairs = recent[["user_idx", "item_idx"]].drop_duplicates()
        return np.bincount(pairs["item_idx"].to_numpy(), minlength=n_items).astype(np.float32)

    def fit(self, data: TrainingData):
        self.as_of = data.as_of
        ev = data.events
        recent = self._distinct_users(ev, data.n_items, self.window_days)
        base = self._distinct_users(ev, data.n_items, self.baseline_days)
        self.recent_users = recent
        self.item_scores = np.log1p(recent).astype(np.float32)
        rate_recent = recent / self.window_days
        rate_base = (base + 1.0) / self.baseline_days
        self.trend_ratio = (rate_recent / rate_base).astype(np.float32)
        self.item_category = None
        if data.products is not None and "category" in data.products.columns:
            cats = data.products["category"].fillna("").astype(str)
            if (cats != "").any():
                codes, uniques = pd.factorize(cats)
                self.item_category = codes
                self.categories = uniques
                self.cat_onehot = sp.csr_matrix(
                    (np.ones(len(codes), dtype=np.float32), (np.arange(len(codes)), codes)),
                    shape=(len(codes), len(uniques)),
                )
        return self

    def category_affinity(self, rows) -> np.ndarray | None:
        """``(n_rows, n_items)`` share of each row's confidence that falls in the item's category."""
        if self.item_category is None:
            return None
        binary = rows.copy()
        binary.data = np.ones_like(binary.data)
        per_cat = _dense(binary @ self.cat_onehot)
        totals = per_cat.sum(axis=1, keepdims=True)
        totals[totals == 0] = 1.0
        return (per_cat / totals)[:, self.item_category]

    def score(self, rows, user_idx=None) -> np.ndarray:
        scores = np.tile(self.item_scores, (rows.shape[0], 1))
        aff = self.category_affinity(rows)
        if aff is not None:
            scores *= self.category_smoothing + aff
        return scores

    def top_in_category(self, category, n: int):
        if self.item_category is None:
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        mask = np.asarray(self.categories == category)
        if not mask.any():
            return np.array([], dtype=np.int64), np.array([], dtype=np.float32)
        scores = np.where(self.item_category == int(np.flatnonzero(mask)[0]), self.item_scores, 0.0)
        return _top(scores, n)

    def similar_items(self, item_idx: int, n: int):
        scores = self.item_scores.copy()
        if self.item_category is not None:
            scores = np.where(self.item_category == self.item_category[item_idx], scores, 0.0)
        return _top(scores, n, exclude=item_idx)


# ---------------------------------------------------------------------------
# collaborative generators
# ---------------------------------------------------------------------------


class ItemItemGenerator:
    """Base for generators that score ``rows @ S`` with an item x item matrix ``S``."""

    name = "item_item"
    sim: sp.csr_matrix | np.ndarray

    def score(self, rows, user_idx=None) -> np.ndarray:
        return _dense(rows @ self.sim)

    def similar_items(self, item_idx: int, n: int):
        row = self.sim[item_idx]
        return _top(_dense(row).ravel(), n, exclude=item_idx)

    def pair_similarity(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``S[a[k], b[k]]`` for every k, as float32."""
        if sp.issparse(self.sim):
            return np.asarray(self.sim[a, b], dtype=np.float32).ravel()
        return np.asarray(self.sim[a, b], dtype=np.float32)

    def best_anchor(self, row_indices: np.ndarray, row_values: np.ndarray, item_idx: int):
        """The history item (position) contributing most to ``item_idx``'s score, or ``None``."""
        if len(row_indices) == 0:
            return None
        col = self.sim[row_indices, item_idx]
        contrib = _dense(col).ravel() * row_values
        best = int(np.argmax(contrib))
        return int(row_indices[best]) if contrib[best] > 0 else None

    def best_anchors(self, row_indices: np.ndarray, row_values: np.ndarray, items: np.ndarray) -> np.ndarray:
        """:meth:`best_anchor` for many items at once (one slice of ``S`` instead of one per item,
        which is what makes filling 100 reasons per customer affordable); ``-1`` = none."""
        items = np.asarray(items, dtype=np.int64)
        out = np.full(len(items), -1, dtype=np.int64)
        if len(row_indices) == 0 or len(items) == 0:
            return out
        block = self.sim[np.asarray(row_indices)][:, items]
        contrib = _dense(block) * np.asarray(row_values)[:, None]
        best = np.argmax(contrib, axis=0)
        found = contrib[best, np.arange(len(items))] > 0
        out[found] = np.asarray(row_indices)[best[found]]
        return out


class EASEGenerator(ItemItemGenerator):
    """EASE (Steck 2019): closed-form item-item regression, ``B = I - P / diag(P)``,
    ``P = (X^T X + l2 I)^-1``. Dense item x item: fine up to ~20k items.

    ``binarize``: fit on 0/1 interactions (it beats raw confidences on purchase data)."""

    name = "ease"

    def __init__(self, l2: float = 200.0, binarize: bool = True):
        self.l2 = l2
        self.binarize = binarize

    def fit(self, data: TrainingData):
        x = data.im.matrix.astype(np.float64)
        if self.binarize:
            x = (x > 0).astype(np.float64)
        gram = _dense(x.T @ x).astype(np.float64)
        gram[np.diag_indices_from(gram)] += self.l2
        p = np.linalg.inv(gram)
        b = -p / np.diag(p)
        np.fill_diagonal(b, 0.0)
        self.sim = b.astype(np.float32)
        return self

    def score(self, rows, user_idx=None) -> np.ndarray:
        if self.binarize:
            rows = (rows > 0).astype(np.float32)
        return _dense(rows @ self.sim)


class ItemKNNGenerator(ItemItemGenerator):
    """Item kNN via ``implicit`` (BM25 or cosine weighting), ``K`` neighbours per item."""

    name = "item_knn"

    def __init__(self, k: int = 100, kind: str = "bm25", k1: float = 1.2, b: float = 0.75):
        self.k = k
        self.kind = kind
        self.k1 = k1
        self.b = b

    def fit(self, data: TrainingData):
        from implicit.nearest_neighbours import BM25Recommender, CosineRecommender

        if self.kind == "bm25":
            model = BM25Recommender(K=self.k, K1=self.k1, B=self.b, num_threads=1)
        elif self.kind == "cosine":
            model = CosineRecommender(K=self.k, num_threads=1)
        else:
            raise ValueError(f"unknown kNN kind {self.kind!r}")
        with warnings.catch_warnings():
            # implicit converts its own BM25-weighted COO internally and warns about it
            warnings.simplefilter("ignore")
            model.fit(data.im.matrix.tocsr().astype(np.float32), show_progress=False)
        self.model = model
        self.sim = model.similarity.tocsr().astype(np.float32)
        self.sim.setdiag(0)
        self.sim.eliminate_zeros()
        return self

    def score(self, rows, user_idx=None) -> np.ndarray:
        return _dense(rows @ self.sim)


class CooccurrenceGenerator(ItemItemGenerator):
    """Frequently bought together: co-occurrence in the same basket (``session_id`` of purchase
    events, falling back to customer+day) weighted by lift.

    ``S[i, j] = log(lift(i, j)) * c_ij / (c_ij + shrinkage)`` for pairs seen in at least
    ``min_support`` baskets, ``lift = c_ij * n_baskets / (n_i * n_j)``; only lifts above 1 are
    kept, top ``k`` per item."""

    name = "bought_together"

    def __init__(self, min_support: int = 2, shrinkage: float = 5.0, k: int = 100, event_types=("purchase",)):
        self.min_support = min_support
        self.shrinkage = shrinkage
        self.k = k
        self.event_types = event_types

    def fit(self, data: TrainingData):
        ev = data.events
        if self.event_types is not None:
            ev = ev[ev["event_type"].isin(list(self.event_types))]
        if "session_id" in ev.columns and ev["session_id"].notna().any():
            basket = ev["session_id"].astype(str)
        else:
            basket = ev["customer_id"].astype(str) + "|" + ev["timestamp"].dt.strftime("%Y-%m-%d")
        codes, uniques = pd.factorize(basket)
        n_items = data.n_items
        inc = sp.csr_matrix(
            (np.ones(len(codes), dtype=np.float32), (codes, ev["item_idx"].to_numpy())),
            shape=(len(uniques), n_items),
        )
        inc.data[:] = 1.0  # duplicates summed -> binary
        inc.sum_duplicates()
        inc.data = np.ones_like(inc.data)
        n_baskets = max(len(uniques), 1)
        counts = np.asarray(inc.sum(axis=0)).ravel()
        co = (inc.T @ inc).tocoo()
        keep = (co.row != co.col) & (co.data >= self.min_support)
        r, c, d = co.row[keep], co.col[keep], co.data[keep].astype(np.float64)
        lift = d * n_baskets / (counts[r] * counts[c])
        w = np.log(np.maximum(lift, 1e-12)) * d / (d + self.shrinkage)
        pos = w > 0
        s = sp.csr_matrix((w[pos].astype(np.float32), (r[pos], c[pos])), shape=(n_items, n_items))
        self.sim = top_k_sparse(s, self.k)
        self.basket_counts = counts
        return self

    def score(self, rows, user_idx=None) -> np.ndarray:
        b = rows.copy()
        b.data = np.ones_like(b.data)
        return _dense(b @ self.sim)


# How much each older item of a session counts relative to the next newer one (score_session; the
# live session lists blend the stored neighbour rows with the same weights).
SESSION_RECENCY_DECAY = 0.7


class SessionCoVisitationGenerator(ItemItemGenerator):
    """Session co-visitation for anonymous / live sessions: items seen in the same session
    (any event type), each session's pairs down-weighted by ``1 / log2(1 + session size)`` so long
    sessions do not dominate; top ``k`` per item, rows normalised.

    :meth:`score_session` scores an ordered list of recent items, the latest weighing most."""

    name = "co_visitation"

    def __init__(self, k: int = 100, recency_decay: float = SESSION_RECENCY_DECAY, max_session_items: int = 50):
        self.k = k
        self.recency_decay = recency_decay
        self.max_session_items = max_session_items

    def fit(self, data: TrainingData):
        ev = data.events
        if "session_id" in ev.columns and ev["session_id"].notna().any():
            session = ev["session_id"].astype(str)
        else:
            session = ev["customer_id"].astype(str) + "|" + ev["timestamp"].dt.strftime("%Y-%m-%d")
        ev = ev.assign(_session=session).sort_values("timestamp")
        # keep the latest items of very long sessions
        ev = ev.drop_duplicates(["_session", "item_idx"], keep="last")
        ev = ev[ev.groupby("_session").cumcount(ascending=False) < self.max_session_items]
        codes, uniques = pd.factorize(ev["_session"])
        sizes = np.bincount(codes)
        w = (1.0 / np.log2(1.0 + np.maximum(sizes, 1)))[codes]
        n_items = data.n_items
        inc = sp.csr_matrix((np.sqrt(w).astype(np.float32), (codes, ev["item_idx"].to_numpy())), shape=(len(uniques), n_items))
        co = (inc.T @ inc).tocsr()
        s = top_k_sparse(co, self.k)
        norms = np.asarray(s.sum(axis=1)).ravel()
        norms[norms == 0] = 1.0
        self.sim = sp.diags(1.0 / norms).dot(s).tocsr().astype(np.float32)
        return self

    def score_session(self, item_indices: list[int]) -> np.ndarray:
        """Scores for one ordered session (oldest first)."""
        weights = self.recency_decay ** np.arange(len(item_indices))[::-1]
        row = sp.csr_matrix(
            (weights.astype(np.float32), (np.zeros(len(item_indices), dtype=np.int64), np.asarray(item_indices))),
            shape=(1, self.sim.shape[0]),
        )
        return _dense(row @ self.sim).ravel()


class ContentGenerator(ItemItemGenerator):
    """Content-based: TF-IDF (word 1-2 grams) over product text; serves cold items, which have no
    interactions but do have a name/description. A user's profile is the confidence-weighted sum
    of their items' vectors; the score is the cosine to each item. ``sim`` keeps the top ``k``
    text neighbours per item (for explanations / similar products)."""

    name = "content"

    # Terms in more than this share of the products are dropped: they tell no product from another,
    # and they made every customer's profile overlap nearly the whole catalogue. On the 20,000-product
    # demo shop 48 such terms held most of the vectors' entries; without them scoring a customer took a
    # quarter of the time (2026-12-06); the held-out NDCG of benchmarks/recommendations_robustness.py
    # stayed within noise (Online Retail 0.1457 both, grocery 0.3010 -> 0.3002; benchmarks/README.md).
    DEFAULT_MAX_DF = 0.5

    def __init__(self, k: int = 50, max_features: int = 50000, min_df: int = 1, max_df: float = DEFAULT_MAX_DF):
        self.k = k
        self.max_features = max_features
        self.min_df = min_df
        self.max_df = max_df
        self.vectors = None

    def fit(self, data: TrainingData):
        n_items = data.n_items
        if data.products is None or "text" not in data.products.columns or not data.products["text"].str.strip().any():
            self.vectors = sp.csr_matrix((n_items, 1), dtype=np.float32)
            self.sim = sp.csr_matrix((n_items, n_items), dtype=np.float32)
            return self
        texts = data.products["text"].fillna("")
        try:
            vec = self._vectorizer(self.max_df)
            vectors = vec.fit_transform(texts)
        except ValueError:  # a catalogue so small or uniform that max_df leaves no term: keep them all
            vec = self._vectorizer(1.0)
            vectors = vec.fit_transform(texts)
        self.vectors = vectors.astype(np.float32).tocsr()
        self.sim = top_k_cosine_neighbours(self.vectors, self.k)
        # Kept with the model so a product created or edited after training gets text neighbours at
        # once; the terms dropped by max_features are only kept for introspection and can be huge.
        if hasattr(vec, "stop_words_"):
            del vec.stop_words_
        self.vectorizer = vec
        return self

    def _vectorizer(self, max_df: float):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(ngram_range=(1, 2), min_df=self.min_df, max_df=max_df, max_features=self.max_features,
                               sublinear_tf=True, lowercase=True)

    def neighbours_of_texts(self, texts: Sequence[str], n: int,
                            exclude: Sequence[int | None] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
        """For each text, the ``n`` items whose text is most similar (cosine > 0): (positions, scores),
        leaving out the position ``exclude[i]`` (the product itself). Empty for every text when the
        model was trained without product text."""
        vectorizer = getattr(self, "vectorizer", None)
        if vectorizer is None or not len(texts):
            return [(np.array([], dtype=np.int64), np.array([], dtype=np.float32)) for _ in texts]
        similarity = _dense(vectorizer.transform(list(texts)).astype(np.float32) @ self.vectors.T)
        exclude = exclude if exclude is not None else [None] * len(texts)
        return [_top(row, n, skip) for row, skip in zip(similarity, exclude)]

    def score(self, rows, user_idx=None) -> np.ndarray:
        prof = rows @ self.vectors
        norms = np.sqrt(np.asarray(prof.multiply(prof).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        prof = sp.diags(1.0 / norms) @ prof
        return _dense(prof @ self.vectors.T)


class ALSGenerator:
    """Implicit-feedback matrix factorisation (``implicit`` ALS, CPU, one thread).

    Known users use their stored factors; a pseudo-row (recent items) gets factors recomputed
    by least squares against the fixed item factors (``recalculate_user``) - no retraining."""

    name = "als"

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 10.0,
                 iterations: int = 15, random_state: int = 42):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.random_state = random_state

    def fit(self, data: TrainingData):
        from implicit.cpu.als import AlternatingLeastSquares

        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        model = AlternatingLeastSquares(
            factors=self.factors, regularization=self.regularization, alpha=self.alpha,
            iterations=self.iterations, random_state=self.random_state, num_threads=1,
        )
        model.fit(data.im.matrix.tocsr().astype(np.float32), show_progress=False)
        self.model = model
        self.user_factors = np.asarray(model.user_factors)
        self.item_factors = np.asarray(model.item_factors)
        norms = np.linalg.norm(self.item_factors, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        self._unit_items = self.item_factors / norms
        return self

    def user_vectors(self, rows, user_idx=None) -> np.ndarray:
        n = rows.shape[0]
        out = np.zeros((n, self.item_factors.shape[1]), dtype=np.float32)
        known = np.zeros(n, dtype=bool) if user_idx is None else (np.asarray(user_idx) >= 0)
        if known.any():
            out[known] = self.user_factors[np.asarray(user_idx)[known]]
        if (~known).any():
            unknown = np.flatnonzero(~known)
            sub = rows[unknown].tocsr().astype(np.float32)
            out[unknown] = self.model.recalculate_user(np.arange(len(unknown)), sub)
        return out

    def score(self, rows, user_idx=None) -> np.ndarray:
        return (self.user_vectors(rows, user_idx) @ self.item_factors.T).astype(np.float32)

    def similar_items(self, item_idx: int, n: int):
        return _top(self._unit_items @ self._unit_items[item_idx], n, exclude=item_idx)


GENERATOR_CLASSES: Mapping[str, type] = {
    cls.name: cls
    for cls in (
        PopularityGenerator, TrendingGenerator, ALSGenerator, ItemKNNGenerator, EASEGenerator,
        CooccurrenceGenerator, SessionCoVisitationGenerator, ContentGenerator,
    )
}
