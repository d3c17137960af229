"""Reads: what the API, template tags and admin show. No computation beyond filtering a cached list.

A read takes the active version (cached pointer), one cached row (Django cache, else one query),
and keeps the products that may be shown now (active, in stock, not hidden, not already bought, in
the requested category: ``reads.recommendable_products`` (electroshop.seam), whose cards and purchases are reused
under the shop's stamps, else read with a query each). Stock and purchases change after a fill,
which is why business rules are applied again here. With no active model, or nothing cached for a subject, it
falls back and says so in ``source``. The customer read fetches the pointer, the merchandising
rules, a live list, the stamps, the negative feedback (``feedback.py``), the running experiments, the
rendered answer and the cached row in one cache round trip
(``customer_read_keys``; with the caller's token, see ``PrefetchedCacheMixin``). The rendered answer
is served again while nothing it depends on changed (``answers.CachedAnswer``): then no query at all.
A running experiment or canary rollout picks the subject's variant from that same round trip
(``variants.serving_plan``); every list's ``recommendation_id`` names its placement, strategy, model
version and experiment variant (``experiments.bucketing``). A subject whose list another version
than the active one serves (a canary's candidate, a ``version:<n>`` variant) costs more: that
version's cached row and version number are not among the prefetched keys (they are known only once
the running set has come back), so each is one more cache round trip until the subject's rendered
answer is cached; no query once they are cached.
"""
import hashlib
import uuid
from urllib.parse import quote
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db import connections, models, router

from electroshop.cache import CacheBatch, cache_get, cache_set
from electroshop.conf import electroshop_settings
from electroshop.mlops.selectors import (
    active_version_id,
    active_version_key,
    last_seen_version_id,
    version_number,
    version_number_key,
)
from electroshop.seam import get_adapter, reads, stamps
from experiments.bucketing import new_list_id
from experiments.selectors import RUNNING_KEY, Assignment

from .feedback import apply_feedback, feedback_key
from .ml.ranker import mmr_rerank
from .models import (
    BoughtTogether,
    MerchandisingRule,
    ProductRecommendation,
    RecommendationSettings,
    RepeatPurchaseCategory,
    SimilarProducts,
    TrendingProducts,
)
from .segments import cold_start_segments, segments_key
from .variants import Plan, serving_plan

APP, KIND = "recommendations", "hybrid"
_MISSING = "__missing__"
RULES_CACHE_KEY = "recs:merchandising-rules"
# A version's rows never change once it is active (filled before activation, keyed by version id):
# they stay in the cache for an hour; memory, not correctness, bounds that.
ROWS_CACHE_SECONDS = 3600


@dataclass
class RecommendationList:
    # personalized | session | similar | bought_together | trending | fallback | popular | holdout
    source: str
    model_version: int | None  # the version number (not the row id), as every API answers
    items: list[dict[str, Any]] = field(default_factory=list)
    list_id: str = ""
    experiment: dict[str, Any] | None = None  # {"id", "variant", "exposure_id"} for a bucketed subject


def current_version_id(*, prefetched: CacheBatch | None = None) -> int | None:
    return active_version_id(app=APP, kind=KIND, prefetched=prefetched)


# --- cached rows -------------------------------------------------------------------------------------

def _rows_key(model: type[models.Model], version_id: int, **key: Any) -> str:
    return f"recs:{model._meta.model_name}:{version_id}:" + ":".join(
        f"{k}={quote(str(v), safe='')}" for k, v in sorted(key.items())
    )


