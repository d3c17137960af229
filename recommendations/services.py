"""Writes of the recommendations app: train, evaluate, fill the cached tables, activate; real time.

The pipeline (``train_recommendations``) is what ``retrain recommendations`` and the nightly task
run: read interactions through the shop seam, train the hybrid (``ml/``), store the artifact,
fan the fill of every cached table out in chunks that any number of workers share (``tables.py``),
then the finaliser, once every chunk is done, compares the new version with the active one and
activates it unless it regresses beyond the merchant's tolerance; under a canary rollout policy a
version that passes starts a canary rollout instead (``experiments/rollout.py``) and becomes active
only if it stays healthy while serving a growing share of subjects; while a rollout runs, it waits
for that one to end.
"""
import logging
import time
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.mlops import fanout
from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.mlops.selectors import active_version
from electroshop.seam import get_adapter
from experiments.policy import rollout_policy
from experiments.rollout import RolloutBusy, start_rollout

from . import tables
from .ml.hybrid import HybridModel, HybridParams
from .ml.training import train_hybrid
from .models import RecommendationSettings
from .selectors import APP, KIND

logger = logging.getLogger("electroshop.recommendations")


def recommendation_settings() -> RecommendationSettings:
    """The merchant's tuning row, created from the ELECTROSHOP defaults on first use."""
    row = RecommendationSettings.objects.first()
    if row is None:
        row = RecommendationSettings.objects.create(
            event_weights=electroshop_settings.RECOMMENDATIONS_EVENT_WEIGHTS,
            half_life_days=electroshop_settings.RECOMMENDATIONS_HALF_LIFE_DAYS,
            max_per_category=electroshop_settings.RECOMMENDATIONS_MAX_PER_CATEGORY,
            regression_tolerance=electroshop_settings.RECOMMENDATIONS_REGRESSION_TOLERANCE,
        )
    return row


# --- the model in this process -------------------------------------------------------------------

_loaded: dict[int, HybridModel] = {}


def model_for_version(version_id: int) -> HybridModel:
    """The trained model of a version, loaded once per process from its checksummed artifact."""
    if version_id not in _loaded:
        version = ModelVersion.objects.get(pk=version_id)
        _loaded.clear()  # keep one model in memory per worker
        _loaded[version_id] = registry.load_artifact(version=version)
    return _loaded[version_id]


# --- training --------------------------------------------------------------------------------------

def _interactions_until(as_of: datetime) -> pd.DataFrame:
    frame = get_adapter().interactions_frame(until=as_of)
    frame = frame.rename(columns={"occurred_at": "timestamp"})
    frame = frame[frame["customer_id"].notna()].copy()
    frame["customer_id"] = frame["customer_id"].astype(np.int64)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_localize(None)
    return frame


def product_frame_for_training(product_ids: list[int] | None = None) -> pd.DataFrame:
    """The catalogue (or these products) as the hybrid reads it: product_id, name, description,
    category (path), brand, price, attributes, and on_hand (units in stock now; NaN for a product
    whose stock the shop does not manage), the re-ranker's stock feature."""
    adapter = get_adapter()
    products = adapter.products_frame(product_ids).rename(columns={"id": "product_id"})
    stock = adapter.stock_levels(product_ids)
    products["on_hand"] = products["product_id"].map({pid: level.on_hand for pid, level in stock.items()}).astype(float)
    if "category_path" in products.columns:
        products["category"] = products["category_path"]
    if "brand_name" in products.columns:
        products["brand"] = products["brand_name"]
    products["price"] = products["price"].astype(float)
    return products


def training_params(settings_row: RecommendationSettings) -> HybridParams:
    """The hybrid's parameters in production: the merchant's settings row and ``ELECTROSHOP``."""
    return HybridParams(
        event_weights=settings_row.event_weights, half_life_days=settings_row.half_life_days,
        trending_window_days=float(electroshop_settings.RECOMMENDATIONS_TRENDING_DAYS),
    )


