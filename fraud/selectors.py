"""Reads of the fraud app: thresholds, rules, lists, labels, the review queue, rule previews.

The configuration read on every scoring (settings row, active rules, lists) is cached in the Django
cache and forgotten whenever a row changes (signals in ``apps.py``), so a score costs no query for it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable

from django.core.cache import cache
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Cast, Floor, Least
from django.utils import timezone

from electroshop.conf import electroshop_settings

from .models import CaseEvent, FraudLabel, FraudRule, FraudSettings, HeldReview, Level, ListEntry, RiskAssessment
from .rules import CompiledRule, conditions_hold

APP = "fraud"
KIND = "order_risk"
REVIEW_KIND = "review_authenticity"
SIGNUP_KIND = "signup_risk"
CONFIG_CACHE_SECONDS = 300
_CONFIG_KEY = "fraud:config"


@dataclass(frozen=True)
class FraudConfig:
    review_threshold: float
    block_threshold: float
    merchant_thresholds: bool  # the merchant set them (else the active model's capacity thresholds apply)
    label_delay_days: float
    review_hold_threshold: float
    signup_review_threshold: float
    rules: tuple[CompiledRule, ...]
    lists: dict  # {"allow"|"block": {kind: set(values)}}


def _load_config() -> FraudConfig:
    row = FraudSettings.objects.first()
    lists: dict[str, dict[str, set]] = {"allow": {}, "block": {}}
    for list_type, kind, value in ListEntry.objects.values_list("list_type", "kind", "value"):
        lists.setdefault(list_type, {}).setdefault(kind, set()).add(value)
    rules = tuple(
        CompiledRule(pk, name, action, priority, conditions)
        for pk, name, action, priority, conditions in FraudRule.objects.filter(is_active=True)
        .order_by("priority", "id").values_list("pk", "name", "action", "priority", "conditions")
    )
    return _config(row, rules, lists)


def _config(row: FraudSettings | None, rules: tuple, lists: dict) -> FraudConfig:
    defaults = electroshop_settings

    def pick(field: str, default):
        value = getattr(row, field, None) if row is not None else None
        return float(default if value is None else value)

    return FraudConfig(
        review_threshold=pick("review_threshold", defaults.FRAUD_REVIEW_THRESHOLD),
        block_threshold=pick("block_threshold", defaults.FRAUD_BLOCK_THRESHOLD),
        merchant_thresholds=row is not None and (row.review_threshold is not None or row.block_threshold is not None),
        label_delay_days=pick("label_delay_days", defaults.FRAUD_LABEL_DELAY_DAYS),
        review_hold_threshold=pick("review_hold_threshold", 70),
        signup_review_threshold=pick("signup_review_threshold", 60),
        rules=rules, lists=lists,
    )


def fraud_config() -> FraudConfig:
    """Thresholds, active rules and lists; cached (forgotten on every change)."""
    config = cache.get(_CONFIG_KEY)
    if config is None:
        config = _load_config()
        cache.set(_CONFIG_KEY, config, CONFIG_CACHE_SECONDS)
    return config


def forget_fraud_config() -> None:
    cache.delete(_CONFIG_KEY)


@dataclass(frozen=True)
class Thresholds:
    review: float
    block: float
    source: str  # "merchant" (fraud settings), "capacity" (the active model's), "default" (ELECTROSHOP)


def thresholds(config: FraudConfig, model_thresholds: dict | None) -> Thresholds:
    """The review and block thresholds in force: the merchant's when set; else those the active model
    derived from its score distribution and the review capacity (``FRAUD_REVIEW_SHARE``,
    ``FRAUD_BLOCK_SHARE``); else the settings' (rules-only points)."""
    if config.merchant_thresholds or not model_thresholds:
        return Thresholds(config.review_threshold, config.block_threshold,
                          "merchant" if config.merchant_thresholds else "default")
    return Thresholds(float(model_thresholds["review"]), float(model_thresholds["block"]), "capacity")


