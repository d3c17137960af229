"""The hybrid recommender: candidate generators + learned re-ranker + reasons.

Training (:func:`train_hybrid`), all before ``as_of`` - nothing at or after it is read:

1. Clean events and drop bot / outlier traffic (:mod:`.interactions`).
2. Carve a temporal validation window ``[as_of - validation_days, as_of)``: generators are fitted
   on the events before the window; the target of a user is the set of items they bought in the
   window for the first time.
3. Pick each generator's hyperparameters (EASE's l2, ALS's factors / regularisation / alpha,
   kNN's K) by NDCG@10 on that window.
4. Pool every generator's top candidates for the window's users, describe each pair, and train
   the gradient-boosted re-ranker to put first-time purchases on top (with earlier windows when this one
   holds few first purchases). Each half of the window's users is held out once to measure the
   re-ranker (``validation_metrics``, cross-fitted), then it is refitted on all.
5. Refit the generators with the chosen settings on the whole history up to ``as_of``.

Serving (:class:`HybridModel`): ``recommend`` for stored customers, ``recommend_from_items`` for a
live list of recent items (no retraining: item-item generators score the pseudo-row and ALS solves
the user's factors against fixed item factors), ``similar_items`` / ``bought_together`` for
product pages. Each recommended item carries a :class:`Reason`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import candidates as cg
from .evaluation import ndcg_at_k, top_k_from_pairs
from .interactions import (
    DEFAULT_EVENT_WEIGHTS,
    BotFilter,
    build_interaction_matrix,
    clean_interactions,
    filter_bots,
    naive_utc,
    rows_for_items,
)
from .ranker import CandidateRanker, candidate_features, cap_per_category, mmr_rerank, pool_candidates, ranker_size

__all__ = [
    "HybridParams",
    "Reason",
    "Recommendation",
    "HybridModel",
    "train_hybrid",
    "fit_generators",
    "select_hyperparameters",
    "TuningResult",
    "score_ndcg",
    "ValidationWindow",
]

log = logging.getLogger(__name__)

DEFAULT_ALS_GRID: tuple[dict, ...] = (
    {"factors": 64, "regularization": 0.1, "alpha": 1.0},
    {"factors": 64, "regularization": 0.05, "alpha": 5.0},
    {"factors": 128, "regularization": 0.1, "alpha": 1.0},
    {"factors": 32, "regularization": 0.05, "alpha": 2.0},
)

# Top-N each generator adds to the pool. Chosen on the Online Retail validation window (history
# only): pools of ~1.7x / 3x these halves give candidate recall 0.33 / 0.45 and re-ranked
# NDCG@10 0.143 / 0.144 against 0.132 for half the size; 2x is the knee.
DEFAULT_CANDIDATES = {
    "ease": 120,
    "als": 80,
    "item_knn": 60,
    "bought_together": 60,
    "co_visitation": 40,
    "content": 40,
    "trending": 80,
    "popular": 20,
}

# When several generators rank an item equally well, explain it by the first one in this list.
_REASON_PRIORITY = ("bought_together", "item_knn", "ease", "co_visitation", "als", "content", "trending", "popular")


@dataclass
class HybridParams:
    """Everything :func:`train_hybrid` can be told. Defaults suit a shop with purchase history."""

    event_weights: Mapping[str, float] | None = None  # None -> DEFAULT_EVENT_WEIGHTS
    half_life_days: float | None = 120.0
    value_transform: str = "log1p"
    bot_filter: BotFilter | None = field(default_factory=BotFilter)
    validation_days: int = 30
    target_event_types: tuple[str, ...] = ("purchase",)
    generators: tuple[str, ...] = tuple(DEFAULT_CANDIDATES)
    candidates_per_generator: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_CANDIDATES))
    tune: bool = True  # pick hyperparameters on the validation window
    ease_l2_grid: tuple[float, ...] = (200.0, 400.0, 800.0)
    als_grid: tuple[dict, ...] = DEFAULT_ALS_GRID
    knn_k_grid: tuple[int, ...] = (50, 100, 200)
    generator_params: Mapping[str, dict] = field(default_factory=dict)  # fixed settings; tuned ones override
    trending_window_days: float = 14.0
    ranker: Mapping[str, float] = field(default_factory=dict)  # CandidateRanker kwargs
    use_ranker: bool = True
    max_ranker_users: int | None = 20000
    # Fewer positive pairs than this in the validation window: the re-ranker also learns from the windows
    # before it, at most max_ranker_windows in all (see _earlier_ranker_examples).
    ranker_min_positives: int = 3000
    max_ranker_windows: int = 6
    category_cap: int | None = None  # at most this many items per category in a list
    mmr_lambda: float | None = None  # e.g. 0.8 to trade a little relevance for variety
    batch_size: int = 1000
    max_batch_cells: int = 20_000_000  # users x items x generators per batch: bounds memory on big catalogues
    # EASE inverts a dense items x items float64 matrix: O(items^3) time and ~3 x items^2 x 8 bytes
    # (20k items: ~10 GB and many minutes per fit on one core), so it is skipped above this.
    max_ease_items: int = 10_000
    # Above this many non-zeros in the validation matrix each grid is cut to its first setting:
    # tuning costs one full fit per setting, which dominates training time on a large shop.
    max_tuning_nnz: int | None = 1_000_000
    random_state: int = 0

    def rows_per_batch(self, n_items: int) -> int:
        per_row = max(n_items * max(len(self.generators), 1), 1)
        return max(1, min(self.batch_size, self.max_batch_cells // per_row))


class Reason(NamedTuple):
    code: str  # bought_together | similar_to | similar_description | for_you | popular_now | popular
    anchor_id: Hashable | None  # the customer's item that explains it, when there is one
    text: str


class Recommendation(NamedTuple):
    item_ids: list
    scores: list[float]
    reasons: list[Reason]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


class TuningResult(NamedTuple):
    best_params: dict
    best_score: float
    results: list
    model: object


def _generator(name: str, params: Mapping) -> object:
    cls = cg.GENERATOR_CLASSES[name]
    return cls(**params)


def fit_generators(data: cg.TrainingData, settings: Mapping[str, dict], fitted: Mapping[str, object] | None = None) -> dict[str, object]:
    """Fit the named generators with the given constructor kwargs (reusing ``fitted`` ones)."""
    out = {}
    for name, params in settings.items():
        if fitted and name in fitted:
            out[name] = fitted[name]
            continue
        t0 = time.perf_counter()
        out[name] = _generator(name, params).fit(data)
        log.debug("fitted %s in %.1fs", name, time.perf_counter() - t0)
    return out


def score_ndcg(scores: np.ndarray, seen, relevant: Sequence[Iterable[int]], k: int = 10) -> float:
    """Mean NDCG@k of dense ``scores`` rows against lists of relevant item positions, with the
    ``seen`` (sparse or boolean) entries excluded."""
    s = np.array(scores, dtype=np.float32, copy=True)
    mask = seen.toarray() > 0 if sp.issparse(seen) else np.asarray(seen, dtype=bool)
    s[mask] = -np.inf
    top = np.argpartition(-s, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(top, np.argsort(-np.take_along_axis(s, top, 1), axis=1, kind="stable"), 1)
    return float(np.mean([ndcg_at_k(top[i], set(rel), k) for i, rel in enumerate(relevant)]))


def select_hyperparameters(
    name: str,
    grid: Sequence[dict],
    data: cg.TrainingData,
    user_rows: np.ndarray,
    relevant: Sequence[Iterable[int]],
    *,
    base: Mapping | None = None,
    k: int = 10,
    batch_size: int = 2000,
) -> "TuningResult":
    """Fit generator ``name`` with each setting of ``grid`` on ``data`` and keep the one with the
    best NDCG@k for ``user_rows`` (row positions in ``data.im``) against ``relevant`` (item
    positions, e.g. first purchases in a validation window).

    Returns ``TuningResult(best_params, best_ndcg, [(params, ndcg), ...], fitted_best_model)``."""
    results = []
    x = data.im.matrix
    batch_size = max(1, min(batch_size, 20_000_000 // max(data.n_items, 1)))
    best_model, best_score = None, -np.inf
    for setting in grid:
        params = {**(base or {}), **setting}
        gen = _generator(name, params).fit(data)
        vals = []
        for s in range(0, len(user_rows), batch_size):
            rows_idx = user_rows[s : s + batch_size]
            rows = x[rows_idx]
            vals.append(score_ndcg(gen.score(rows, rows_idx), rows, relevant[s : s + batch_size], k) * len(rows_idx))
        results.append((params, float(np.sum(vals) / max(len(user_rows), 1))))
        log.info("tune %s %s -> ndcg@%d %.4f", name, params, k, results[-1][1])
        if results[-1][1] > best_score:
            best_model, best_score = gen, results[-1][1]
    best = max(results, key=lambda r: r[1])
    return TuningResult(best[0], best[1], results, best_model)


def _user_stats(events: pd.DataFrame, n_users: int, as_of: pd.Timestamp, item_price: np.ndarray) -> dict[str, np.ndarray]:
    """Recency / frequency / monetary features per user position."""
    ev = events
    nan = np.full(n_users, np.nan, dtype=np.float32)
    out = {k: nan.copy() for k in ("log_events", "log_items", "log_baskets", "days_since_last", "days_since_first", "log_price")}
    if ev.empty:
        return out
    g = ev.groupby("user_idx")
    idx = g.size().index.to_numpy()
    out["log_events"][idx] = np.log1p(g.size().to_numpy())
    out["log_items"][idx] = np.log1p(g["item_idx"].nunique().to_numpy())
    if "session_id" in ev.columns and ev["session_id"].notna().any():
        baskets = g["session_id"].nunique()
    else:
        baskets = g["timestamp"].apply(lambda t: t.dt.floor("D").nunique())
    out["log_baskets"][idx] = np.log1p(baskets.to_numpy())
    out["days_since_last"][idx] = ((as_of - g["timestamp"].max()).dt.total_seconds() / 86400).to_numpy()
    out["days_since_first"][idx] = ((as_of - g["timestamp"].min()).dt.total_seconds() / 86400).to_numpy()
    prices = item_price[ev["item_idx"].to_numpy()]
    med = pd.Series(prices).groupby(ev["user_idx"].to_numpy()).median()
    out["log_price"][med.index.to_numpy()] = np.log(np.maximum(med.to_numpy(), 1e-3))
    return out


def _item_stats(data: cg.TrainingData) -> dict[str, np.ndarray]:
    n = data.n_items
    ev = data.events
    as_of = data.as_of
    out: dict[str, np.ndarray] = {}
    price = np.full(n, np.nan)
    if data.products is not None and "price" in data.products.columns:
        price = pd.to_numeric(data.products["price"], errors="coerce").to_numpy(dtype=float)
    if "price" in ev.columns:
        med = pd.to_numeric(ev["price"], errors="coerce").groupby(ev["item_idx"]).median()
        fill = np.full(n, np.nan)
        fill[med.index.to_numpy()] = med.to_numpy()
        price = np.where(np.isnan(price), fill, price)
    out["price"] = price
    pairs = ev[["user_idx", "item_idx"]].drop_duplicates()
    out["log_users"] = np.log1p(np.bincount(pairs["item_idx"], minlength=n)).astype(np.float32)
    for days in (7, 30):
        recent = ev[ev["timestamp"] >= as_of - pd.Timedelta(days=days)][["user_idx", "item_idx"]].drop_duplicates()
        out[f"log_users_{days}d"] = np.log1p(np.bincount(recent["item_idx"], minlength=n)).astype(np.float32)
    g = ev.groupby("item_idx")["timestamp"]
    first = np.full(n, np.nan)
    last = np.full(n, np.nan)
    if len(ev):
        mn, mx = g.min(), g.max()
        first[mn.index.to_numpy()] = ((as_of - mn).dt.total_seconds() / 86400).to_numpy()
        last[mx.index.to_numpy()] = ((as_of - mx).dt.total_seconds() / 86400).to_numpy()
    out["age_days"] = first
    out["days_since_last"] = last
    return out


# ---------------------------------------------------------------------------
# the model
# ---------------------------------------------------------------------------


@dataclass
class ValidationWindow:
    """What :func:`train_hybrid` fitted on the validation window, kept so the version can be
    compared with its own generators alone on the same users without refitting anything.

    Held in memory only (never pickled with the model): the services evaluate it right after
    training and then release it."""

    data: cg.TrainingData  # the history before the window
    generators: dict[str, object]  # fitted on ``data`` with the tuned settings
    users: np.ndarray  # positions in ``data.im`` of the window's users (each held out from one probe)
    relevant: list  # per user: item positions first bought in the window
    hybrid_top: np.ndarray | None  # (users, 20) re-ranked item positions (probe fitted on the other half)


@dataclass
class HybridModel:
    params: HybridParams
    data: cg.TrainingData
    generators: dict[str, object]
    generator_settings: dict[str, dict]
    ranker: CandidateRanker | None = None
    validation_metrics: dict[str, float] = field(default_factory=dict)
    tuning_results: dict[str, list] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    validation: ValidationWindow | None = field(default=None, repr=False, compare=False)
    # "hybrid" (re-ranked pool) or a generator's name: the activation gate serves that generator's own
    # ranking when it beat the hybrid on the held-out window
    serving: str = "hybrid"

    def __getstate__(self):
        state = self.__dict__.copy()
        state["validation"] = None  # large and only needed right after training
        return state

    def __post_init__(self):
        self.item_stats = _item_stats(self.data)
        self.user_stats = _user_stats(self.data.events, self.data.n_users, self.data.as_of, self.item_stats["price"])
        prods = self.data.products
        ids = self.data.im.item_ids
        if prods is not None and "name" in prods.columns:
            names = prods["name"].fillna("").astype(str).to_numpy()
            self.item_names = np.where(names == "", ids.astype(str), names)
        else:
            self.item_names = ids.astype(str)
        self.item_categories = None
        if prods is not None and "category" in prods.columns:
            self.item_categories = prods["category"].fillna("").astype(str).to_numpy()
        # a fresh purchase today: the weight recent items get in real-time scoring
        weights = self.params.event_weights or DEFAULT_EVENT_WEIGHTS
        top = max(weights.values())
        self._fresh_value = float({"log1p": np.log1p(top), "binary": 1.0, "cap1": 1.0}.get(self.params.value_transform, top))

    # -- ids --------------------------------------------------------------------------------------
    @property
    def user_ids(self) -> np.ndarray:
        return self.data.im.user_ids

    @property
    def item_ids(self) -> np.ndarray:
        return self.data.im.item_ids

    @property
    def as_of(self) -> pd.Timestamp:
        return self.data.as_of

    # -- scoring core -----------------------------------------------------------------------------
    def _features(self, rows: sp.csr_matrix, user_idx: np.ndarray, user_feats: dict[str, np.ndarray],
                  block_exclude: np.ndarray | None, exclude_seen: bool = True, n: int = 0):
        gen_scores = {name: gen.score(rows, user_idx) for name, gen in self.generators.items()}
        seen = rows.toarray() > 0
        if not exclude_seen:
            seen = np.zeros_like(seen)
        per_generator = dict(self.params.candidates_per_generator)
        if self.serving != "hybrid":  # the served generator's whole top-n must be in the pool
            per_generator[self.serving] = max(per_generator.get(self.serving, 0), n)
        block = pool_candidates(gen_scores, seen, per_generator, exclude=block_exclude)
        pair = {}
        if "price" in self.item_stats and "log_price" in user_feats:
            item_lp = np.log(np.maximum(self.item_stats["price"], 1e-3))
            pair["price_vs_user"] = item_lp[block.items] - user_feats["log_price"][block.rows]
        trending = self.generators.get("trending")
        if trending is not None and getattr(trending, "item_category", None) is not None:
            aff = trending.category_affinity(rows)
            pair["category_affinity"] = aff[block.rows, block.items]
        if trending is not None:
            item_feats = {**self.item_stats, "trend_ratio": trending.trend_ratio}
        else:
            item_feats = dict(self.item_stats)
        feats, names = candidate_features(block, item_features=item_feats, user_features=user_feats, pair_features=pair)
        return block, feats, names

    def _rank(self, block, feats) -> np.ndarray:
        if self.serving != "hybrid":
            return block.scores[self.serving]
        if self.ranker is not None:
            return self.ranker.predict(feats)
        # no ranker: reciprocal-rank fusion of the generators
        return sum(1.0 / (60.0 + block.ranks[name]) for name in block.ranks).astype(np.float32)

    def _user_features_for(self, user_idx: np.ndarray) -> dict[str, np.ndarray]:
        out = {}
        for key, arr in self.user_stats.items():
            vals = np.full(len(user_idx), np.nan, dtype=np.float32)
            known = user_idx >= 0
            vals[known] = arr[user_idx[known]]
            out[key] = vals
        return out

    def _lists(self, rows, user_idx, user_feats, n, exclude_seen=True, exclude_mask=None, anchor_verb="bought"):
        block, feats, _ = self._features(rows, user_idx, user_feats, exclude_mask, exclude_seen, n)
        scores = self._rank(block, feats)
        names, explain_order, explain_count = _explaining_generators(block)
        out = []
        order = np.lexsort((-scores, block.rows))
        starts = np.searchsorted(block.rows[order], np.arange(rows.shape[0] + 1))
        for r in range(rows.shape[0]):
            sel = order[starts[r] : starts[r + 1]]
            items, s = block.items[sel], scores[sel]
            if self.params.mmr_lambda is not None and "als" in self.generators:
                items, s = mmr_rerank(items, s, self.generators["als"].item_factors, n, self.params.mmr_lambda)
            elif self.params.category_cap is not None and self.item_categories is not None:
                items, s = cap_per_category(items, s, self.item_categories, n, self.params.category_cap)
            items, s = items[:n], s[:n]
            pos = {int(i): k for k, i in enumerate(block.items[sel])}
            row = rows[r]
            reasons = []
            anchors = _AnchorCache(self.generators, row, items)
            for j, i in enumerate(items):
                k = sel[pos[int(i)]]
                explaining = [names[g] for g in explain_order[k, : explain_count[k]]]
                reasons.append(self._reason(row, int(i), explaining, anchor_verb, anchors=anchors, position=j))
            out.append(Recommendation([self.item_ids[i].item() if hasattr(self.item_ids[i], "item") else self.item_ids[i]
                                       for i in items], [float(v) for v in s], reasons))
        return out

    def _reason(self, row, item: int, order: Sequence[str], verb: str, anchors: "_AnchorCache | None" = None,
                position: int | None = None) -> Reason:
        """The reason for ``item`` from the first generator of ``order`` (see ``_explaining_generators``)
        that can explain it."""
        hist_idx, hist_val = row.indices, row.data
        for name in order:
            if name in ("trending", "popular"):
                if name == "trending":
                    cat = self.item_categories[item] if self.item_categories is not None else ""
                    return Reason("popular_now", None, f"Popular now in {cat}" if cat else "Popular now")
                return Reason("popular", None, "Popular with customers")
            gen = self.generators[name]
            candidates = [name] if hasattr(gen, "best_anchor") else []
            candidates += [g for g in ("item_knn", "ease") if g in self.generators and g != name]
            for src_name in candidates:
                src = self.generators[src_name]
                if anchors is not None and position is not None:
                    anchor = anchors.get(src_name, position)
                else:
                    anchor = src.best_anchor(hist_idx, hist_val, item)
                if anchor is None:
                    continue
                anchor_id = self.item_ids[anchor]
                anchor_id = anchor_id.item() if hasattr(anchor_id, "item") else anchor_id
                label = self.item_names[anchor]
                if name == "bought_together" and src is gen:
                    return Reason("bought_together", anchor_id, f"Bought together with {label}")
                if name == "content" and src is gen:
                    return Reason("similar_description", anchor_id, f"Similar to {label}")
                return Reason("similar_to", anchor_id, f"Similar to {label} you {verb}")
            if name in ("als", "ease", "item_knn", "co_visitation", "content"):
                return Reason("for_you", None, "Recommended for you")
        return Reason("popular", None, "Popular with customers")

    # -- public API -------------------------------------------------------------------------------
    def recommend(self, user_ids: Sequence[Hashable], n: int = 10, exclude_seen: bool = True,
                  exclude_items: Iterable[Hashable] = ()) -> list[Recommendation]:
        """Top-``n`` for each customer id (unknown customers get trending / popular items).

        Returns one :class:`Recommendation` ``(item_ids, scores, reasons)`` per id, in order.
        ``exclude_items``: ids never to recommend (out of stock, ...)."""
        im = self.data.im
        idx = np.array([im.user_index.get(u, -1) for u in user_ids], dtype=np.int64)
        excl = self._exclude_mask(exclude_items)
        out: list[Recommendation] = []
        step = self.params.rows_per_batch(len(self.item_ids))
        for s in range(0, len(idx), step):
            b = idx[s : s + step]
            # unknown customers get an empty row (zeroed), i.e. the non-personal fallbacks
            rows = (sp.diags((b >= 0).astype(np.float32)) @ im.matrix[np.maximum(b, 0)]).tocsr()
            rows.eliminate_zeros()
            mask = None if excl is None else np.repeat(excl[None, :], len(b), 0)
            out.extend(self._lists(rows, b, self._user_features_for(b), n, exclude_seen, mask))
        return out

    def recommend_from_items(self, recent_item_ids: Sequence[Hashable], n: int = 10, *, user_id: Hashable | None = None,
                             exclude_seen: bool = True, exclude_items: Iterable[Hashable] = ()) -> Recommendation:
        """Real-time: score from a list of recent item ids (oldest first) without retraining, on top
        of the customer's stored history when ``user_id`` is known. The recent items count as a
        purchase made now; they are never recommended back."""
        im = self.data.im
        n_items = len(self.item_ids)
        known = [i for i in recent_item_ids if i in im.item_index]
        # the latest item weighs most (a live session drifts: what they look at now matters most)
        weights = [self._fresh_value * 0.85 ** (len(known) - 1 - j) for j in range(len(known))]
        row = rows_for_items([known], im.item_index, n_items, [weights])
        uidx = im.user_index.get(user_id, -1) if user_id is not None else -1
        if uidx >= 0:
            base = im.matrix[uidx].copy()
            row = base.maximum(row).tocsr()
        feats = self._user_features_for(np.array([uidx]))
        feats["days_since_last"][:] = 0.0
        feats["log_items"][:] = np.log1p(row.nnz)
        if uidx < 0:
            feats["log_events"][:] = np.log1p(len(known))
            feats["log_baskets"][:] = np.log1p(1)
            feats["days_since_first"][:] = 0.0
            prices = self.item_stats["price"][row.indices] if row.nnz else np.array([np.nan])
            feats["log_price"][:] = np.log(max(np.nanmedian(prices), 1e-3)) if np.isfinite(prices).any() else np.nan
        excl = self._exclude_mask(list(exclude_items) + known)
        mask = excl[None, :]
        # -1: ALS recomputes the factors from the updated row
        return self._lists(row, np.array([-1]), feats, n, exclude_seen, mask, anchor_verb="viewed")[0]

    def similar_items(self, item_id: Hashable, n: int = 10, generator: str | None = None) -> tuple[list, list[float]]:
        """Item-to-item neighbours for a product page. Default: item kNN, falling back to EASE, ALS
        and then text similarity (cold items have no interactions)."""
        pos = self.data.im.item_index.get(item_id)
        if pos is None:
            return [], []
        order = [generator] if generator else ["item_knn", "ease", "als", "content"]
        for name in order:
            gen = self.generators.get(name)
            if gen is None:
                continue
            idx, sc = gen.similar_items(pos, n)
            if len(idx):
                return [self.item_ids[i].item() if hasattr(self.item_ids[i], "item") else self.item_ids[i] for i in idx], [float(v) for v in sc]
        return [], []

    def bought_together(self, item_id: Hashable, n: int = 10) -> tuple[list, list[float]]:
        return self.similar_items(item_id, n, generator="bought_together")

    def _exclude_mask(self, items: Iterable[Hashable]) -> np.ndarray | None:
        items = list(items)
        if not items:
            return None
        mask = np.zeros(len(self.item_ids), dtype=bool)
        for i in items:
            p = self.data.im.item_index.get(i)
            if p is not None:
                mask[p] = True
        return mask


def _explaining_generators(block) -> tuple[list[str], np.ndarray, np.ndarray]:
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


class _AnchorCache:
    """Per list: each generator's best anchors for all the list's items, computed on first use
    (one ``best_anchors`` call per generator instead of one ``best_anchor`` per item)."""

    def __init__(self, generators: Mapping[str, object], row, items: np.ndarray):
        self.generators, self.row, self.items = generators, row, items
        self.cache: dict[str, np.ndarray] = {}

    def get(self, name: str, position: int) -> int | None:
        if name not in self.cache:
            gen = self.generators[name]
            if hasattr(gen, "best_anchors"):
                self.cache[name] = gen.best_anchors(self.row.indices, self.row.data, self.items)
            else:
                self.cache[name] = np.array([-1 if (a := gen.best_anchor(self.row.indices, self.row.data, int(i))) is None
                                             else a for i in self.items], dtype=np.int64)
        anchor = int(self.cache[name][position])
        return None if anchor < 0 else anchor


# ---------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------


def _prepare(events: pd.DataFrame, products, as_of, params: HybridParams, item_ids) -> cg.TrainingData:
    im = build_interaction_matrix(
        events, as_of=as_of, event_weights=params.event_weights, half_life_days=params.half_life_days,
        value_transform=params.value_transform, bot_filter=None, item_ids=item_ids,
    )
    ev = events[events["timestamp"] < naive_utc(as_of)]
    return cg.prepare_training_data(im, ev, products)


def _base_settings(params: HybridParams) -> dict[str, dict]:
    settings = {name: {} for name in params.generators}
    if "trending" in settings:
        settings["trending"] = {"window_days": params.trending_window_days}
    for name, extra in params.generator_params.items():
        if name in settings:
            settings[name] = {**settings[name], **extra}
    return settings


def train_hybrid(interactions: pd.DataFrame, products: pd.DataFrame | None = None, *, as_of,
                 params: HybridParams | None = None) -> HybridModel:
    """Train on ``interactions`` strictly before ``as_of`` (see the module docstring).

    ``interactions``: ``customer_id, product_id, event_type, timestamp`` (+ ``quantity``,
    ``session_id``, ``price`` optional). ``products``: ``product_id`` (+ ``name``,
    ``description``, ``category``, ``brand``, ``price`` optional); catalogue items without
    interactions are included so content similarity can surface them.
    """
    params = params or HybridParams()
    as_of = naive_utc(as_of)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    events, report = clean_interactions(interactions, as_of=as_of, event_weights=params.event_weights)
    if params.bot_filter is not None:
        events, bot_report = filter_bots(events, params.bot_filter)
        report.update(bot_report)
    item_ids = pd.Index(events["product_id"].unique())
    if products is not None and len(products):
        item_ids = item_ids.union(pd.Index(products["product_id"].unique()))
    item_ids = np.asarray(item_ids.sort_values())
    if "ease" in params.generators and len(item_ids) > params.max_ease_items:
        log.warning("%d items > max_ease_items=%d: EASE skipped", len(item_ids), params.max_ease_items)
        params = replace(params, generators=tuple(g for g in params.generators if g != "ease"))
    settings = _base_settings(params)
    tuning: dict[str, list] = {}
    tuned_models: dict[str, object] = {}
    metrics: dict[str, float] = {}
    ranker = None
    validation = None

    val_start = as_of - pd.Timedelta(days=params.validation_days)
    history = events[events["timestamp"] < val_start]
    need_validation = (params.tune or params.use_ranker) and len(history) and (events["timestamp"] >= val_start).any()
    if need_validation:
        vdata = _prepare(history, products, val_start, params, item_ids)
        im_v = vdata.im
        val_users, val_relevant = _window_targets(events, params, vdata, as_of)
        metrics["validation_users"] = float(len(val_users))
        timings["prepare_validation"] = time.perf_counter() - t0
        if params.tune and len(val_users):
            grids = {"ease": [{"l2": v} for v in params.ease_l2_grid], "als": list(params.als_grid),
                     "item_knn": [{"k": v} for v in params.knn_k_grid]}
            if params.max_tuning_nnz is not None and im_v.matrix.nnz > params.max_tuning_nnz:
                log.info("%d non-zeros > max_tuning_nnz=%d: first setting of each grid only", im_v.matrix.nnz,
                         params.max_tuning_nnz)
                grids = {name: grid[:1] for name, grid in grids.items()}
            for name, grid in grids.items():
                if name in settings and grid:
                    t1 = time.perf_counter()
                    best, score, results, model = select_hyperparameters(name, grid, vdata, val_users, val_relevant,
                                                                         base=settings[name])
                    settings[name] = best
                    tuned_models[name] = model
                    tuning[name] = results
                    metrics[f"validation_ndcg@10_{name}"] = score
                    timings[f"tune_{name}"] = time.perf_counter() - t1
        if params.use_ranker and len(val_users):
            t1 = time.perf_counter()
            vmodel = HybridModel(params=params, data=vdata, generators=fit_generators(vdata, settings, tuned_models),
                                 generator_settings=settings)
            rng = np.random.default_rng(params.random_state)
            order = rng.permutation(len(val_users))
            if params.max_ranker_users is not None:
                order = order[: params.max_ranker_users]
            users = val_users[order]
            relevant = [set(val_relevant[k]) for k in order]
            X, y, groups, items, names = _ranker_examples(vmodel, users, relevant)
            metrics["ranker_pairs"] = float(len(y))
            metrics["ranker_candidate_recall"] = float(y.sum() / max(sum(len(r) for r in relevant), 1))
            earlier = _earlier_ranker_examples(events, products, params, item_ids, settings, before=val_start,
                                               positives=int(y.sum()))
            metrics["ranker_windows"] = float(1 + len(earlier))
            metrics["ranker_positives"] = float(y.sum() + sum(e[1].sum() for e in earlier))
            size = ranker_size(int(metrics["ranker_positives"]))
            # honest estimate, cross-fitted: a probe fitted on the even users of the window (and the earlier
            # windows, which lie before it) scores the odd ones and vice versa, so every user of the window is
            # held out once (measuring on one half only doubled the variance of the comparison with the generators)
            even = groups % 2 == 0
            try:
                probe_scores = np.empty(len(y), dtype=np.float32)
                for fit_on in (even, ~even):
                    probe = CandidateRanker(random_state=params.random_state, **{**size, **params.ranker}).fit(
                        *_stack([(X[fit_on], y[fit_on], groups[fit_on])] + earlier), names)
                    probe_scores[~fit_on] = probe.predict(X[~fit_on])
                metrics["validation_ndcg@10_hybrid_heldout"] = _block_ndcg(probe_scores, groups, y,
                                                                           [relevant[g] for g in np.unique(groups)])
                top = top_k_from_pairs(groups, items, probe_scores, len(users), 20)  # every user, pooled or not
                validation = ValidationWindow(data=vdata, generators=vmodel.generators, users=users,
                                              relevant=[sorted(r) for r in relevant], hybrid_top=top)
                ranker = CandidateRanker(random_state=params.random_state, **{**size, **params.ranker}).fit(
                    *_stack([(X, y, groups)] + earlier), names)
            except ValueError as exc:  # e.g. no positive candidates on tiny data: fall back to rank fusion
                log.warning("ranker not trained: %s", exc)
                ranker = None
            timings["train_ranker"] = time.perf_counter() - t1

    t1 = time.perf_counter()
    data = _prepare(events, products, as_of, params, item_ids)
    data.im.filter_report = report
    gens = fit_generators(data, settings)
    timings["fit_final"] = time.perf_counter() - t1
    timings["total"] = time.perf_counter() - t0
    return HybridModel(params=params, data=data, generators=gens, generator_settings=settings, ranker=ranker,
                       validation_metrics=metrics, tuning_results=tuning, timings=timings, validation=validation)


def _window_targets(events: pd.DataFrame, params: HybridParams, data: cg.TrainingData, end) -> tuple[np.ndarray, list]:
    """The users of a window ``[data.as_of, end)`` who bought something for the first time (positions in
    ``data.im``, known before the window) and, per user, those items (known before the window too)."""
    im = data.im
    window = events[(events["timestamp"] >= data.as_of) & (events["timestamp"] < end)
                    & events["event_type"].isin(list(params.target_event_types))]
    window = window[window["customer_id"].isin(im.user_index)]
    pairs = window[["customer_id", "product_id"]].drop_duplicates()
    urow = pairs["customer_id"].map(im.user_index).to_numpy()
    icol = pairs["product_id"].map(im.item_index).to_numpy()
    seen = np.asarray(im.matrix[urow, icol]).ravel() > 0
    item_seen_before = np.asarray((im.matrix > 0).sum(axis=0)).ravel() > 0
    keep = ~seen & item_seen_before[icol]
    rel = pd.Series(icol[keep]).groupby(urow[keep]).agg(list)
    return rel.index.to_numpy(), list(rel.to_numpy())


def _ranker_examples(model: HybridModel, users: np.ndarray, relevant: list[set]):
    """The re-ranker's training pairs for ``users`` (positions in ``model.data.im``): features of every
    pooled candidate, label = the item is in the user's ``relevant`` set, group = index into ``users``.

    Returns ``(features, labels, groups, items, feature_names)``."""
    feats_all, labels_all, groups_all, items_all, names = [], [], [], [], []
    step = model.params.rows_per_batch(len(model.item_ids))
    for s in range(0, len(users), step):
        b = users[s : s + step]
        block, feats, names = model._features(model.data.im.matrix[b], b, model._user_features_for(b), None)
        labels = np.fromiter((block.items[k] in relevant[s + block.rows[k]] for k in range(len(block.rows))),
                             dtype=bool, count=len(block.rows))
        feats_all.append(feats)
        labels_all.append(labels)
        groups_all.append(block.rows + s)
        items_all.append(block.items)
    return (np.vstack(feats_all), np.concatenate(labels_all), np.concatenate(groups_all),
            np.concatenate(items_all), names)


def _earlier_ranker_examples(events: pd.DataFrame, products, params: HybridParams, item_ids, settings: Mapping[str, dict],
                             *, before: pd.Timestamp, positives: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """More training pairs for the re-ranker from the windows before the validation window, newest first,
    until it has ``params.ranker_min_positives`` positive pairs or ``params.max_ranker_windows`` windows.

    A small shop's one window holds few first purchases (the medium demo shop: ~750 pooled positives
    against ~10,000 on Online Retail), too few for the booster. Each earlier window is built like the
    validation window: generators (with the tuned settings) fitted on the history before it, labels from
    it. Everything lies before the validation window, so the held-out estimate stays honest. Groups are
    offset so that no two windows share one. Returns ``[(features, labels, groups), ...]``."""
    out = []
    end = before
    while positives < params.ranker_min_positives and len(out) + 1 < params.max_ranker_windows:
        start = end - pd.Timedelta(days=params.validation_days)
        history = events[events["timestamp"] < start]
        if history.empty:
            break
        data = _prepare(history, products, start, params, item_ids)
        users, relevant = _window_targets(events, params, data, end)
        if len(users):
            model = HybridModel(params=params, data=data, generators=fit_generators(data, settings),
                                generator_settings=dict(settings))
            if params.max_ranker_users is not None:
                users, relevant = users[: params.max_ranker_users], relevant[: params.max_ranker_users]
            X, y, groups, _, _ = _ranker_examples(model, users, [set(r) for r in relevant])
            out.append((X, y, groups + (len(out) + 1) * _GROUP_OFFSET))
            positives += int(y.sum())
        end = start
    return out


# group ids of earlier windows start at multiples of this (above any window's user count)
_GROUP_OFFSET = 1 << 40


def _stack(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def _block_ndcg(scores: np.ndarray, groups: np.ndarray, labels: np.ndarray, relevant: list[set], k: int = 10) -> float:
    """NDCG@k of ranked candidate pools (one group per user), ideal = min(|relevant|, k)."""
    vals = []
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for j, g in enumerate(np.unique(groups)):
        sel = np.flatnonzero(groups == g)
        top = sel[np.argsort(-scores[sel], kind="stable")[:k]]
        dcg = float((labels[top] * discounts[: len(top)]).sum())
        vals.append(dcg / discounts[: min(len(relevant[j]), k)].sum())
    return float(np.mean(vals)) if vals else 0.0
