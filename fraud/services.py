"""Writes of the fraud app: score orders, train the models (labels: ``labels.py``; sign-ups:
``signups.py``; reviews: ``reviews.py``).

Scoring an order (``score_order`` / ``score_checkout``) reads the order and the recent orders of its
entities through the shop seam (one query), the labels known by then (one query), computes the
features with ``fraud.features`` (fraud.ml's point-in-time code), scores them with the active model
(loaded once per process, cached by version id) or, without one, with the rules-only points table,
then applies the lists, the merchant's rules (first match wins) and the thresholds, and stores a
``RiskAssessment``. New orders are scored when the seam's ``order_placed`` signal fires, in
``transaction.on_commit`` (see ``apps.py``): the shop needs no code change, and an order that is
rolled back is never scored.
"""
from __future__ import annotations

import logging
import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timedelta, timezone as dt_timezone
from typing import Any, Mapping

import numpy as np
import pandas as pd
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.metrics import count_fraud_decision
from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.selectors import active_version_id
from electroshop.seam import get_adapter

from fraud.ml.features import FeatureConfig

from . import selectors
from .budget import BudgetExceeded, reads_within
from .features import (
    ENTITY_COLS,
    KNOWN_COL,
    describe,
    feature_config,
    model_feature_names,
    order_attributes,
    order_features_frame,
    order_features_online,
)
from .models import FraudLabel, Level, ReviewAssessment, RiskAssessment
from .rules import first_matching_rule, heuristic_score, identities_of, list_hits

logger = logging.getLogger("electroshop.fraud")

MIN_FRAUD_LABELS = 5  # fewer confirmed frauds (or genuine orders) than this: isolation forest only
# With enough labels the supervised model scores alone: on the handbook data blending in the
# isolation forest lowers average precision (0.730 -> 0.717, benchmarks/fraud_quality.py).
MIN_MODERATED_REVIEWS = 10  # per class, to train the review-authenticity model


# --- the model in this process -----------------------------------------------------------------------

_loaded: dict[int, Any] = {}


def model_for_version(version_id: int) -> dict:
    """The trained bundle of a version, loaded once per process from its checksummed artifact."""
    if version_id not in _loaded:
        version = ModelVersion.objects.get(pk=version_id)
        _keep_loaded(version_id, registry.load_artifact(version=version))
    return _loaded[version_id]


def load_active_model() -> int | None:
    """Load the active order-risk model into this process (and pack its trees) unless it already is.

    Returns its version id; None without an active version or when its artifact cannot be read
    (scoring then uses the rules only, and logs why, as it would at the first score).
    """
    version_id = active_version_id(app=selectors.APP, kind=selectors.KIND)
    if version_id is None:
        return None
    try:
        bundle = model_for_version(version_id)
    except Exception as exc:
        logger.warning("fraud model version %s could not be loaded (%s): scoring uses the rules only", version_id, exc)
        return None
    for component, _ in _components(bundle["model"]):
        component.packed()
    from .signups import load_active_signup_model

    load_active_signup_model()
    return version_id


_loading: set[int] = set()
_loading_lock = threading.Lock()


def _load_in_background(version_id: int) -> None:
    """Load (and pack) a version in a thread of this process, once: a web process that did not train
    the newly activated version serves it from its next order on, without keeping one waiting."""
    with _loading_lock:
        if version_id in _loading or version_id in _loaded:
            return
        _loading.add(version_id)

    def load() -> None:
        from django.db import connection

        try:
            for component, _ in _components(model_for_version(version_id)["model"]):
                component.packed()
        except Exception:
            logger.exception("loading fraud model version %s in the background failed", version_id)
        finally:
            _loading.discard(version_id)
            connection.close()  # this thread's own connection

    threading.Thread(target=load, name=f"fraud-model-{version_id}", daemon=True).start()


def forget_loaded_models() -> None:
    _loaded.clear()


def _keep_loaded(version_id: int, bundle: dict) -> None:
    if len(_loaded) >= 4:
        _loaded.clear()
    _loaded[version_id] = bundle


def _components(model) -> list[tuple[Any, float]]:
    if hasattr(model, "models") and hasattr(model, "weights"):
        return [(model.models[k], w) for k, w in model.weights.items()]
    return [(model, 1.0)]