def _cached_items(model: type[models.Model], version_id: int, *, prefetched: CacheBatch | None = None,
                  **key: Any) -> list | None:
    """The items of one cached row, through the Django cache. None when the row does not exist.

    ``prefetched``: a batch of cache reads that may hold the row's key. It takes the write of a shop-wide
    row (trending, product lists); a customer's row is written at once, as close as possible to its
    query: withdrawing consent deletes the row and this key (``live.forget_personal_lists``), and a
    write held until the end of a read that started before would put the row back.
    """
    cache_key = _rows_key(model, version_id, **key)
    items = cache_get(cache_key, prefetched)
    if items is None:
        items = _row_items(model, version_id, **key)
        personal = model is ProductRecommendation
        cache_set(cache_key, _MISSING if items is None else items, ROWS_CACHE_SECONDS, None if personal else prefetched)
    return None if items == _MISSING else items


_row_sql: dict[tuple, str] = {}


def _row_items(model: type[models.Model], version_id: int, **key: Any) -> list | None:
    """One row's items straight from its table: SQL written once per (table, key columns), since building
    and compiling the ORM query cost several times its execution on the hot read."""
    names = tuple(sorted(key))
    connection = connections[router.db_for_read(model)]
    meta = model._meta
    sql = _row_sql.get((model, names, connection.alias))
    if sql is None:
        quote = connection.ops.quote_name
        where = " AND ".join(f"{quote(meta.get_field(name).column)} = %s" for name in ("model_version", *names))
        sql = _row_sql[(model, names, connection.alias)] = (
            f"SELECT {quote(meta.get_field('items').column)} FROM {quote(meta.db_table)} WHERE {where}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(version_id), *(meta.get_field(name).get_db_prep_value(key[name], connection)
                                                for name in names)])
        row = cursor.fetchone()
    return None if row is None else meta.get_field("items").from_db_value(row[0], None, connection)


def live_key(subject: str) -> str:
    """Cache key of a real-time list (see live.update_live_recommendations)."""
    return f"recs:live:{subject}"


def customer_live_key(customer_id: int) -> str:
    return live_key(f"customer:{customer_id}")


def _live_items(key: str, version_id: int | None, *, prefetched: CacheBatch | None = None) -> list | None:
    live = cache_get(key, prefetched)
    if live and live.get("version") == version_id:
        return live["items"]
    return None


def merchandising_rules(*, prefetched: CacheBatch | None = None) -> dict[str, Any]:
    """What the merchant decided, as every read applies it: hidden ids, pins, product boosts, category
    boosts (expanded to every category of the boosted subtree), repeat-purchase categories, and the
    settings row's diversity (``max_per_category``, ``diversity_lambda``). Cached, dropped when a rule,
    a repeat-purchase category or the settings row is saved or deleted."""
    rules = cache_get(RULES_CACHE_KEY, prefetched)
    if rules is None:
        hidden, pins, boosts, category_boosts = [], [], {}, {}
        for product_id, action, boost, category_id in MerchandisingRule.objects.filter(is_active=True).values_list(
            "product_id", "action", "boost", "category_id"
        ):
            if product_id is None:  # a category boost
                if action == MerchandisingRule.Action.BOOST and category_id is not None:
                    for subcategory in reads.category_subtree_ids(category_id) or []:
                        category_boosts[subcategory] = category_boosts.get(subcategory, 1.0) * boost
            elif action == MerchandisingRule.Action.HIDE:
                hidden.append(product_id)
            elif action == MerchandisingRule.Action.PIN:
                pins.append([product_id, category_id])
            else:
                boosts[product_id] = boost
        repeat = list(RepeatPurchaseCategory.objects.values_list("category_id", flat=True))
        settings_row = RecommendationSettings.objects.values("max_per_category", "diversity_lambda").first()
        # the stamp tells cached answers built with earlier rules from ones built with these
        rules = {"hidden": hidden, "pins": pins, "boosts": boosts, "category_boosts": category_boosts,
                 "repeat_categories": repeat, **(settings_row or default_diversity()), "stamp": uuid.uuid4().hex}
        cache.set(RULES_CACHE_KEY, rules, electroshop_settings.SELECTOR_CACHE_SECONDS)
    return rules


