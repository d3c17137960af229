"""Real time: the recommendation lists that change between trainings, without retraining.

* Browsing events and new orders blend the neighbours of a subject's newest products into its live
  list (``update_live_recommendations``), which a read prefers over the stored row for a few hours:
  for an anonymous session, the session co-visitation generator's neighbours (stored at fill time,
  ``CoVisitedProducts``); at sign-in the session's events become the customer's and re-blend theirs.
* Impressions and clicks become the subject's negative feedback (``feedback.py``); a view forgets
  the subject's cached recently viewed products (``lists.py``).
* A product created or edited after the last training gets text neighbours from the active model's
  stored vocabulary (``refresh_content_neighbours``), unless its neighbours come from behaviour.
* A customer who withdraws consent to personalisation loses their personal lists at once.

The seam signals and the event listener that call these are connected in ``apps.py``.
"""
import logging
import uuid
from itertools import repeat
from typing import Any, Iterable

from django.core.cache import cache

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

from .ml.candidates import SESSION_RECENCY_DECAY
from .ml.training_data import product_texts
from .feedback import from_a_recommendation, record_feedback
from .lists import recently_viewed_key
from .models import BoughtTogether, CoVisitedProducts, ProductRecommendation, SimilarProducts
from .segments import segments_key
from .selectors import _cached_items, _rows_key, current_version_id, customer_live_key, live_key
from .services import model_for_version, product_frame_for_training
from .tables import PRODUCT_LIST_SIZE, stored_items

logger = logging.getLogger("electroshop.recommendations")

LIVE_TTL_SECONDS = 6 * 3600
RECENT_ITEMS_KEPT = 10
# Refreshing text neighbours is per product: a bulk change (an import) waits for the next training.
MAX_CONTENT_REFRESH = 200


REACTIVE_EVENT_TYPES = {"view", "click", "cart", "wishlist", "purchase"}


def recent_key(subject: str) -> str:
    """Cache key of a subject's newest products (what its live list is blended from)."""
    return f"recs:recent:{subject}"


def update_live_recommendations(*, subject: str, product_ids: list[int], customer_id: int | None = None) -> None:
    """Blend the neighbours of a subject's newest products into its list, without retraining.

    ``subject`` is ``customer:<id>`` or ``session:<id>``. The blended list lives in the cache for a
    few hours (until the next fill supersedes it); a read prefers it over the cached row.
    """
    version_id = current_version_id()
    if version_id is None or not product_ids:
        return
    recent = [p for p in (cache.get(recent_key(subject)) or []) if p not in product_ids]
    recent = (list(reversed(product_ids)) + recent)[:RECENT_ITEMS_KEPT]
    cache.set(recent_key(subject), recent, LIVE_TTL_SECONDS)
    blended = _neighbours_blend(version_id, recent, session=subject.startswith("session:"))
    base = []
    if customer_id is not None:
        base = _cached_items(ProductRecommendation, version_id, customer_id=customer_id) or []
    if base:
        top = max(float(s) for _, s, _ in base) or 1.0
        best_live = max((v[1] for v in blended.values()), default=1.0) or 1.0
        for pid, score, reason in base:
            value = 0.5 * float(score) / top * best_live
            if pid in blended:
                blended[pid][1] += value
            else:
                blended[pid] = [pid, value, reason]
    for product_id in recent:
        blended.pop(product_id, None)  # never recommend back what was just looked at or bought
    items = sorted(blended.values(), key=lambda entry: -entry[1])[: electroshop_settings.RECOMMENDATIONS_TOP_N]
    # the stamp tells cached answers built from an earlier live list (or none) from this one
    cache.set(live_key(subject), {"version": version_id, "items": items, "stamp": uuid.uuid4().hex}, LIVE_TTL_SECONDS)


def _add(blended: dict[int, list], rows: list | None, weight: float) -> None:
    for pid, score, reason in (rows or [])[:20]:
        if pid in blended:
            blended[pid][1] += weight * float(score)
        else:
            blended[pid] = [pid, weight * float(score), reason]


def _neighbours_blend(version_id: int, recent: list[int], *, session: bool) -> dict[int, list]:
    """The neighbours of a subject's recent products (newest first), summed with recency weights.

    A browser session's: the session co-visitation generator's stored rows (``CoVisitedProducts``)
    weighted ``SESSION_RECENCY_DECAY ** rank``, the generator's own ``score_session`` over its top
    neighbours; a product without such a row (none co-visited, or a version filled before them)
    contributes its bought-together and similar rows instead. A customer's: the bought-together and
    similar rows of their 5 newest products, ``0.7 ** rank / (1 + rank)``.
    """
    blended: dict[int, list] = {}
    for rank, product_id in enumerate(recent if session else recent[:5]):
        covisited = _cached_items(CoVisitedProducts, version_id, product_id=product_id) if session else None
        if covisited:
            _add(blended, covisited, SESSION_RECENCY_DECAY ** rank)
            continue
        for table in (BoughtTogether, SimilarProducts):
            _add(blended, _cached_items(table, version_id, product_id=product_id), 0.7 ** rank / (1 + rank))
    return blended