ENTITY_PREFIXES = ("customer_", "email_", "device_id_", "ip_address_", "card_fingerprint_", "shipping_address_")
TIME_FEATURES = ("hour", "is_night", "is_weekend")


def _group_of(name: str) -> str:
    for prefix in ENTITY_PREFIXES:
        if name.startswith(prefix):
            return prefix[:-1]
    if name in ("amount", "log_amount"):
        return "amount"
    return "time" if name in TIME_FEATURES else name


MIN_REASON_WEIGHT = 1e-6  # probability (0.0001 score points): smaller contributions are rounding noise


@lru_cache(maxsize=16)  # one layout per model's feature list, asked on every score
def _feature_groups(names: tuple[str, ...]) -> dict[str, np.ndarray]:
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        groups.setdefault(_group_of(name), []).append(i)
    return {group: np.array(idx) for group, idx in groups.items()}


def _component_contributions(component, row: np.ndarray, groups: dict[str, np.ndarray]
                             ) -> tuple[float, np.ndarray, np.ndarray]:
    """(probability, per-feature and per-group contributions in probability points) of one row.

    Both models score one row in one pass over their packed trees (``score_one``) and credit each
    split to its feature (fraud.ml.models.PackedForest); a group's contribution is the sum of its
    members'.
    """
    probability, single = component.score_one(row)
    return probability, single, np.array([single[idx].sum() for idx in groups.values()])


def score_with_model(model, features: Mapping[str, float], *, top_k: int = 3) -> tuple[float, list[dict]]:
    """(probability 0..1, reasons) of one feature row, from each component model of ``model``.

    Reasons say why the score is on its side of a typical order's: above it, the features that
    raised it most (positive weights); below it, the ones that lowered it most (negative weights),
    in score points to three significant digits (a low-risk order's score, and so its weights, is a
    fraction of a point). Features of one entity are also weighed together (device velocity and
    device risk often say the same thing, so neither alone moves the score much); each reason names
    its group's most telling feature.
    """
    total = 0.0
    single: dict[str, float] = {}
    grouped: dict[str, float] = {}
    members: dict[str, list[str]] = {}
    for component, weight in _components(model):
        names = component.feature_names_
        groups = _feature_groups(tuple(names))
        for group, idx in groups.items():
            mine = [names[i] for i in idx]
            have = members.get(group)
            members[group] = mine if have is None else have + [n for n in mine if n not in have]
        row = np.array([float(features.get(n, 0.0)) for n in names])
        probability, by_feature, by_group = _component_contributions(component, row, groups)
        total += weight * probability
        for name, w in zip(names, by_feature.tolist()):
            single[name] = single.get(name, 0.0) + weight * w
        for group, w in zip(groups, by_group.tolist()):
            grouped[group] = grouped.get(group, 0.0) + weight * w
    side = 1.0 if sum(grouped.values()) >= 0 else -1.0  # the score minus a typical order's
    ranked = sorted(grouped.items(), key=lambda kv: -side * kv[1])
    reasons = []
    for group, w in [(g, w) for g, w in ranked if side * w > MIN_REASON_WEIGHT][:top_k]:
        # The member that moves the score most alone (the way its group does); failing that, the one
        # furthest from typical.
        name = max(members[group], key=lambda n: (round(side * single.get(n, 0.0), 9),
                                                  "nb_fraud" in n or "risk" in n, abs(float(features.get(n, 0.0)))))
        reasons.append({"code": name.upper(), "message": describe(name, features.get(name, 0.0)),
                        "weight": float(f"{w * 100:.3g}")})
    return total, reasons


# --- scoring orders --------------------------------------------------------------------------------

def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value, dt_timezone.utc) if timezone.is_naive(value) else value


def json_safe(value: Any) -> Any:
    if type(value) is float:  # the common case, first
        return value if math.isfinite(value) else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (np.floating, np.integer)):
        return json_safe(value.item())
    return value