def default_diversity() -> dict[str, Any]:
    """The diversity settings before the merchant saved any (the ELECTROSHOP default cap, no MMR)."""
    return {"max_per_category": electroshop_settings.RECOMMENDATIONS_MAX_PER_CATEGORY, "diversity_lambda": 0.0}


def forget_merchandising_rules() -> None:
    cache.delete(RULES_CACHE_KEY)


# --- assembly -----------------------------------------------------------------------------------------

# With a diversity trade-off, MMR re-orders this many times the list's length of the best showable
# candidates: enough room to move a category's third product down, few enough to stay near the top.
MMR_POOL_FACTOR = 2


def _assemble(
    *, candidates: list, source: str, version_id: int | None, limit: int, list_kind: str,
    customer_id: int | None = None, category_id: int | None = None, exclude_skus: tuple[str, ...] = (),
    exclude_ids: tuple[int, ...] = (), rules: dict[str, Any] | None = None, prefetched: CacheBatch | None = None,
    session_id: str = "", placement: str, experiment: Assignment | None = None,
) -> RecommendationList:
    """The list a reader sees: the candidates with this visitor's negative feedback applied
    (``feedback.py``), boosted, pinned, filtered to what may be shown, at most
    ``max_per_category`` per category (not in a list filtered to one category; pins are never capped),
    then, with a ``diversity_lambda`` above 0, re-ordered by :func:`diversify`."""
    candidates = apply_feedback(candidates, customer_id=customer_id, session_id=session_id, prefetched=prefetched)
    rules = rules if rules is not None else merchandising_rules()
    boosts = {int(k): v for k, v in rules["boosts"].items()}
    category_boosts = rules.get("category_boosts") or {}
    pinned = [pid for pid, pin_category in rules["pins"] if pin_category is None or pin_category == category_id]
    scored: dict[int, tuple[float, str]] = {}
    for product_id, score, reason in candidates:
        if product_id not in scored:
            scored[product_id] = (float(score) * boosts.get(product_id, 1.0), reason)
    category_ids = None
    if category_id is not None:
        category_ids = reads.category_subtree_ids(category_id) or [category_id]

    def cards_for(product_ids: list[int]) -> dict[int, dict]:
        return reads.recommendable_products(
            product_ids=product_ids, customer_id=customer_id, category_ids=category_ids, exclude_skus=exclude_skus,
            hidden_ids=rules["hidden"], repeat_category_ids=rules["repeat_categories"],
            reuse_seconds=electroshop_settings.RECOMMENDATIONS_RESPONSE_CACHE_SECONDS, prefetched=prefetched,
        )

    every_card = None
    if category_boosts:  # a category boost needs every candidate's category before ordering: one read
        every_card = cards_for(list(dict.fromkeys(pinned + list(scored))))
        for product_id, (score, reason) in scored.items():
            card = every_card.get(product_id)
            if card is not None:
                scored[product_id] = (score * category_boosts.get(card["category_id"], 1.0), reason)
    ranked = sorted(scored, key=lambda pid: -scored[pid][0])
    ranked = [pid for pid in pinned if pid not in exclude_ids] + [pid for pid in ranked if pid not in pinned]
    ranked = [pid for pid in ranked if pid not in exclude_ids]

    diversity = float(rules.get("diversity_lambda") or 0.0)
    wanted = limit * MMR_POOL_FACTOR if diversity > 0 else limit
    # Cards for twice what is wanted first (a cached list rarely loses many to stock or purchases since
    # the fill); only when that leaves the list short, the rest of the candidates.
    # With a category filter most candidates may be outside it: all of them at once.
    first = len(ranked) if category_ids is not None else max(wanted * 2, 20)
    cap = int(rules.get("max_per_category", default_diversity()["max_per_category"]) or 0) if category_id is None else 0
    shown: list[tuple[int, dict]] = []
    per_category: dict[int, int] = {}
    for window in (ranked[:first], ranked[first:]):
        if not window or len(shown) >= wanted:
            break
        cards = every_card if every_card is not None else cards_for(window)
        for product_id in window:
            card = cards.get(product_id)
            if card is None:
                continue
            if cap and card["category_id"] is not None:  # uncategorised products are not capped
                seen = per_category.get(card["category_id"], 0)
                if seen >= cap and product_id not in pinned:  # a pin takes a place, and is never dropped
                    continue
                per_category[card["category_id"]] = seen + 1
            shown.append((product_id, card))
            if len(shown) >= wanted:
                break
    if diversity > 0:
        shown = diversify(shown, scores={pid: scored.get(pid, (0.0, ""))[0] for pid, _ in shown},
                          pinned=set(pinned), diversity=diversity, limit=limit)
    number = version_number(version_id, prefetched=prefetched)
    list_id = _list_id(number, list_kind, placement, experiment)
    items: list[dict[str, Any]] = []
    for product_id, card in shown[:limit]:
        score, reason = scored.get(product_id, (0.0, "chosen by the shop"))
        if product_id in pinned:
            reason = "recommended by the shop"
        items.append({
            "product_id": product_id, "sku": card["sku"], "name": card["name"], "price": str(card["price"]),
            "currency": card["currency"], "score": round(score, 6), "reason": reason,
            "recommendation_id": f"{list_id}.{len(items) + 1}",
        })
    return RecommendationList(source=source, model_version=number, items=items, list_id=list_id,
                              experiment=_experiment_answer(experiment, list_id))


