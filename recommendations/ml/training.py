"""Training (:func:`train_hybrid`), all before ``as_of`` - nothing at or after it is read:

1. Clean events and drop bot / outlier traffic (:mod:`.interactions`).
2. Carve a temporal validation window ``[as_of - validation_days, as_of)``: generators are fitted
   on the events before the window; the target of a user is the set of items they bought in the
   window for the first time (never bought before; they may have viewed or carted them). As in the
   fill, only earlier purchases are left out of the lists scored: viewed items stay candidates.
3. Pick each generator's hyperparameters (EASE's l2, ALS's factors / regularisation / alpha,
   kNN's K) by NDCG@10 on that window.
4. Pool every generator's top candidates for the window's users, describe each pair, and train
   the gradient-boosted re-ranker to put first-time purchases on top (with earlier windows when this one
   holds few first purchases; every positive pair and a share of the negatives, ``ranker_negative_fraction``). Each half of the window's users is held out once to measure the
   re-ranker (``validation_metrics``, cross-fitted), then it is refitted on all.
5. Refit the generators with the chosen settings on the whole history up to ``as_of``.

:mod:`.hybrid` holds the model this returns, which serves.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp

from . import candidates as cg
from .evaluation import ndcg_at_k, top_k_from_pairs
from .features import stock_at
from .hybrid import HybridModel, HybridParams, ValidationWindow, purchase_matrix
from .interactions import (
    build_interaction_matrix,
    clean_interactions,
    filter_bots,
    naive_utc,
)
from .ranker import CandidateRanker, ranker_size, training_rows

log = logging.getLogger(__name__)


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
    exclude: sp.spmatrix | None = None,
) -> "TuningResult":
    """Fit generator ``name`` with each setting of ``grid`` on ``data`` and keep the one with the
    best NDCG@k for ``user_rows`` (row positions in ``data.im``) against ``relevant`` (item
    positions, e.g. first purchases in a validation window). ``exclude``: ``(users of data.im,
    items)``, what is never ranked (training passes the earlier purchases); default every item the
    user interacted with.

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
            blocked = rows if exclude is None else exclude[rows_idx]
            vals.append(score_ndcg(gen.score(rows, rows_idx), blocked, relevant[s : s + batch_size], k) * len(rows_idx))
        results.append((params, float(np.sum(vals) / max(len(user_rows), 1))))
        log.info("tune %s %s -> ndcg@%d %.4f", name, params, k, results[-1][1])
        if results[-1][1] > best_score:
            best_model, best_score = gen, results[-1][1]
    best = max(results, key=lambda r: r[1])
    return TuningResult(best[0], best[1], results, best_model)


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
        vdata = _prepare(history, stock_at(products, events, when=val_start, read_at=as_of,
                                           purchase_types=params.target_event_types), val_start, params, item_ids)
        im_v = vdata.im
        val_users, val_relevant = _window_targets(events, params, vdata, as_of)
        bought_before = purchase_matrix(vdata, params.target_event_types)
        metrics["validation_users"] = float(len(val_users))
        timings["prepare_validation"] = time.perf_counter() - t0
        # The window's users in a fixed random order; the even positions are the tuning half (generator
        # settings are chosen on them), the odd ones the held-out half the activation gate compares the
        # hybrid with each generator alone on: no setting was chosen looking at them.
        order = np.random.default_rng(params.random_state).permutation(len(val_users))
        tuning_half = np.sort(order[0::2])
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
                    best, score, results, model = select_hyperparameters(
                        name, grid, vdata, val_users[tuning_half], [val_relevant[k] for k in tuning_half],
                        base=settings[name], exclude=bought_before)
                    settings[name] = best
                    tuned_models[name] = model
                    tuning[name] = results
                    metrics[f"validation_ndcg@10_{name}"] = score
                    timings[f"tune_{name}"] = time.perf_counter() - t1
        if params.use_ranker and len(val_users):
            t1 = time.perf_counter()
            vmodel = HybridModel(params=params, data=vdata, generators=fit_generators(vdata, settings, tuned_models),
                                 generator_settings=settings)
            if params.max_ranker_users is not None:
                order = order[: params.max_ranker_users]  # keeps each position's half
            users = val_users[order]
            relevant = [set(val_relevant[k]) for k in order]
            X, y, groups, items, names = _ranker_examples(vmodel, users, relevant)
            metrics["ranker_pairs"] = float(len(y))
            metrics["ranker_candidate_recall"] = float(y.sum() / max(sum(len(r) for r in relevant), 1))
            earlier = _earlier_ranker_examples(events, products, params, item_ids, settings, before=val_start,
                                               positives=int(y.sum()), stock_read_at=as_of)
            metrics["ranker_windows"] = float(1 + len(earlier))
            metrics["ranker_positives"] = float(y.sum() + sum(e[1].sum() for e in earlier))
            size = ranker_size(int(metrics["ranker_positives"]))
            # honest estimate, cross-fitted: a probe fitted on the even users of the window (and the earlier
            # windows, which lie before it) scores the odd ones and vice versa, so every user of the window is
            # held out once (measuring on one half only doubled the variance of the comparison with the generators)
            even = groups % 2 == 0
            sample = training_rows(y, groups, params.ranker_negative_fraction, params.random_state)
            metrics["ranker_fitted_pairs"] = float(sample.sum() + sum(len(e[1]) for e in earlier))
            try:
                probe_scores = np.empty(len(y), dtype=np.float32)
                for fit_on in (even, ~even):
                    fit_rows = fit_on & sample
                    probe = CandidateRanker(random_state=params.random_state, **{**size, **params.ranker}).fit(
                        *_stack([(X[fit_rows], y[fit_rows], groups[fit_rows])] + earlier), names)
                    probe_scores[~fit_on] = probe.predict(X[~fit_on])
                metrics["validation_ndcg@10_hybrid_heldout"] = _block_ndcg(probe_scores, groups, y,
                                                                           [relevant[g] for g in np.unique(groups)])
                top = top_k_from_pairs(groups, items, probe_scores, len(users), 20)  # every user, pooled or not
                held_out = np.arange(len(users)) % 2 == 1  # odd positions: the half no setting was tuned on
                validation = ValidationWindow(data=vdata, generators=vmodel.generators, users=users[held_out],
                                              relevant=[sorted(relevant[k]) for k in np.flatnonzero(held_out)],
                                              bought=bought_before, hybrid_top=top[held_out])
                ranker = CandidateRanker(random_state=params.random_state, **{**size, **params.ranker}).fit(
                    *_stack([(X[sample], y[sample], groups[sample])] + earlier), names)
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
    ``data.im``, known before the window) and, per user, those items (known before the window too).
    "For the first time": not bought before the window; an item viewed or carted before counts."""
    im = data.im
    window = events[(events["timestamp"] >= data.as_of) & (events["timestamp"] < end)
                    & events["event_type"].isin(list(params.target_event_types))]
    window = window[window["customer_id"].isin(im.user_index)]
    pairs = window[["customer_id", "product_id"]].drop_duplicates()
    if pairs.empty:
        return np.array([], dtype=np.int64), []
    urow = pairs["customer_id"].map(im.user_index).to_numpy()
    icol = pairs["product_id"].map(im.item_index).to_numpy()
    bought = np.asarray(purchase_matrix(data, params.target_event_types)[urow, icol]).ravel()
    item_seen_before = np.asarray((im.matrix > 0).sum(axis=0)).ravel() > 0
    keep = ~bought & item_seen_before[icol]
    rel = pd.Series(icol[keep]).groupby(urow[keep]).agg(list)
    return rel.index.to_numpy(), list(rel.to_numpy())


def _ranker_examples(model: HybridModel, users: np.ndarray, relevant: list[set]):
    """The re-ranker's training pairs for ``users`` (positions in ``model.data.im``): features of every
    pooled candidate (earlier purchases left out, as in the fill), label = the item is in the user's
    ``relevant`` set, group = index into ``users``.

    Returns ``(features, labels, groups, items, feature_names)``."""
    feats_all, labels_all, groups_all, items_all, names = [], [], [], [], []
    step = model.params.rows_per_batch(len(model.item_ids))
    for s in range(0, len(users), step):
        b = users[s : s + step]
        block, feats, names = model._features(model.data.im.matrix[b], b, model._user_features_for(b),
                                              model.bought[b].toarray(), exclude_seen=False)
        labels = np.fromiter((block.items[k] in relevant[s + block.rows[k]] for k in range(len(block.rows))),
                             dtype=bool, count=len(block.rows))
        feats_all.append(feats)
        labels_all.append(labels)
        groups_all.append(block.rows + s)
        items_all.append(block.items)
    return (np.vstack(feats_all), np.concatenate(labels_all), np.concatenate(groups_all),
            np.concatenate(items_all), names)


def _earlier_ranker_examples(events: pd.DataFrame, products, params: HybridParams, item_ids, settings: Mapping[str, dict],
                             *, before: pd.Timestamp, positives: int,
                             stock_read_at: pd.Timestamp) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """More training pairs for the re-ranker from the windows before the validation window, newest first,
    until it has ``params.ranker_min_positives`` positive pairs or ``params.max_ranker_windows`` windows.

    A small shop's one window holds few first purchases (the medium demo shop: ~750 pooled positives
    against ~10,000 on Online Retail), too few for the booster. Each earlier window is built like the
    validation window: generators (with the tuned settings) fitted on the history before it, labels from
    it. Everything lies before the validation window, so the held-out estimate stays honest. Groups are
    offset so that no two windows share one. Only the pairs the re-ranker is fitted on are kept
    (``ranker.training_rows``). Returns ``[(features, labels, groups), ...]``."""
    out = []
    end = before
    while positives < params.ranker_min_positives and len(out) + 1 < params.max_ranker_windows:
        start = end - pd.Timedelta(days=params.validation_days)
        history = events[events["timestamp"] < start]
        if history.empty:
            break
        data = _prepare(history, stock_at(products, events, when=start, read_at=stock_read_at,
                                          purchase_types=params.target_event_types), start, params, item_ids)
        users, relevant = _window_targets(events, params, data, end)
        if len(users):
            model = HybridModel(params=params, data=data, generators=fit_generators(data, settings),
                                generator_settings=dict(settings))
            if params.max_ranker_users is not None:
                users, relevant = users[: params.max_ranker_users], relevant[: params.max_ranker_users]
            X, y, groups, _, _ = _ranker_examples(model, users, [set(r) for r in relevant])
            positives += int(y.sum())
            keep = training_rows(y, groups, params.ranker_negative_fraction, params.random_state + len(out) + 1)
            out.append((X[keep], y[keep], groups[keep] + (len(out) + 1) * _GROUP_OFFSET))
            del X
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