def _history(order: Mapping[str, Any], *, order_id: int | None, lookback_seconds: int) -> list[dict]:
    t = order["created_at"]
    entities = {col: order.get(col) for col in ENTITY_COLS}
    rows = get_adapter().orders_sharing_entities(
        customer_id=order.get("customer_id"), entities=entities, since=t - timedelta(seconds=lookback_seconds),
        until=t, exclude_order_id=order_id,
    )
    # Orders at the same instant count only if they came first (lower id), as in the batch path.
    rows = [r for r in rows if r["created_at"] < t or (order_id is not None and r["id"] < order_id)]
    known = selectors.fraud_known_at(order_ids=[r["id"] for r in rows], until=t)
    for r in rows:
        r[KNOWN_COL] = known.get(r["id"])
    return rows


def _feature_config_of(bundle: dict) -> FeatureConfig:
    """The features a model was trained on (a model saved before its bundle kept them: the 30-day
    profile and the delay it was trained with)."""
    return bundle.get("feature_config") or feature_config(label_delay_days=float(bundle["label_delay_days"]),
                                                          profile_days=30, label_lookback_days=0)


@dataclass
class Scored:
    score: float
    level: str
    reasons: list
    rules_matched: list
    model_version_id: int | None
    model_score: float | None
    features: dict
    probability: float | None = None  # the model's unrounded probability (backtest metrics)


MODEL_TIMEOUT = {"code": "MODEL_TIMEOUT", "weight": 0.0,
                 "message": "model timeout: the score's time budget ran out, so the rules alone scored this order"}


def evaluate_order(order: Mapping[str, Any], *, order_id: int | None, deadline: float | None = None) -> Scored:
    """Score one order (a dict of its fields) as of its creation time. Reads, never writes.

    ``deadline`` (``time.perf_counter()`` seconds): past it, the rules alone score the order, with
    the reason ``MODEL_TIMEOUT`` (a model not loaded in this process yet counts as past it: loading
    one takes seconds); the history read is cut off at it (``fraud.budget``).
    """
    config = selectors.fraud_config()
    version_id = active_version_id(app=selectors.APP, kind=selectors.KIND)
    bundle = None
    timed_out = False
    if version_id is not None and deadline is not None and version_id not in _loaded:
        _load_in_background(version_id)  # for the next order: loading takes seconds, past any budget
        version_id, timed_out = None, True
    if version_id is not None:
        try:
            bundle = model_for_version(version_id)
        except Exception:  # a missing or corrupt artifact degrades to rules-only, never a 500
            logger.exception("fraud model version %s could not be loaded; scoring with rules only", version_id)
            version_id = None
    # Features as the model was trained (delay, profile, label lookback), so serving matches training.
    fconfig = _feature_config_of(bundle) if bundle else feature_config(label_delay_days=config.label_delay_days)
    try:
        with reads_within(deadline):
            history = _history(order, order_id=order_id, lookback_seconds=fconfig.lookback_seconds)
    except BudgetExceeded:
        history, timed_out = [], True
    features = order_features_online(order, history, config=fconfig, order_row_id=order_id or "new")
    _, attributes = order_attributes(order)
    if deadline is not None and time.perf_counter() >= deadline:
        timed_out = True
    if timed_out:
        scored = assess(features, attributes, identities_of(order), model=None, version_id=None, config=config)
        scored.reasons = [MODEL_TIMEOUT] + scored.reasons
        return scored
    return assess(features, attributes, identities_of(order), model=bundle["model"] if bundle else None,
                  version_id=version_id, config=config, model_thresholds=bundle.get("thresholds") if bundle else None)