def _list_id(number: int | None, strategy: str, placement: str, experiment: Assignment | None) -> str:
    return new_list_id(model_version=number, strategy=strategy, placement=placement,
                       experiment_id=experiment.experiment_id if experiment else None,
                       variant_position=experiment.position if experiment else None, random_part=uuid.uuid4().hex[:8])


def _experiment_answer(experiment: Assignment | None, list_id: str) -> dict[str, Any] | None:
    """What a bucketed answer says of its experiment; ``exposure_id`` is the recommendation id a client
    sends with a list-level ``impression`` (no product) when it shows no item, as a holdout does, so the
    subject still counts in the results."""
    return None if experiment is None else {**experiment.as_answer(), "exposure_id": f"{list_id}.0"}


def diversify(shown: list[tuple[int, dict]], *, scores: dict[int, float], pinned: set[int], diversity: float,
              limit: int) -> list[tuple[int, dict]]:
    """Maximal marginal relevance over showable ``(product id, card)`` pairs in score order: pins stay on
    top, then each next product maximises ``(1 - diversity) * relevance - diversity * similarity``, where
    similarity is 1 to a product of the same category already above it and 0 otherwise (the card's
    category: no model or vectors are loaded in a request). ``diversity`` 0 keeps the score order."""
    top = [pair for pair in shown if pair[0] in pinned]
    rest = [pair for pair in shown if pair[0] not in pinned]
    if len(rest) < 2 or len(top) >= limit:
        return top + rest
    codes: dict[Any, int] = {}
    for _, card in top + rest:
        if card["category_id"] is not None:
            codes.setdefault(card["category_id"], len(codes))
    vectors = np.zeros((len(top) + len(rest), max(len(codes), 1)))  # one-hot categories; uncategorised: zeros
    for k, (_, card) in enumerate(top + rest):
        if card["category_id"] is not None:
            vectors[k, codes[card["category_id"]]] = 1.0
    order, _ = mmr_rerank(np.arange(len(rest)), np.array([scores[pid] for pid, _ in rest]), vectors[len(top):],
                          limit - len(top), lambda_=1.0 - diversity, selected=vectors[:len(top)])
    return top + [rest[k] for k in order]