def forget_personal_lists(customer_id: int) -> None:
    """A customer withdrew their consent to personalisation: drop their stored lists, live list,
    recent products and cold-start segments at once (their next read is the country's trending list,
    without their browsing). Idempotent."""
    ProductRecommendation.objects.filter(customer_id=customer_id).delete()
    version_id = current_version_id()
    keys = [customer_live_key(customer_id), recent_key(f"customer:{customer_id}"), segments_key(customer_id)]
    if version_id is not None:
        keys.append(_rows_key(ProductRecommendation, version_id, customer_id=customer_id))
    cache.delete_many(keys)


def on_customer_changed(*, customer_id: int, personalization_consent: bool, **kwargs: Any) -> None:
    """Seam signal receiver: a customer without consent to personalisation has no personal lists."""
    if not personalization_consent:
        forget_personal_lists(customer_id)


def on_events_recorded(result: Any) -> None:
    """Event listener, for every customer and session in the batch (not customers who withdrew their
    consent to personalisation): refresh their live list, count their impressions and clicks
    (``feedback.py``) and forget their cached recently viewed products after a view."""
    by_subject: dict[tuple[str, int | None], list[Any]] = {}
    for event in result.events:
        if not event.product_id:
            continue
        if event.customer_id:
            key = (f"customer:{event.customer_id}", event.customer_id)
        elif event.session_id:
            key = (f"session:{event.session_id}", None)
        else:
            continue
        by_subject.setdefault(key, []).append(event)
    subjects = list(by_subject.items())[:200]
    withdrawn = get_adapter().customers_without_consent(
        "personalization", [customer_id for (_, customer_id), _ in subjects if customer_id])
    for (subject, customer_id), events in subjects:
        if customer_id in withdrawn:
            continue
        try:
            _react(subject, customer_id, events)
        except Exception:  # real time is best effort: the stored events are what matters
            logger.exception("live recommendation update failed for %s", subject)


def _react(subject: str, customer_id: int | None, events: list[Any]) -> None:
    types = [event.event_type for event in events]
    product_ids = [event.product_id for event in events if event.event_type in REACTIVE_EVENT_TYPES]
    if product_ids:
        update_live_recommendations(subject=subject, product_ids=product_ids, customer_id=customer_id)
    if "impression" in types or "click" in types:
        record_feedback(subject, shown=[(e.product_id, e.occurred_at) for e in events
                                        if e.event_type == "impression" and from_a_recommendation(e.recommendation_id)],
                        clicked=[(e.product_id, e.occurred_at) for e in events if e.event_type == "click"])
    if "view" in types:
        cache.delete(recently_viewed_key(subject))


def on_order_placed(*, order_id: int, customer_id: int | None) -> None:
    """A new order: its products join the customer's live list (not a guest's, nor a customer's
    without consent to personalisation). Called once the order's transaction committed."""
    if customer_id is None:
        return
    adapter = get_adapter()
    if customer_id in adapter.customers_without_consent("personalization", [customer_id]):
        return
    product_ids = adapter.order_product_ids(order_id)
    if product_ids:
        update_live_recommendations(subject=f"customer:{customer_id}", product_ids=product_ids,
                                    customer_id=customer_id)


def refresh_content_neighbours(product_ids: Iterable[int]) -> int:
    """Store text neighbours, from the active model's vocabulary, for those of these products that
    have no behavioural neighbours: created after the training, or never interacted with. Products
    with interactions keep their trained list (a text edit does not change what shoppers did).
    Returns how many lists were stored."""
    version_id = current_version_id()
    ids = list(dict.fromkeys(product_ids))[:MAX_CONTENT_REFRESH]
    if version_id is None or not ids:
        return 0
    model = model_for_version(version_id)
    products = product_frame_for_training(ids)
    products = products[[not model.has_interactions(pid) for pid in products["product_id"]]]
    if products.empty:
        return 0
    texts = product_texts(products)
    neighbours = model.similar_to_texts(list(zip(products["product_id"].tolist(), texts)), n=PRODUCT_LIST_SIZE)
    stored = 0
    for (product_id, name), (item_ids, scores) in zip(products[["product_id", "name"]].itertuples(index=False),
                                                      neighbours):
        if not item_ids:
            continue
        SimilarProducts.objects.update_or_create(
            model_version_id=version_id, product_id=product_id,
            defaults={"items": stored_items(item_ids, scores, repeat(f"Similar to {name}"))},
        )
        cache.delete(_rows_key(SimilarProducts, version_id, product_id=product_id))
        stored += 1
    return stored