def active_thresholds() -> Thresholds:
    """The thresholds in force now (for the admin): from the active version's parameters."""
    from electroshop.mlops.models import ModelVersion

    parameters = (ModelVersion.objects.filter(app=APP, kind=KIND, status=ModelVersion.Status.ACTIVE)
                  .values_list("parameters", flat=True).first()) or {}
    return thresholds(fraud_config(), parameters.get("thresholds"))


def expected_daily_load() -> dict | None:
    """Orders a day expected in review and blocked at the thresholds in force, from the active
    version's training window (its orders a day and out-of-sample score distribution); None without one."""
    from electroshop.mlops.models import ModelVersion

    parameters = (ModelVersion.objects.filter(app=APP, kind=KIND, status=ModelVersion.Status.ACTIVE)
                  .values_list("parameters", flat=True).first()) or {}
    derived = parameters.get("thresholds")
    if not derived or "orders_per_day" not in derived:
        return None
    limits = thresholds(fraud_config(), derived)
    if limits.source != "capacity":
        return None  # the merchant's thresholds were not measured on the training window's scores
    per_day = float(derived["orders_per_day"])
    return {"orders_per_day": per_day, "review": per_day * derived["review_share"], "block": per_day * derived["block_share"],
            "review_pct": 100 * derived["review_share"], "block_pct": 100 * derived["block_share"]}


def level_for_score(score: float, limits: Thresholds) -> str:
    if score >= limits.block:
        return Level.BLOCK
    if score >= limits.review:
        return Level.REVIEW
    return Level.ALLOW


def fraud_known_at(*, order_ids: Iterable[int], until: datetime) -> dict[int, datetime]:
    """order id -> when a fraud label on it first became known, for those known by ``until`` (one query)."""
    ids = list(order_ids)
    if not ids:
        return {}
    out: dict[int, datetime] = {}
    rows = FraudLabel.objects.filter(order_id__in=ids, is_fraud=True, known_at__lte=until).values_list(
        "order_id", "known_at")
    for order_id, known_at in rows:
        if order_id not in out or known_at < out[order_id]:
            out[order_id] = known_at
    return out


def review_queue() -> QuerySet[RiskAssessment]:
    """Orders waiting for a decision, highest score first: each order's newest assessment, at
    ``review``, or at ``block`` with the order held (the merchant's block action)."""
    newer = RiskAssessment.objects.filter(order_id=OuterRef("order_id"), created_at__gt=OuterRef("created_at"))
    held = CaseEvent.objects.filter(assessment__order_id=OuterRef("order_id"), kind=CaseEvent.Kind.HOLD, data__taken=True)
    return (RiskAssessment.objects.filter(decision=RiskAssessment.Decision.PENDING)
            .filter(Q(level=Level.REVIEW) | Q(level=Level.BLOCK, order_id__isnull=False) & Exists(held))
            .exclude(Q(order_id__isnull=False) & Exists(newer))
            .order_by("-score", "created_at"))


def held_reviews() -> QuerySet[HeldReview]:
    """Reviews held as possibly fake, waiting for a moderator (their assessments; the review itself
    is the shop's, read through the adapter)."""
    return HeldReview.objects.filter(held=True, moderation="")


def score_distribution(*, days: int, bin_width: int = 5, now: datetime | None = None) -> list[int]:
    """How many orders scored in the last ``days`` fell in each score bin (0-5, 5-10, ... 95-100). One query."""
    return score_counts(since=(now or timezone.now()) - timedelta(days=days), bin_width=bin_width)


def score_counts(*, since: datetime, until: datetime | None = None, bin_width: int = 5) -> list[int]:
    """How many assessments made in ``[since, until)`` fell in each score bin (0-5, 5-10, ... 95-100). One query."""
    bins = 100 // bin_width
    counts = [0] * bins
    assessments = RiskAssessment.objects.filter(created_at__gte=since)
    if until is not None:
        assessments = assessments.filter(created_at__lt=until)
    rows = (assessments.order_by()
            .annotate(bin=Least(Cast(Floor(F("score") / bin_width), IntegerField()), bins - 1))
            .values_list("bin").annotate(n=Count("pk")).values_list("bin", "n"))
    for index, n in rows:
        counts[max(int(index), 0)] += n
    return counts