def train_recommendations(*, run_id: int, as_of: datetime | None, sync: bool) -> None:
    """Train a new version and fan out its cache fill (the body of ``retrain recommendations``)."""
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        as_of = timezone.make_aware(as_of, dt_timezone.utc)
    settings_row = recommendation_settings()
    registry.report_progress(run_id=run_id, progress=0.02, stage="reading interactions")
    started = time.perf_counter()
    interactions = _interactions_until(as_of)
    products = product_frame_for_training()
    if interactions.empty:
        raise ValueError("no interactions before the as-of day: nothing to learn from (import orders or events first)")
    registry.append_run_log(
        run_id=run_id,
        line=f"read {len(interactions):,} interactions of {interactions['customer_id'].nunique():,} customers, "
             f"{len(products):,} products",
    )
    params = training_params(settings_row)
    registry.report_progress(run_id=run_id, progress=0.08, stage="training (tuning on a validation window)")
    model = train_hybrid(interactions, products, as_of=as_of.replace(tzinfo=None), params=params)
    train_seconds = time.perf_counter() - started
    metrics = evaluation_metrics(model)
    model.serving = metrics["serving"]["strategy"]  # before the artifact is saved: every worker's fill serves it
    purchases = interactions.loc[interactions["event_type"] == "purchase", ["customer_id", "product_id", "timestamp"]]
    model.repurchase_intervals = tables.repurchase_intervals(purchases, model.item_ids)
    report = getattr(model.data.im, "filter_report", {}) or {}
    if report:
        registry.append_run_log(run_id=run_id, line="interaction filter: " + ", ".join(f"{k}={v}" for k, v in report.items()))
    version = registry.register_model_version(
        app=APP, kind=KIND, as_of=as_of, run_id=run_id,
        data_start=interactions["timestamp"].min().to_pydatetime().replace(tzinfo=dt_timezone.utc),
        data_end=interactions["timestamp"].max().to_pydatetime().replace(tzinfo=dt_timezone.utc),
        parameters={"generators": {k: _jsonable(v) for k, v in model.generator_settings.items()},
                    "event_weights": settings_row.event_weights, "half_life_days": settings_row.half_life_days,
                    "ranker": model.ranker is not None},
    )
    registry.save_artifact(version_id=version.pk, obj=model)
    del interactions
    model.drop_events()  # as the artifact: this process fills from the same model the workers load
    _loaded.clear()
    _loaded[version.pk] = model
    # Stays "training" until its caches are filled; the finaliser marks it ready.
    ModelVersion.objects.filter(pk=version.pk).update(metrics=metrics, train_seconds=train_seconds)
    registry.append_run_log(run_id=run_id, line=f"trained v{version.version} in {train_seconds:.1f}s")
    registry.append_run_log(run_id=run_id, line=metrics["serving"]["message"])
    registry.report_progress(run_id=run_id, progress=0.5, stage="filling caches")

    TrainingRun.objects.filter(pk=run_id).update(model_version=version)
    dispatch_fill(run_id=run_id, model=model, sync=sync)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


EVALUATED_BASELINES = {"most_popular": "popular", "item_knn": "item_knn", "als": "als", "ease": "ease"}