def _trending_candidates(version_id: int | None, *, category_id: int | None, segments: tuple[str, ...] = (),
                         prefetched: CacheBatch | None = None) -> list:
    """The first cached trending list of: each of ``segments`` (whole-shop lists of a customer segment,
    see ``segments.py``; only without a category filter), the category's, the whole shop's; else the
    shop's best sellers. ``prefetched``: the read's cache batch (it takes the writes)."""
    if version_id is not None:
        keys = [{"category_id": 0, "segment": segment} for segment in segments if not category_id]
        keys += [{"category_id": category_id or 0, "segment": ""}, {"category_id": 0, "segment": ""}]
        for key in keys:
            items = _cached_items(TrendingProducts, version_id, prefetched=prefetched, **key)
            if items:
                return items
    return [[pid, score, "popular right now"] for pid, score in reads.popular_products(limit=200)]


# --- public reads -------------------------------------------------------------------------------------

def customer_read_keys(customer_id: int, *, limit: int, category_id: int | None = None,
                       exclude_skus: tuple[str, ...] = ()) -> list[str]:
    """The cache keys a customer's read needs: pointer, rules, live list, the shop's and the
    customer's stamps, the customer's bought products, their negative feedback, their cold-start
    segments, the running experiments and, for the version this process read last, the cached answer, the cached row and the
    version number. Read together, in one round trip."""
    keys = [active_version_key(app=APP, kind=KIND), RULES_CACHE_KEY, customer_live_key(customer_id),
            stamps.SHOP_STAMP_KEY, stamps.purchases_stamp_key(customer_id), reads.bought_products_key(customer_id),
            feedback_key(f"customer:{customer_id}"), segments_key(customer_id), RUNNING_KEY]
    guess = last_seen_version_id(app=APP, kind=KIND)
    if guess is not None:
        keys.append(_answer_key(guess, customer_id, limit, category_id, exclude_skus))
        keys.append(_rows_key(ProductRecommendation, guess, customer_id=customer_id))
        keys.append(version_number_key(guess))
    return keys


# --- the customer's rendered answer -------------------------------------------------------------------

def _answer_key(version_id: int, customer_id: int, limit: int, category_id: int | None,
                exclude_skus: tuple[str, ...]) -> str:
    exclude = hashlib.sha1("\x1f".join(exclude_skus).encode()).hexdigest()[:16] if exclude_skus else ""
    return f"recs:answer:{version_id}:{customer_id}:{limit}:{category_id or ''}:{exclude}"


def _variant_list(plan: Plan, *, placement: str, category_id: int | None = None, customer_id: int | None = None,
                  session_id: str = "", exclude_skus: tuple[str, ...] = (), exclude_ids: tuple[int, ...] = (),
                  segments: tuple[str, ...] = (), rules: dict[str, Any] | None = None,
                  prefetched: CacheBatch | None = None) -> RecommendationList | None:
    """The list of an experiment variant whose strategy is not a model's (``none``, ``trending``,
    ``popular``); None for the others, which read the plan's version as usual."""
    if plan.strategy == "none":
        number = version_number(plan.version_id, prefetched=prefetched)
        list_id = _list_id(number, "holdout", placement, plan.experiment)
        return RecommendationList(source="holdout", model_version=number, items=[], list_id=list_id,
                                  experiment=_experiment_answer(plan.experiment, list_id))
    if plan.strategy == "trending":
        candidates = _trending_candidates(plan.version_id, category_id=category_id, segments=segments,
                                          prefetched=prefetched)
    elif plan.strategy == "popular":
        candidates = [[pid, score, "popular right now"] for pid, score in reads.popular_products(limit=200)]
    else:
        return None
    return _assemble(candidates=candidates, source=plan.strategy, version_id=plan.version_id, limit=plan.limit,
                     list_kind=plan.strategy, customer_id=customer_id, category_id=category_id,
                     exclude_skus=exclude_skus, exclude_ids=exclude_ids, rules=rules, prefetched=prefetched,
                     session_id=session_id, placement=placement, experiment=plan.experiment)


