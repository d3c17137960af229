"""The hybrid recommender: candidate generators + learned re-ranker + reasons.

Training is :func:`.training.train_hybrid` (all before ``as_of``).

Serving (:class:`HybridModel`): ``recommend`` for the customers the fill stores lists for,
``similar_items`` / ``bought_together`` for product pages, ``similar_to_texts`` for products created
after training. Each recommended item carries a :class:`Reason`. What a customer bought is never
recommended back to them; what they only viewed, carted or wish-listed stays a candidate.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import candidates as cg
from .features import align_features, item_stats, pair_features, user_stats
from .interactions import BotFilter
from .ranker import CandidateRanker, candidate_features, cap_per_category, mmr_rerank, pool_candidates
from .reasons import REASON_CODES, best_anchors, explaining_generators
from .segments import FIRST_EVENTS, first_items, interaction_recency

__all__ = [
    "HybridParams",
    "Reason",
    "Recommendation",
    "HybridModel",
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

# The arrays a model keeps of its event history once the events are dropped (see HybridModel.__getstate__).
EVENT_SUMMARIES = ("bought", "interaction_recency", "first_items")


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
    # Share of the negative pairs (pooled, not bought in the window) the re-ranker is fitted on; every
    # positive is kept (ranker.training_rows). Chosen for speed at equal quality on validation windows:
    # on the medium demo shop the cross-fitted NDCG@10 of the re-ranked pool was 0.1061 with every
    # negative and 0.1091 / 0.1059 / 0.1059 with 0.5 / 0.25 / 0.1 of them, while the three fits took
    # 28.2 / 15.0 / 7.2 / 3.3 s (2026-12-06); on the three shops of benchmarks/recommendations_robustness.py
    # a quarter moved the held-out NDCG by -1.4% to +3.9% (benchmarks/README.md).
    ranker_negative_fraction: float = 0.25
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


class RankedLists(NamedTuple):
    """A batch of top lists as flat arrays: list ``r`` is ``[offsets[r], offsets[r + 1])``."""

    offsets: np.ndarray
    item_ids: np.ndarray
    scores: np.ndarray
    codes: np.ndarray  # index into REASON_CODES
    anchor_ids: np.ndarray  # object: the anchor's id or None
    texts: list[str]


class Recommendation(NamedTuple):
    item_ids: list
    scores: list[float]
    reasons: list[Reason]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def purchase_matrix(data: cg.TrainingData, event_types: Sequence[str]) -> sp.csr_matrix:
    """``(users, items)`` True where the user bought the item before ``data.as_of`` (an event of
    ``event_types``, the training target): what lists leave out and evaluation excludes."""
    ev = data.events
    if "event_type" in ev.columns:
        ev = ev[ev["event_type"].isin(list(event_types))]
    ones = np.ones(len(ev), dtype=bool)
    out = sp.csr_matrix((ones, (ev["user_idx"].to_numpy(), ev["item_idx"].to_numpy())),
                        shape=(data.n_users, data.n_items), dtype=bool)
    out.sum_duplicates()
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
    users: np.ndarray  # positions in ``data.im`` of the window's held-out half: no generator setting was
    # tuned on them and the re-ranker that scored them was fitted on the other half
    relevant: list  # per user: item positions first bought in the window
    bought: sp.csr_matrix  # (users of ``data.im``, items): bought before the window, never scored as a hit
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
    # "buy it again" timing measured on the training history (see services.train_recommendations):
    # category id -> (median days between repeat purchases, {product id: its median})
    repurchase_intervals: dict = field(default_factory=dict)

    def __getstate__(self):
        """The artifact: no validation window (large, only needed right after training) and no event
        history (personal data, and most of the size): what serving and the fill need of it is kept
        as the arrays of ``EVENT_SUMMARIES``."""
        state = self.__dict__.copy()
        state["validation"] = None
        if self.data.events is not None:
            state.update((name, getattr(self, name)) for name in EVENT_SUMMARIES)
            state["data"] = replace(self.data, events=None)
        return state

    def drop_events(self) -> None:
        """Forget the event history in this process too, keeping its summaries (see ``__getstate__``)."""
        if self.data.events is not None:
            for name in EVENT_SUMMARIES:
                getattr(self, name)
            self.data = replace(self.data, events=None)

    def __post_init__(self):
        self.item_stats = item_stats(self.data)
        self.user_stats = user_stats(self.data.events, self.data.n_users, self.data.as_of, self.item_stats["price"])
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

    # What the fill and serving need of the event history, computed from it on first use (or before the
    # model is pickled without it). Training builds many models and needs none of these for most.
    @cached_property
    def bought(self) -> sp.csr_matrix:
        """``(users, items)`` bool, purchases before ``as_of`` (see :func:`purchase_matrix`)."""
        return purchase_matrix(self.data, self.params.target_event_types)

    @cached_property
    def interaction_recency(self) -> sp.csr_matrix:
        """``(users, items)`` int8 interacted ever / within the trending window (``segments.interaction_recency``)."""
        return interaction_recency(self.data, self.params.trending_window_days)

    @cached_property
    def first_items(self) -> np.ndarray:
        """``(users, FIRST_EVENTS)`` item positions of each customer's first events (``segments.first_items``)."""
        return first_items(self.data, FIRST_EVENTS)

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
        trending = self.generators.get("trending")
        share = None
        if trending is not None and getattr(trending, "item_category", None) is not None:
            share = trending.category_affinity(rows)
        pair = pair_features(block, self.item_stats.get("price"), user_feats, share)
        if trending is not None:
            item_feats = {**self.item_stats, "trend_ratio": trending.trend_ratio}
        else:
            item_feats = dict(self.item_stats)
        feats, names = candidate_features(block, item_features=item_feats, user_features=user_feats, pair_features=pair)
        return block, feats, names

    def _rank(self, block, feats, names: Sequence[str]) -> np.ndarray:
        if self.serving != "hybrid":
            return block.scores[self.serving]
        if self.ranker is not None:
            return self.ranker.predict(align_features(feats, names, self.ranker.feature_names))
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

    def _lists(self, rows, user_idx, user_feats, n, exclude_seen=True, exclude_mask=None,
               anchor_verb="bought") -> "RankedLists":
        """The top-``n`` of every row of the batch with reasons, as flat arrays (``RankedLists``)."""
        block, feats, feature_names = self._features(rows, user_idx, user_feats, exclude_mask, exclude_seen, n)
        scores = self._rank(block, feats, feature_names)
        order = np.lexsort((-scores, block.rows))
        starts = np.searchsorted(block.rows[order], np.arange(rows.shape[0] + 1))
        diversify = self.params.mmr_lambda is not None and "als" in self.generators
        cap = self.params.category_cap is not None and self.item_categories is not None
        if not (diversify or cap):
            kept = order[(np.arange(len(order)) - starts[block.rows[order]]) < n]
        else:
            parts = []
            for r in range(rows.shape[0]):
                sel = order[starts[r]: starts[r + 1]]
                items, s = block.items[sel], scores[sel]
                if diversify:
                    items, _ = mmr_rerank(items, s, self.generators["als"].item_factors, n, self.params.mmr_lambda)
                else:
                    items, _ = cap_per_category(items, s, self.item_categories, n, self.params.category_cap)
                pair = dict(zip(block.items[sel].tolist(), sel.tolist()))
                parts.append(np.array([pair[i] for i in items[:n].tolist()], dtype=np.int64))
            kept = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        codes, anchors = self._explain(block, kept, rows)
        items = block.items[kept]
        return RankedLists(offsets=np.searchsorted(block.rows[kept], np.arange(rows.shape[0] + 1)),
                           item_ids=self.item_ids[items], scores=scores[kept].astype(np.float64),
                           codes=codes, anchor_ids=np.where(anchors >= 0, self.item_ids[np.maximum(anchors, 0)], None),
                           texts=self._reason_texts(codes, anchors, items, anchor_verb))

    def _explain(self, block, pairs: np.ndarray, rows: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
        """Reason code (index into ``REASON_CODES``) and anchor item position (``-1``: none) of each pair.

        An item is explained by the first of the generators that scored it (best rank first,
        ``reasons.explaining_generators``) that can: trending and popular always; an item-to-item generator by
        the customer's history item contributing most to the item (itself, else item kNN or EASE), a
        bought-together anchor as "bought together", a content anchor as "similar description", any
        other as "similar to"; ALS and the item-to-item generators without an anchor as "for you".
        Vectorised over all pairs: one pass per rank slot, one anchor lookup per source generator."""
        names, explain_order, explain_count = explaining_generators(block)
        explain_order, explain_count = explain_order[pairs], explain_count[pairs]
        code = np.full(len(pairs), -1, dtype=np.int64)
        anchor = np.full(len(pairs), -1, dtype=np.int64)
        found_anchors: dict[str, np.ndarray] = {}
        pair_rows, pair_items = block.rows[pairs], block.items[pairs]

        def anchors_of(src: str, which: np.ndarray) -> np.ndarray:
            if src not in found_anchors:
                found_anchors[src] = np.full(len(pairs), -2, dtype=np.int64)  # -2: not looked up yet
            known = found_anchors[src]
            todo = which[known[which] == -2]
            if len(todo):
                known[todo] = best_anchors(self.generators[src], rows, pair_rows[todo], pair_items[todo])
            return known[which]

        for slot in range(explain_order.shape[1]):
            open_ = np.flatnonzero((code < 0) & (explain_count > slot))
            if not len(open_):
                break
            by = explain_order[open_, slot]
            for g in np.unique(by):
                name = names[g]
                which = open_[by == g]
                if name in ("trending", "popular"):
                    code[which] = REASON_CODES.index("popular_now" if name == "trending" else "popular")
                    continue
                own = isinstance(self.generators[name], cg.ItemItemGenerator)
                sources = ([name] if own else []) + [x for x in ("item_knn", "ease") if x in self.generators and x != name]
                for src in sources:
                    which = which[code[which] < 0]
                    found = anchors_of(src, which)
                    hit = which[found >= 0]
                    anchor[hit] = found[found >= 0]
                    kind = {"bought_together": "bought_together", "content": "similar_description"}.get(name, "similar_to")
                    code[hit] = REASON_CODES.index(kind if src == name else "similar_to")
                if name in ("als", "ease", "item_knn", "co_visitation", "content"):
                    which = which[code[which] < 0]
                    code[which] = REASON_CODES.index("for_you")
        code[code < 0] = REASON_CODES.index("popular")
        return code, anchor

    def _reason_texts(self, codes: np.ndarray, anchors: np.ndarray, items: np.ndarray, verb: str) -> list[str]:
        """The text of each reason; built once per distinct (code, anchor or item)."""
        subject = np.where(anchors >= 0, anchors, items)
        keys = codes * len(self.item_ids) + subject
        unique, inverse = np.unique(keys, return_inverse=True)
        texts = []
        for key in unique.tolist():
            code, position = divmod(key, len(self.item_ids))
            kind = REASON_CODES[code]
            if kind == "popular_now":
                cat = self.item_categories[position] if self.item_categories is not None else ""
                texts.append(f"Popular now in {cat}" if cat else "Popular now")
            elif kind in ("popular", "for_you"):
                texts.append("Popular with customers" if kind == "popular" else "Recommended for you")
            else:
                label = self.item_names[position]
                texts.append({"bought_together": f"Bought together with {label}",
                              "similar_description": f"Similar to {label}"}.get(kind, f"Similar to {label} you {verb}"))
        return [texts[k] for k in inverse.tolist()]

    # -- public API -------------------------------------------------------------------------------
    def recommend(self, user_ids: Sequence[Hashable], n: int = 10, exclude_bought: bool = True,
                  exclude_items: Iterable[Hashable] = (),
                  exclude_by_user: Sequence[Iterable[Hashable]] | None = None) -> list[Recommendation]:
        """Top-``n`` for each customer id (unknown customers get trending / popular items).

        Returns one :class:`Recommendation` ``(item_ids, scores, reasons)`` per id, in order. Excluded
        items are never candidates, so a list stays ``n`` long while the catalogue has enough others:
        ``exclude_items`` for everyone (not for sale, hidden), and per customer either
        ``exclude_by_user[k]`` (the ``k``-th id's: the fill passes what the shop says they bought,
        outside repeat-purchase categories) or, without it and with ``exclude_bought``, what the model
        saw them buy before ``as_of``. Items a customer only viewed, carted or wish-listed stay
        candidates (the validation window is scored the same way, see ``training``)."""
        out: list[Recommendation] = []
        for lists in self.ranked_lists(user_ids, n, exclude_bought=exclude_bought, exclude_items=exclude_items,
                                       exclude_by_user=exclude_by_user):
            for r in range(len(lists.offsets) - 1):
                a, b = lists.offsets[r], lists.offsets[r + 1]
                out.append(Recommendation(
                    [_plain(i) for i in lists.item_ids[a:b]], lists.scores[a:b].tolist(),
                    [Reason(REASON_CODES[c], None if anchor is None else _plain(anchor), text) for c, anchor, text in
                     zip(lists.codes[a:b].tolist(), lists.anchor_ids[a:b], lists.texts[a:b])]))
        return out

    def ranked_lists(self, user_ids: Sequence[Hashable], n: int = 10, exclude_bought: bool = True,
                     exclude_items: Iterable[Hashable] = (),
                     exclude_by_user: Sequence[Iterable[Hashable]] | None = None) -> Iterator[RankedLists]:
        """:meth:`recommend` as flat arrays, one ``RankedLists`` per batch of ids in order (what the fill
        stores, without building an object per item)."""
        im = self.data.im
        idx = np.array([im.user_index.get(u, -1) for u in user_ids], dtype=np.int64)
        excl = self._exclude_mask(exclude_items)
        n_items = len(self.item_ids)
        step = self.params.rows_per_batch(n_items)
        for s in range(0, len(idx), step):
            b = idx[s : s + step]
            # unknown customers get an empty row (zeroed), i.e. the non-personal fallbacks
            rows = (sp.diags((b >= 0).astype(np.float32)) @ im.matrix[np.maximum(b, 0)]).tocsr()
            rows.eliminate_zeros()
            mask = np.zeros((len(b), n_items), dtype=bool) if excl is None else np.repeat(excl[None, :], len(b), 0)
            if exclude_by_user is not None:
                for r, items in enumerate(exclude_by_user[s : s + step]):
                    mask[r, [p for i in items if (p := im.item_index.get(i)) is not None]] = True
            elif exclude_bought:
                known = np.flatnonzero(b >= 0)
                mask[known] |= self.bought[b[known]].toarray()
            yield self._lists(rows, b, self._user_features_for(b), n, exclude_seen=False, exclude_mask=mask)

    def similar_items(self, item_id: Hashable, n: int = 10, generator: str | None = None,
                      exclude: np.ndarray | None = None) -> tuple[list, list[float]]:
        """Item-to-item neighbours for a product page. Default: item kNN, falling back to EASE, ALS
        and then text similarity (cold items have no interactions). ``exclude``: a boolean mask over
        item positions (:meth:`item_mask`) of items that are never neighbours (not for sale)."""
        pos = self.data.im.item_index.get(item_id)
        if pos is None:
            return [], []
        # the generator's top n + |excluded| holds its top n of the others: lists stay n long
        extra = int(exclude.sum()) if exclude is not None else 0
        order = [generator] if generator else ["item_knn", "ease", "als", "content"]
        for name in order:
            gen = self.generators.get(name)
            if gen is None:
                continue
            idx, sc = gen.similar_items(pos, n + extra)
            if extra:
                keep = ~exclude[idx]
                idx, sc = idx[keep][:n], sc[keep][:n]
            if len(idx):
                return [_plain(self.item_ids[i]) for i in idx], [float(v) for v in sc]
        return [], []

    def has_interactions(self, item_id: Hashable) -> bool:
        """Whether the item was interacted with before ``as_of`` (its neighbours come from behaviour)."""
        pos = self.data.im.item_index.get(item_id)
        return pos is not None and self.data.im.matrix[:, pos].nnz > 0

    def similar_to_texts(self, items: Sequence[tuple[Hashable, str]], n: int = 10) -> list[tuple[list, list[float]]]:
        """Text neighbours of products by their current text ``(item_id, text)``, also for products
        created after training: the content generator's stored vocabulary, no refit."""
        content = self.generators.get("content")
        if content is None or not items:
            return [([], []) for _ in items]
        exclude = [self.data.im.item_index.get(item_id) for item_id, _ in items]
        found = content.neighbours_of_texts([text for _, text in items], n, exclude=exclude)
        return [([_plain(self.item_ids[i]) for i in idx], [float(v) for v in scores]) for idx, scores in found]

    def bought_together(self, item_id: Hashable, n: int = 10,
                        exclude: np.ndarray | None = None) -> tuple[list, list[float]]:
        return self.similar_items(item_id, n, generator="bought_together", exclude=exclude)

    def item_mask(self, items: Iterable[Hashable]) -> np.ndarray:
        """Boolean mask over item positions, True for these ids (unknown ids are ignored)."""
        mask = self._exclude_mask(items)
        return np.zeros(len(self.item_ids), dtype=bool) if mask is None else mask

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


def _plain(value):
    """A numpy scalar id as the Python value (JSON and the ORM take those)."""
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------------------
# training
# ---------------------------------------------------------------------------