def evaluation_metrics(model: HybridModel) -> dict[str, Any]:
    """What the version is judged on: validation-window metrics of the hybrid and the baselines.

    ``metrics["evaluation"]`` = ``{method: {precision@10, recall@10, recall@20, map@10, ndcg@10,
    hit_rate@10, coverage@10, diversity@10, novelty@10, users}}`` for the hybrid and its own
    generators alone (most popular, item kNN, ALS, EASE when trained), all measured on the same
    users of the validation window inside the training history (first purchases in
    ``[as_of - validation_days, as_of)``, fitted on what came before; as in the fill, only the purchases
    before the window are never ranked, viewed items are). The generators are the ones
    training already fitted on that window, so this costs one scoring pass, no refit. Only the window's
    held-out half counts: its users were not used to tune any generator's settings, and the hybrid
    row scores them with a re-ranker fitted on the other half.
    ``metrics["serving"]`` is the activation gate's decision (:func:`serving_decision`).
    """
    metrics: dict[str, Any] = {str(k): _jsonable(v) for k, v in model.validation_metrics.items()}
    window = getattr(model, "validation", None)
    if window is None or not len(window.users):
        metrics["evaluation"] = {}
        metrics["evaluation_window"] = {"users": 0, "note": "no validation window (too little history)"}
        metrics["serving"] = serving_decision({})
        return metrics
    from .ml.evaluation import EVALUATION_METRICS, evaluate_top_k, top_k_items

    started = time.perf_counter()
    data = window.data
    matrix = data.im.matrix
    bought = (matrix > 0).astype(np.float32)
    context = {
        "n_items": data.n_items,
        "item_users": np.asarray(bought.sum(axis=0)).ravel(),
        "n_users": data.n_users,
        "item_vectors": bought.T.tocsr(),  # items as their buyers: cosine = co-purchase similarity
    }
    lists: dict[str, np.ndarray] = {}
    if window.hybrid_top is not None:
        lists["hybrid"] = window.hybrid_top
    step = max(1, min(2000, 20_000_000 // max(data.n_items, 1)))
    for method, name in EVALUATED_BASELINES.items():
        generator = window.generators.get(name)
        if generator is None:
            continue
        parts = []
        for s in range(0, len(window.users), step):
            users = window.users[s: s + step]
            rows = matrix[users]
            parts.append(top_k_items(generator.score(rows, users), window.bought[users], 20))
        lists[method] = np.vstack(parts)
    metrics["evaluation"] = {
        method: {key: round(float(value), 6) for key, value in
                 evaluate_top_k(top, window.relevant, ks=(10, 20), **context).items()
                 if key in EVALUATION_METRICS or key == "users"}
        for method, top in lists.items()
    }
    metrics["evaluation_window"] = {
        "users": int(len(window.users)), "days": int(model.params.validation_days),
        "start": str(model.as_of - pd.Timedelta(days=model.params.validation_days)), "end": str(model.as_of),
        "seconds": round(time.perf_counter() - started, 2),
    }
    metrics["serving"] = serving_decision(metrics["evaluation"])
    metrics[SERVED_METRIC] = metrics["serving"].get("ndcg@10")
    model.validation = None  # release the window's matrices and generators before the fill
    return metrics


GENERATOR_LABELS = {"popular": "most popular", "item_knn": "item kNN", "als": "ALS", "ease": "EASE"}
SERVED_METRIC = "validation_ndcg@10_served"


def serving_decision(evaluation: dict[str, dict]) -> dict[str, Any]:
    """The activation gate: which lists a version serves.

    The hybrid's, unless one of its generators alone scored a higher NDCG@10 on the same held-out
    customers of the validation window: then the fill stores that generator's lists (so every read,
    cached or live, serves them without knowing). ``{"strategy": "hybrid" | generator name, "method",
    "ndcg@10", "message"}``; the message is what the admin shows.
    """
    hybrid = (evaluation.get("hybrid") or {}).get("ndcg@10")
    baselines = {method: values["ndcg@10"] for method, values in evaluation.items()
                 if method in EVALUATED_BASELINES and "ndcg@10" in values}
    if hybrid is None or not baselines:
        return {"strategy": "hybrid", "method": "hybrid", "ndcg@10": hybrid,
                "message": "Serving the hybrid: no held-out window to compare it with its generators"}
    best = max(baselines, key=baselines.get)
    label = GENERATOR_LABELS[EVALUATED_BASELINES[best]]
    if baselines[best] > hybrid:
        return {"strategy": EVALUATED_BASELINES[best], "method": best, "ndcg@10": baselines[best],
                "message": f"Serving {label}: the hybrid scored below it on the held-out window "
                           f"(NDCG@10 {hybrid:.4f} vs {baselines[best]:.4f})"}
    return {"strategy": "hybrid", "method": "hybrid", "ndcg@10": hybrid,
            "message": f"Serving the hybrid: it scored above every single generator on the held-out window "
                       f"(NDCG@10 {hybrid:.4f}, best single: {label} {baselines[best]:.4f})"}


def fill_chunk(*, run_id: int, kind: str, payload: Any) -> int:
    """One chunk of the run's fill (``tables.fill_chunks``); idempotent, returns the rows written."""
    version_id = TrainingRun.objects.values_list("model_version_id", flat=True).get(pk=run_id)
    return tables.fill_chunk(model=model_for_version(version_id), version_id=version_id, kind=kind, payload=payload)


def dispatch_fill(*, run_id: int, model: HybridModel, sync: bool) -> None:
    """Fan the fill of the run's version out in chunks (any worker takes them); the finaliser runs once
    every chunk has counted itself."""
    chunks = tables.fill_chunks(model)

    def progress(done: int, total: int) -> None:
        registry.report_progress(run_id=run_id, progress=0.5 + 0.4 * done / total, stage=f"filled {done}/{total} chunks")

    from . import tasks

    fanout.dispatch_chunks(run_id=run_id, chunk_task=tasks.fill_chunk_task,
                           finalize_task=tasks.finalize_recommendations_task, payloads=chunks, sync=sync,
                           on_chunk_done=progress)


def finalize_recommendations(*, run_id: int) -> ModelVersion:
    """After every chunk of the fill: mark the version ready, compare it with the active one, then activate
    it, or under a canary policy (and with an active version to compare with) start its canary rollout.
    While a rollout of the app runs, a version that passes the gate waits, ready: when that rollout
    ends, the newest waiting version rolls out (``experiments.rollout.start_next_rollout``, which reads
    the gate's verdict from ``metrics["activation"]["passed_gate"]``)."""
    started = time.perf_counter()
    run = TrainingRun.objects.select_related("model_version").get(pk=run_id)
    version = run.model_version
    fill_seconds = (timezone.now() - run.started_at).total_seconds() - (version.train_seconds or 0) \
        if run.started_at else time.perf_counter() - started
    version = registry.mark_version_ready(version_id=version.pk, fill_seconds=max(fill_seconds, 0.0))
    decision = activation_decision(candidate=version)
    if decision["activate"] and decision["active_version"] is not None and rollout_policy(app=APP).canary:
        # Past the offline gate, under a canary policy: serve a share of subjects first (experiments/rollout.py).
        try:
            rollout = start_rollout(candidate=version)
        except RolloutBusy as busy:
            running = busy.running
            decision = {**decision, "activate": False, "waiting_for_rollout": running.pk,
                        "message": f"v{version.version} waits for the running canary rollout of "
                                   f"v{running.candidate_number}: when it ends, the newest version waiting rolls "
                                   f"out: {decision['reason']}"}
        else:
            decision = {**decision, "activate": False, "rollout_id": rollout.pk,
                        "message": f"canary rollout of v{version.version} started at {rollout.share:.0%} of "
                                   f"subjects (v{rollout.control_number} serves the rest): {decision['reason']}"}
    registry.append_run_log(run_id=run_id, line=decision["message"])
    version.metrics = {**version.metrics, "activation": decision}
    version.save(update_fields=["metrics"])
    if decision["activate"]:
        registry.activate_model_version(version_id=version.pk)
    registry.finish_training_run(run_id=run_id, model_version=version)
    registry.prune_model_versions(app=APP, kind=KIND)
    return version


def activation_decision(*, candidate: ModelVersion) -> dict[str, Any]:
    """Activate unless the served lists' validation NDCG@10 drops more than the tolerance below the
    active version's (the hybrid's held-out figure for versions from before the gate).
    ``active_version``: the number of the version compared with (None: none is active)."""
    tolerance = recommendation_settings().regression_tolerance
    current = active_version(app=APP, kind=KIND)
    metric = SERVED_METRIC
    new = _served_ndcg(candidate.metrics)
    if current is None or current.pk == candidate.pk:
        return _decision(True, candidate, None, "no active version to compare with")
    old = _served_ndcg(current.metrics)
    if new is None or old is None:
        return _decision(True, candidate, current, f"{metric} missing on one side")
    floor = old * (1 - tolerance)
    if new >= floor:
        return _decision(True, candidate, current, f"{metric} {new:.4f} vs active v{current.version} {old:.4f} "
                                                   f"(tolerance {tolerance:.0%})")
    return _decision(False, candidate, current, f"v{candidate.version} {metric} {new:.4f} < {floor:.4f} = active "
                                                f"{old:.4f} - {tolerance:.0%}")


def _decision(activate: bool, candidate: ModelVersion, current: ModelVersion | None, reason: str) -> dict[str, Any]:
    """``activate``: activated at once; ``passed_gate``: the gate's verdict, which stays when a canary
    policy holds the activation back."""
    verb = f"activated v{candidate.version}" if activate else f"kept v{current.version} active"
    return {"activate": activate, "passed_gate": activate, "active_version": current.version if current else None,
            "reason": reason, "message": f"{verb}: {reason}"}


def _served_ndcg(metrics: dict[str, Any]) -> float | None:
    served = metrics.get(SERVED_METRIC)
    return served if served is not None else metrics.get("validation_ndcg@10_hybrid_heldout")