def recommendations_for_customer(
    *, customer_id: int, limit: int, category_id: int | None = None, exclude_skus: tuple[str, ...] = (),
    prefetched: CacheBatch | None = None, placement: str = "customer",
) -> RecommendationList | None:
    """Personalised list for a customer; None when the customer does not exist. ``placement``: where it
    is shown ("customer"; "email" for exports), for attribution and experiments.

    Warm, this is one cache round trip (``customer_read_keys``; ``prefetched`` when the caller read
    them already) and one query (the product cards); a running experiment or canary adds no query. A
    subject served by a version other than the active one (a canary's candidate, a ``version:<n>``
    variant) adds two cache round trips, that version's row and its number (see the module docstring).
    """
    found = prefetched if prefetched is not None else CacheBatch(
        customer_read_keys(customer_id, limit=limit, category_id=category_id, exclude_skus=exclude_skus))
    plan = serving_plan(placement=placement, version_id=current_version_id(prefetched=found), limit=limit,
                        customer_id=customer_id, prefetched=found)
    version_id, limit = plan.version_id, plan.limit
    rules = merchandising_rules(prefetched=found)
    common = {"limit": limit, "customer_id": customer_id, "category_id": category_id, "exclude_skus": exclude_skus,
              "rules": rules, "prefetched": found, "placement": placement, "experiment": plan.experiment}
    if version_id is None:
        if not get_adapter().customer_exists(customer_id):
            return None
        return _variant_list(plan, placement=placement, category_id=category_id, customer_id=customer_id,
                             exclude_skus=exclude_skus, rules=rules, prefetched=found) or _assemble(
            candidates=_trending_candidates(None, category_id=category_id), source="fallback", version_id=None,
            list_kind="fallback", **common)
    items = None
    if plan.strategy in ("active", "version"):
        items = _live_items(customer_live_key(customer_id), version_id, prefetched=found)
        if items is None:
            items = _cached_items(ProductRecommendation, version_id, prefetched=found, customer_id=customer_id)
    if items:
        return _assemble(candidates=items, source="personalized", version_id=version_id, list_kind="personalized",
                         **common)
    # Cold start: a customer the model has not seen gets what is trending in their segments.
    segments = cold_start_segments(customer_id, prefetched=found)
    if segments is None:
        return None
    return _variant_list(plan, placement=placement, category_id=category_id, customer_id=customer_id,
                         exclude_skus=exclude_skus, segments=tuple(segments), rules=rules, prefetched=found) \
        or _assemble(candidates=_trending_candidates(version_id, category_id=category_id, segments=tuple(segments),
                                                     prefetched=found),
                     source="trending", version_id=version_id, list_kind="trending", **common)


def recommendations_for_session(
    *, session_id: str, limit: int, category_id: int | None = None, exclude_skus: tuple[str, ...] = (),
) -> RecommendationList:
    """An anonymous visitor's list: the session co-visitation neighbours of what this session viewed
    (``live.update_live_recommendations``), else trending; the session's negative feedback applies."""
    plan = serving_plan(placement="session", version_id=current_version_id(), limit=limit, session_id=session_id)
    version_id, limit = plan.version_id, plan.limit
    common = {"limit": limit, "category_id": category_id, "exclude_skus": exclude_skus, "session_id": session_id,
              "placement": "session", "experiment": plan.experiment}
    special = _variant_list(plan, placement="session", category_id=category_id, session_id=session_id,
                            exclude_skus=exclude_skus)
    if special is not None:
        return special
    items = _live_items(live_key(f"session:{session_id}"), version_id) if session_id else None
    if items:
        return _assemble(candidates=items, source="session", version_id=version_id, list_kind="session", **common)
    return _assemble(candidates=_trending_candidates(version_id, category_id=category_id),
                     source="trending" if version_id else "fallback", version_id=version_id, list_kind="trending",
                     **common)