def assess(features: Mapping[str, float], attributes: Mapping[str, Any], identities: Mapping[str, Any], *,
           model: Any | None, version_id: int | None, config: selectors.FraudConfig,
           model_thresholds: dict | None = None) -> Scored:
    """The decision for one order's features: the model's score and reasons (rules-only points
    without a model), then block list, allow list, the merchant's rules (first match wins) and the
    thresholds. No database access: checkout scoring and the backtest replay both call this."""
    model_score = None
    if model is not None:
        probability, reasons = score_with_model(model, features)
        score = model_score = 100.0 * probability  # stored unrounded; answers round it to 2 decimals
        if not reasons:  # nothing the model saw explains it: say which rule-of-thumb signals fired
            reasons = [{"code": s.code, "message": s.message, "weight": 0.0} for s in heuristic_score(features)[1]] or [
                {"code": "NO_RISK_SIGNAL", "message": "no feature raises the risk above what is typical", "weight": 0.0}]
    else:
        score, signals = heuristic_score(features)
        reasons = [{"code": s.code, "message": s.message, "weight": float(s.points)} for s in signals] or [
            {"code": "NO_RISK_SIGNAL", "message": "no rule-of-thumb signal fired (rules only: no model is active)",
             "weight": 0.0}]

    values = {**features, **attributes, "model_score": model_score, "score": score}
    blocked = list_hits(config.lists, identities, "block")
    allowed = list_hits(config.lists, identities, "allow")
    rules_matched: list[dict] = []
    if blocked:
        level = Level.BLOCK
        rules_matched = blocked
        reasons = [{"code": f"BLOCK_LIST_{h['kind'].upper()}", "message": f"{h['kind'].replace('_', ' ')} "
                    f"{h['value']} is on the block list", "weight": 100.0} for h in blocked] + reasons
    elif allowed:
        level = Level.ALLOW
        rules_matched = allowed
        reasons = [{"code": f"ALLOW_LIST_{h['kind'].upper()}", "message": f"{h['kind'].replace('_', ' ')} "
                    f"{h['value']} is on the allow list", "weight": 0.0} for h in allowed] + reasons
    else:
        rule = first_matching_rule(config.rules, values)
        if rule is not None:
            level = rule.action
            rules_matched = [{"type": "rule", "id": rule.id, "name": rule.name, "action": rule.action}]
            reasons = [{"code": f"RULE_{rule.id}", "message": f"rule {rule.name!r} matched: {rule.action}",
                        "weight": 0.0}] + reasons
        else:
            level = selectors.level_for_score(score, selectors.thresholds(config, model_thresholds))
    snapshot = {k: json_safe(v) for k, v in values.items()}
    snapshot["identities"] = identities
    return Scored(score=float(score), level=str(level), reasons=reasons, rules_matched=rules_matched,
                  model_version_id=version_id, model_score=model_score, features=snapshot,
                  probability=probability if model is not None else None)


def _store(order: Mapping[str, Any], scored: Scored, *, order_id: int | None, source: str) -> RiskAssessment:
    assessment = RiskAssessment.objects.create(
        order_id=order_id, order_number=order.get("number") or "", customer_id=order.get("customer_id"),
        order_created_at=order["created_at"], score=scored.score, level=scored.level, reasons=scored.reasons,
        rules_matched=scored.rules_matched, model_version_id=scored.model_version_id, model_score=scored.model_score,
        features=scored.features, source=source,
    )
    count_fraud_decision(level=scored.level)
    return assessment


class OrderNotFound(LookupError):
    pass


def score_order(*, order_id: int, source: str = "order", budget_ms: float | None = None) -> RiskAssessment:
    """Score a saved order as of its creation time and store the assessment (within ``budget_ms``
    when given: see :func:`evaluate_order`)."""
    deadline = None if budget_ms is None else time.perf_counter() + budget_ms / 1000
    order = get_adapter().order_for_risk(order_id)
    if order is None:
        raise OrderNotFound(f"no order with id {order_id}")
    assessment = _store(order, evaluate_order(order, order_id=order_id, deadline=deadline), order_id=order_id,
                        source=source)
    if source in ("order", "task"):  # a new order: hold or cancel it by its level (fraud.actions)
        from .actions import act_on_level

        act_on_level(assessment)
    return assessment


def score_checkout(*, payload: Mapping[str, Any]) -> RiskAssessment:
    """Score a checkout not saved yet (validated payload fields of an Order)."""
    order = dict(payload)
    order["created_at"] = _aware(order.get("created_at") or timezone.now())
    if order.get("customer_id") is not None and "customer_created_at" not in order:
        order["customer_created_at"] = get_adapter().customer_created_at(int(order["customer_id"]))
    return _store(order, evaluate_order(order, order_id=None), order_id=None, source="payload")