def _recent_assessments(*, days: int, now: datetime | None, limit: int, fields: tuple = ("features",)) -> list[tuple]:
    """The newest assessment of each order (and each checkout) scored in the last ``days`` (at most
    ``limit``, newest first): (pk, order id, order number, score, level, *fields)."""
    now = now or timezone.now()
    rows = RiskAssessment.objects.filter(created_at__gte=now - timedelta(days=days)).order_by("-created_at").values_list(
        "pk", "order_id", "order_number", "score", "level", *fields)[:limit]
    seen: set[int] = set()
    out = []
    for row in rows:
        if row[1] is not None:
            if row[1] in seen:
                continue
            seen.add(row[1])
        out.append(row)
    return out


def known_outcomes(order_ids: Iterable[int]) -> dict[int, bool]:
    """order id -> fraud (True) or genuine (False), by the latest label known now; unlabelled orders are absent."""
    ids = [pk for pk in order_ids if pk is not None]
    latest: dict[int, tuple[datetime, bool]] = {}
    for start in range(0, len(ids), 900):
        for order_id, is_fraud, known_at in FraudLabel.objects.filter(order_id__in=ids[start:start + 900]).values_list(
                "order_id", "is_fraud", "known_at"):
            if order_id not in latest or known_at >= latest[order_id][0]:
                latest[order_id] = (known_at, is_fraud)
    return {order_id: is_fraud for order_id, (_, is_fraud) in latest.items()}


@dataclass
class RulePreview:
    total: int
    matched: int
    by_current_level: dict
    examples: list  # [(assessment id, order number, score, level)]
    labelled: int = 0  # orders with a known outcome (a chargeback or a review decision)
    frauds: int = 0  # of which fraud
    matched_frauds: int = 0
    matched_labelled: int = 0
    approval_rate: float | None = None  # share of orders approved if this rule decided them

    @property
    def precision(self) -> float | None:
        return self.matched_frauds / self.matched_labelled if self.matched_labelled else None

    @property
    def recall(self) -> float | None:
        return self.matched_frauds / self.frauds if self.frauds else None


def preview_rule(*, conditions: list, action: str = Level.REVIEW, days: int = 30, now: datetime | None = None,
                 limit: int = 5000, examples: int = 20) -> RulePreview:
    """What these conditions would have matched among the orders scored in the last ``days`` (each
    order's newest assessment, the newest ``limit``), evaluated over each stored feature snapshot;
    with precision and recall against the outcomes known now, and the approval rate (the share of
    orders an allow rule matches, or a review or block rule lets through)."""
    rows = _recent_assessments(days=days, now=now, limit=limit)
    outcomes = known_outcomes(row[1] for row in rows)
    preview = RulePreview(total=len(rows), matched=0, by_current_level={}, examples=[])
    for pk, order_id, number, score, level, features in rows:
        outcome = outcomes.get(order_id)
        preview.labelled += outcome is not None
        preview.frauds += outcome is True
        if conditions_hold(conditions, features or {}):
            preview.matched += 1
            preview.by_current_level[level] = preview.by_current_level.get(level, 0) + 1
            preview.matched_labelled += outcome is not None
            preview.matched_frauds += outcome is True
            if len(preview.examples) < examples:
                preview.examples.append((pk, number, score, level))
    if preview.total:
        approved = preview.matched if action == Level.ALLOW else preview.total - preview.matched
        preview.approval_rate = approved / preview.total
    return preview


@dataclass
class ThresholdSimulation:
    review: float
    block: float
    orders: int
    reviewed: int
    blocked: int
    labelled_frauds: int
    frauds_passed: int  # known frauds scored below the review threshold
    fraud_amount_passed: float

    @property
    def fraud_pass_rate(self) -> float | None:
        return self.frauds_passed / self.labelled_frauds if self.labelled_frauds else None