def _product_list(model: type[models.Model], list_kind: str, *, product_id: int, limit: int,
                  customer_id: int | None = None, session_id: str = "") -> RecommendationList:
    plan = serving_plan(placement=list_kind, version_id=current_version_id(), limit=limit, customer_id=customer_id,
                        session_id=session_id)
    version_id = plan.version_id
    common = {"limit": plan.limit, "customer_id": customer_id, "session_id": session_id,
              "exclude_ids": (product_id,), "placement": list_kind, "experiment": plan.experiment}
    special = _variant_list(plan, placement=list_kind, customer_id=customer_id, session_id=session_id,
                            exclude_ids=(product_id,))
    if special is not None:
        return special
    items = _cached_items(model, version_id, product_id=product_id) if version_id else None
    if items:
        return _assemble(candidates=items, source=list_kind, version_id=version_id, list_kind=list_kind, **common)
    # Nothing cached for this product: trending in its category.
    category_id = get_adapter().product_category_id(product_id)
    return _assemble(candidates=_trending_candidates(version_id, category_id=category_id), source="fallback",
                     version_id=version_id, list_kind="fallback", **common)


def similar_products(*, product_id: int, limit: int, customer_id: int | None = None,
                     session_id: str = "") -> RecommendationList:
    return _product_list(SimilarProducts, "similar", product_id=product_id, limit=limit, customer_id=customer_id,
                         session_id=session_id)


def bought_together(*, product_id: int, limit: int, customer_id: int | None = None,
                    session_id: str = "") -> RecommendationList:
    return _product_list(BoughtTogether, "bought_together", product_id=product_id, limit=limit,
                         customer_id=customer_id, session_id=session_id)


def cart_complements(*, product_ids: list[int], limit: int, customer_id: int | None = None,
                     session_id: str = "") -> RecommendationList:
    """Complements of a whole cart: the bought-together lists of its products, merged by score."""
    plan = serving_plan(placement="cart", version_id=current_version_id(), limit=limit, customer_id=customer_id,
                        session_id=session_id)
    version_id = plan.version_id
    common = {"limit": plan.limit, "customer_id": customer_id, "session_id": session_id,
              "exclude_ids": tuple(product_ids), "placement": "cart", "experiment": plan.experiment}
    special = _variant_list(plan, placement="cart", customer_id=customer_id, session_id=session_id,
                            exclude_ids=tuple(product_ids))
    if special is not None:
        return special
    merged: dict[int, list] = {}
    for product_id in product_ids[:20]:
        for pid, score, reason in (_cached_items(BoughtTogether, version_id, product_id=product_id) or []
                                   if version_id else []):
            if pid not in merged or merged[pid][1] < score:
                merged[pid] = [pid, score, reason]
    if merged:
        return _assemble(candidates=list(merged.values()), source="bought_together", version_id=version_id,
                         list_kind="cart", **common)
    return _assemble(candidates=_trending_candidates(version_id, category_id=None),
                     source="trending" if version_id else "fallback", version_id=version_id, list_kind="cart",
                     **common)


def trending(*, category_id: int | None, limit: int, customer_id: int | None = None,
             session_id: str = "") -> RecommendationList:
    plan = serving_plan(placement="trending", version_id=current_version_id(), limit=limit, customer_id=customer_id,
                        session_id=session_id)
    special = _variant_list(plan, placement="trending", category_id=category_id, customer_id=customer_id,
                            session_id=session_id)
    if special is not None:
        return special
    return _assemble(candidates=_trending_candidates(plan.version_id, category_id=category_id),
                     source="trending" if plan.version_id else "fallback", version_id=plan.version_id,
                     limit=plan.limit, list_kind="trending", category_id=category_id, placement="trending",
                     experiment=plan.experiment)


def customers_with_recommendations() -> list[int]:
    """Customers with a personalised list in the active version (for exports)."""
    version_id = current_version_id()
    if version_id is None:
        return []
    return list(ProductRecommendation.objects.filter(model_version_id=version_id)
                .order_by("customer_id").values_list("customer_id", flat=True))