def score_new_order(order_id: int) -> None:
    """The ``order_placed`` → ``on_commit`` hook: never delays the shop's request by more than the budget.

    ``FRAUD_SCORE_ON_CREATE = "queue"``: a Celery task scores it (with the broker down, it is scored
    here within the budget); ``"inline"`` (default): scored here within ``FRAUD_SCORE_BUDGET_MS``,
    past which the rules alone score it (reason ``MODEL_TIMEOUT``); ``"off"``: not scored (a shop that
    calls the score API itself). A failure is logged, never raised into the shop.
    """
    mode = electroshop_settings.FRAUD_SCORE_ON_CREATE
    if mode == "off":
        return
    try:
        if mode == "queue":
            from .tasks import score_order_task

            try:
                score_order_task.delay(order_id)
                return
            except Exception:
                logger.warning("could not queue the score of order %s; scoring it now within the budget", order_id)
        score_order(order_id=order_id, source="order", budget_ms=float(electroshop_settings.FRAUD_SCORE_BUDGET_MS))
    except Exception:
        logger.exception("scoring new order %s failed", order_id)


# --- training ----------------------------------------------------------------------------------------

def _labels_frame(*, since: datetime, until: datetime) -> pd.DataFrame:
    rows = FraudLabel.objects.filter(order_created_at__gte=since, order_created_at__lt=until,
                                     known_at__lte=until).values_list("order_id", "is_fraud", "known_at")
    frame = pd.DataFrame.from_records(list(rows), columns=["order_id", "is_fraud", "known_at"])
    frame["known_at"] = pd.to_datetime(frame["known_at"], utc=True)
    return frame.sort_values("known_at", kind="stable")