def simulate_thresholds(*, review: float, block: float, days: int = 30, now: datetime | None = None,
                        limit: int = 50_000) -> ThresholdSimulation:
    """How many of the last ``days``' orders these thresholds would send to review and block, and how
    much known fraud (by count and amount) would pass, over each order's newest stored score."""
    rows = _recent_assessments(days=days, now=now, limit=limit, fields=("features__amount",))
    outcomes = known_outcomes(row[1] for row in rows)
    sim = ThresholdSimulation(review=review, block=block, orders=len(rows), reviewed=0, blocked=0,
                              labelled_frauds=0, frauds_passed=0, fraud_amount_passed=0.0)
    for _, order_id, _, score, _, amount in rows:
        sim.blocked += score >= block
        sim.reviewed += review <= score < block
        if outcomes.get(order_id) is True:
            sim.labelled_frauds += 1
            if score < review:
                sim.frauds_passed += 1
                sim.fraud_amount_passed += float(amount or 0.0)
    return sim


LINK_KINDS = {"email": "e-mail", "device_id": "device", "ip_address": "IP address", "card_fingerprint": "card",
              "shipping_address": "shipping address"}


@dataclass
class Case:
    assessment: RiskAssessment
    order: dict | None
    lines: list
    customer_orders: list  # the same customer's other orders: dicts with their latest score, level, outcome
    linked_orders: list  # other customers' or guests' orders sharing an e-mail, device, IP, card or address
    events: list


def case(assessment_id: int, *, history_days: int = 365, limit: int = 50) -> Case:
    """A reviewer's view of one assessment: the order and its lines, the customer's other orders, the
    orders linked to it by a shared identity (with what they share), and the case history."""
    from electroshop.seam import get_adapter

    assessment = RiskAssessment.objects.get(pk=assessment_id)
    adapter = get_adapter()
    order = adapter.order_for_risk(assessment.order_id) if assessment.order_id else None
    identities = {k: v for k, v in ((assessment.features or {}).get("identities") or {}).items()}
    source = order or {"customer_id": assessment.customer_id, "email": identities.get("email"),
                       "device_id": identities.get("device"), "ip_address": identities.get("ip"),
                       "card_fingerprint": identities.get("card_fingerprint")}
    t = assessment.order_created_at
    entities = {field: source.get(field) for field in LINK_KINDS}
    rows = adapter.orders_sharing_entities(customer_id=source.get("customer_id"), entities=entities,
                                           since=t - timedelta(days=history_days), until=timezone.now(),
                                           exclude_order_id=assessment.order_id)
    rows.sort(key=lambda r: r["created_at"], reverse=True)
    latest = {}
    for order_id, score, level in (RiskAssessment.objects.filter(order_id__in=[r["id"] for r in rows])
                                   .order_by("created_at").values_list("order_id", "score", "level")):
        latest[order_id] = (score, level)
    outcomes = known_outcomes(r["id"] for r in rows)
    customer_orders, linked = [], []
    for r in rows:
        r["score"], r["level"] = latest.get(r["id"], (None, ""))
        r["outcome"] = {True: "fraud", False: "genuine"}.get(outcomes.get(r["id"]), "")
        shared = [label for field, label in LINK_KINDS.items()
                  if entities.get(field) and r.get(field) and str(r[field]).lower() == str(entities[field]).lower()]
        r["shared"] = ", ".join(shared)
        if source.get("customer_id") is not None and r.get("customer_id") == source.get("customer_id"):
            customer_orders.append(r)
        elif shared:
            linked.append(r)
    return Case(assessment=assessment, order=order, lines=adapter.order_lines(assessment.order_id) if order else [],
                customer_orders=customer_orders[:limit], linked_orders=linked[:limit],
                events=list(assessment.events.all()))