def training_frame(*, as_of: datetime, fconfig: FeatureConfig, train_days: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(features, orders with ``target``) of the orders of ``train_days`` before ``as_of``, point in time.

    ``target`` is the latest label known by ``as_of``, however late it came; an order older than the
    delay with no label is presumed genuine; a younger one is unknown (NaN) and not a supervised
    training row. Features count each fraud label from the moment it was known, as serving does.
    """
    since = as_of - timedelta(days=train_days, seconds=fconfig.lookback_seconds)
    orders = get_adapter().orders_risk_frame(since=since, until=as_of)
    labels = _labels_frame(since=since, until=as_of)
    latest = labels.drop_duplicates("order_id", keep="last").set_index("order_id")["is_fraud"].astype(float)
    frauds = labels[labels["is_fraud"].astype(bool)]
    orders[KNOWN_COL] = orders["id"].map(frauds.groupby("order_id")["known_at"].min())
    target = orders["id"].map(latest).astype(float)
    old_enough = orders["created_at"] <= pd.Timestamp(as_of) - pd.Timedelta(days=fconfig.label_delay_days)
    orders["target"] = target.where(target.notna(), np.where(old_enough, 0.0, np.nan))
    features = order_features_frame(orders, config=fconfig)
    keep = (orders["created_at"] >= pd.Timestamp(as_of) - pd.Timedelta(days=train_days)).to_numpy()
    return features[keep], orders[keep]


def _fit_models(X: pd.DataFrame, y: pd.Series, *, trees: int):
    """The order-risk model: the supervised random forest with enough labels, else the isolation
    forest on label-free features (amounts and how unusual they are for the customer)."""
    from fraud.ml.models import AnomalyFraudModel, ScoreCombiner, SupervisedFraudModel

    labelled = y.notna().to_numpy()
    n_fraud = int((y[labelled] == 1).sum())
    n_genuine = int((y[labelled] == 0).sum())
    if n_fraud >= MIN_FRAUD_LABELS and n_genuine >= MIN_FRAUD_LABELS:
        supervised = SupervisedFraudModel(n_estimators=trees, n_jobs=1).fit(X[labelled], y[labelled].astype(int))
        return ScoreCombiner({"supervised": supervised}, {"supervised": 1.0}), "supervised", n_fraud, n_genuine
    anomaly = AnomalyFraudModel(n_estimators=trees).fit(X)
    return ScoreCombiner({"anomaly": anomaly}, {"anomaly": 1.0}), "isolation_forest", n_fraud, n_genuine


MIN_RECENT_FOR_THRESHOLDS = 500


def out_of_sample_scores(model, X: pd.DataFrame, y: pd.Series) -> np.ndarray:
    """Scores (0-100) of training-window orders by a model that never saw their labels.

    The orders too recent to be labelled (not training rows), scored by the final model as serving
    will score the next ones, when there are at least ``MIN_RECENT_FOR_THRESHOLDS``; else every row,
    the labelled ones by the supervised forest's calibrated out-of-bag votes (noisier: the votes of
    a third of the trees). The isolation forest, trained without labels, scores every row.
    """
    scores = 100 * model.predict_proba(X)
    component = getattr(model, "models", {}).get("supervised")
    if component is None or len(model.models) != 1:
        return scores
    labelled = y.notna().to_numpy()
    if (~labelled).sum() >= MIN_RECENT_FOR_THRESHOLDS:
        return scores[~labelled]
    oob = component.forest_.oob_decision_function_[:, 1]
    known = ~np.isnan(oob)
    scores[np.flatnonzero(labelled)[known]] = 100 * component._calibrate(oob[known])
    return scores


def capacity_thresholds(scores: np.ndarray, *, review_share: float, block_share: float) -> dict:
    """The lowest block threshold that blocks at most ``block_share`` of the orders, then the lowest
    review threshold that sends at most ``review_share`` of them to review (ties at a threshold all go
    the same way), with the shares they give on ``scores``."""
    values = np.sort(np.asarray(scores, float))
    n = len(values)

    def lowest_with_at_most(sorted_values: np.ndarray, allowed: int, ceiling: float) -> float:
        m = len(sorted_values)
        if allowed <= 0 or m == 0:
            return ceiling
        if allowed >= m:
            return float(sorted_values[0])
        candidate = sorted_values[m - allowed]
        if sorted_values[m - allowed - 1] == candidate:  # a tie would let more through
            above = sorted_values[sorted_values > candidate]
            return float(above[0]) if len(above) else ceiling
        return float(candidate)

    top = float(np.nextafter(max(100.0, values[-1] if n else 100.0), np.inf))  # above every score: none
    block = lowest_with_at_most(values, int(np.floor(block_share * n)), top)
    review = lowest_with_at_most(values[values < block], int(np.floor(review_share * n)), block)
    return {"review": review, "block": block,
            "review_share": float(np.mean((values >= review) & (values < block))) if n else 0.0,
            "block_share": float(np.mean(values >= block)) if n else 0.0, "orders": n}


def _holdout_metrics(X: pd.DataFrame, y: pd.Series, times: pd.Series, *, trees: int) -> dict:
    """AUC ROC and AP of a model trained on the older 75% of labelled rows, tested on the newest 25%."""
    from sklearn.metrics import average_precision_score, roc_auc_score

    labelled = y.notna().to_numpy()
    Xl, yl, tl = X[labelled], y[labelled], times[labelled]
    if len(Xl) < 40:
        return {}
    cut = tl.quantile(0.75)
    train, test = (tl <= cut).to_numpy(), (tl > cut).to_numpy()
    if yl[test].nunique() < 2:
        return {}
    model, _, _, _ = _fit_models(Xl[train], yl[train], trees=trees)
    scores = model.predict_proba(Xl[test])
    return {"holdout_auc_roc": float(roc_auc_score(yl[test], scores)),
            "holdout_average_precision": float(average_precision_score(yl[test], scores)),
            "holdout_rows": int(test.sum()), "holdout_frauds": int(yl[test].sum())}


def train_fraud(*, run_id: int, as_of: datetime | None, sync: bool) -> None:
    """The body of ``retrain fraud``: train the order-risk model (and the review model when there
    are enough moderated reviews), register, store and activate new versions."""
    as_of = _aware(as_of or timezone.now())
    delay = selectors.fraud_config().label_delay_days
    fconfig = feature_config(label_delay_days=delay)
    train_days, trees = float(electroshop_settings.FRAUD_TRAIN_DAYS), int(electroshop_settings.FRAUD_TREES)
    registry.report_progress(run_id=run_id, progress=0.05, stage="reading orders and labels")
    started = time.perf_counter()
    X, orders = training_frame(as_of=as_of, fconfig=fconfig, train_days=train_days)
    if X.empty:
        raise ValueError("no orders before the as-of day: nothing to learn from (import orders first)")
    y = orders["target"]
    registry.append_run_log(run_id=run_id, line=f"{len(X):,} orders, {int((y == 1).sum())} confirmed frauds, "
                                                f"{int(y.isna().sum())} too recent to be labelled (delay {delay:g} days)")
    registry.report_progress(run_id=run_id, progress=0.3, stage="evaluating on a time holdout")
    metrics = _holdout_metrics(X, y, orders["created_at"], trees=trees)
    registry.report_progress(run_id=run_id, progress=0.6, stage="training")
    model, kind_of_model, n_fraud, n_genuine = _fit_models(X, y, trees=trees)
    limits = capacity_thresholds(out_of_sample_scores(model, X, y), review_share=electroshop_settings.FRAUD_REVIEW_SHARE,
                                 block_share=electroshop_settings.FRAUD_BLOCK_SHARE)
    days = max((orders["created_at"].max() - orders["created_at"].min()).total_seconds() / 86_400, 1.0)
    limits["orders_per_day"] = round(len(X) / days, 1)
    train_seconds = time.perf_counter() - started
    metrics.update({"rows": int(len(X)), "frauds": n_fraud, "genuine": n_genuine, "model": kind_of_model})
    version = registry.register_model_version(
        app=selectors.APP, kind=selectors.KIND, as_of=as_of, run_id=run_id,
        parameters={"label_delay_days": delay, "train_days": train_days, "trees": trees, "model": kind_of_model,
                    "profile_days": fconfig.profile_days, "label_lookback_days": fconfig.label_lookback_days,
                    "thresholds": limits},
        data_start=orders["created_at"].min().to_pydatetime(), data_end=orders["created_at"].max().to_pydatetime(),
    )
    bundle = {"model": model, "label_delay_days": delay, "feature_config": fconfig, "thresholds": limits,
              "feature_names": list(model_feature_names(fconfig))}
    registry.save_artifact(version_id=version.pk, obj=bundle)
    _keep_loaded(version.pk, bundle)  # activation loads it into this process: no need to read it back
    registry.mark_version_ready(version_id=version.pk, metrics=metrics, train_seconds=train_seconds)
    registry.activate_model_version(version_id=version.pk)
    registry.append_run_log(run_id=run_id, line=f"activated {version.label} ({kind_of_model}) {metrics}")
    registry.report_progress(run_id=run_id, progress=0.8, stage="sign-up model")
    from .signups import train_signup_model

    train_signup_model(run_id=run_id, as_of=as_of, delay_days=delay)
    registry.report_progress(run_id=run_id, progress=0.85, stage="review-authenticity model")
    _train_review_model(run_id=run_id, as_of=as_of)
    registry.finish_training_run(run_id=run_id, model_version=version)


def _train_review_model(*, run_id: int, as_of: datetime) -> ModelVersion | None:
    from fraud.ml.reviews import ReviewAuthenticityModel

    decided = dict(ReviewAssessment.objects.filter(moderation__in=["approved", "rejected"]).values_list(
        "review_id", "moderation"))
    texts = get_adapter().review_texts(decided)
    ids = [pk for pk in decided if pk in texts]
    y = np.array([1 if decided[pk] == "rejected" else 0 for pk in ids])
    if min(int(y.sum()), int(len(y) - y.sum())) < MIN_MODERATED_REVIEWS:
        registry.append_run_log(run_id=run_id, line=f"review model: {len(y)} moderated reviews, need "
                                                    f"{MIN_MODERATED_REVIEWS} of each kind; not trained")
        return None
    model = ReviewAuthenticityModel().fit([texts[pk] for pk in ids], y)
    version = registry.register_model_version(app=selectors.APP, kind=selectors.REVIEW_KIND, as_of=as_of,
                                              parameters={"rows": len(y)})
    registry.save_artifact(version_id=version.pk, obj=model)
    registry.mark_version_ready(version_id=version.pk, metrics={"rows": len(y), "fake": int(y.sum())})
    return registry.activate_model_version(version_id=version.pk)
