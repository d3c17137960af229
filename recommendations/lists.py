"""Reads of the lists built from the shop's own data rather than a model's ranking.

* **New in** (``new_in``): products created in the last ``RECOMMENDATIONS_NEW_IN_DAYS`` days,
  newest first, in the whole shop or a category's subtree, through ``_assemble`` like every
  recommendation list (business and merchandising rules, the subject's negative feedback). The
  ids are a cached seam read (``reads.new_product_ids``) under the shop stamp, so a product created
  after the last training or fill is listed at the next read.
* **Buy it again** (``buy_again``): what a customer bought in a repeat-purchase category, the most
  due first (``ml/repurchase.py``): time since their last purchase against their own interval for
  the product, else the product's, its category's or the shop's median from the active version's
  fill (``RepurchaseInterval``), else ``RECOMMENDATIONS_BUY_AGAIN_DEFAULT_DAYS``. One seam read
  (``purchase_times``), the product cards, and the cached interval rows.
* **Recently viewed** (``recently_viewed``): a customer's or browser session's last viewed products,
  newest first, from the event table through the seam, cached per subject until its next view.

Buy it again and recently viewed are the visitor's own history: they are neither merchandised
(pins, boosts, the per-category cap) nor demoted by negative feedback; products that may not be
shown now (inactive, out of stock, hidden) are left out.
"""
import uuid
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.mlops.selectors import version_number
from electroshop.seam import get_adapter, reads
from experiments.bucketing import new_list_id

from .ml.repurchase import due_score, own_interval
from .models import RepurchaseInterval
from .selectors import (
    _MISSING,
    ROWS_CACHE_SECONDS,
    RecommendationList,
    _assemble,
    _rows_key,
    current_version_id,
    merchandising_rules,
)

RECENTLY_VIEWED_KEPT = 100  # per subject, before the business rules
RECENTLY_VIEWED_SECONDS = 3600


def new_in(*, category_id: int | None, limit: int, customer_id: int | None = None, session_id: str = "",
           exclude_skus: tuple[str, ...] = ()) -> RecommendationList:
    """The newest products, scored by their rank (newest 1.0), for the shop or a category subtree."""
    ids = reads.new_product_ids(days=int(electroshop_settings.RECOMMENDATIONS_NEW_IN_DAYS))
    candidates = [[pid, round(1.0 / (1 + rank), 6), "New in"] for rank, pid in enumerate(ids)]
    return _assemble(candidates=candidates, source="new", version_id=current_version_id(), limit=limit,
                     list_kind="new", customer_id=customer_id, session_id=session_id, category_id=category_id,
                     exclude_skus=exclude_skus, placement="new")


def _showable_cards(product_ids: list[int], exclude_skus: tuple[str, ...] = ()) -> dict[int, dict]:
    """Cards of those products that may be shown now (active, in stock, not hidden): one query."""
    return reads.recommendable_products(product_ids=product_ids, exclude_skus=exclude_skus,
                                        hidden_ids=merchandising_rules()["hidden"])


def _history_list(entries: list[tuple[int, float, str]], cards: dict[int, dict], *, source: str,
                  limit: int) -> RecommendationList:
    """A visitor's own products ``(product id, score, reason)`` in this order, those with a card in
    ``cards`` (``_showable_cards``), as the API and widgets answer them."""
    number = version_number(current_version_id())
    list_id = new_list_id(model_version=number, strategy=source, placement=source, random_part=uuid.uuid4().hex[:8])
    items: list[dict[str, Any]] = []
    for product_id, score, reason in entries:
        card = cards.get(product_id)
        if card is None:
            continue
        items.append({"product_id": product_id, "sku": card["sku"], "name": card["name"], "price": str(card["price"]),
                      "currency": card["currency"], "score": round(score, 6), "reason": reason,
                      "recommendation_id": f"{list_id}.{len(items) + 1}"})
        if len(items) >= limit:
            break
    return RecommendationList(source=source, model_version=number, items=items, list_id=list_id)


# --- recently viewed ------------------------------------------------------------------------------

def recently_viewed_key(subject: str) -> str:
    return f"recs:viewed:{subject}"


def recently_viewed(*, customer_id: int | None = None, session_id: str = "", limit: int,
                    exclude_skus: tuple[str, ...] = ()) -> RecommendationList:
    """The customer's (else the session's) last viewed products, most recent first."""
    subject = f"customer:{customer_id}" if customer_id is not None else f"session:{session_id}"
    ids = cache.get(recently_viewed_key(subject)) if (customer_id is not None or session_id) else []
    if ids is None:
        ids = get_adapter().recently_viewed_product_ids(customer_id=customer_id, session_id=session_id,
                                                         limit=RECENTLY_VIEWED_KEPT)
        cache.set(recently_viewed_key(subject), ids, RECENTLY_VIEWED_SECONDS)
    entries = [(pid, 1.0 / (1 + rank), "Recently viewed") for rank, pid in enumerate(ids)]
    return _history_list(entries, _showable_cards(ids, exclude_skus), source="recently_viewed", limit=limit)


# --- buy it again ---------------------------------------------------------------------------------

def _repurchase_row(version_id: int | None, category_id: int) -> dict | None:
    """The version's ``RepurchaseInterval`` of a category (0: the whole shop), through the cache."""
    if version_id is None:
        return None
    key = _rows_key(RepurchaseInterval, version_id, category_id=category_id)
    row = cache.get(key)
    if row is None:
        found = RepurchaseInterval.objects.filter(model_version_id=version_id, category_id=category_id).values(
            "days", "products").first()
        row = found or _MISSING
        cache.set(key, row, ROWS_CACHE_SECONDS)
    return None if row == _MISSING else row


def _interval(product_id: int, category_id: int | None, times: list, version_id: int | None) -> float:
    """The most specific repurchase interval known (see the module's docstring)."""
    own = own_interval(times)
    if own is not None:
        return own
    for row in (_repurchase_row(version_id, category_id or 0), _repurchase_row(version_id, 0)):
        if row is not None and str(product_id) in row["products"]:
            return float(row["products"][str(product_id)])
    for row in (_repurchase_row(version_id, category_id) if category_id else None, _repurchase_row(version_id, 0)):
        if row is not None:
            return float(row["days"])
    return float(electroshop_settings.RECOMMENDATIONS_BUY_AGAIN_DEFAULT_DAYS)


def buy_again(*, customer_id: int, limit: int) -> RecommendationList | None:
    """The customer's repeat-purchase products, the most due first; None when there is no such customer."""
    adapter = get_adapter()
    times = adapter.purchase_times(customer_id)
    if not times and not adapter.customer_exists(customer_id):
        return None
    repeat = set(merchandising_rules()["repeat_categories"])
    cards = _showable_cards(list(times))
    version_id = current_version_id()
    now = timezone.now()
    entries = []
    for product_id, bought in times.items():
        category_id = cards[product_id]["category_id"] if product_id in cards else None
        if category_id is None or category_id not in repeat:  # the read's repeat-purchase rule: the card's category
            continue
        interval = _interval(product_id, category_id, bought, version_id)
        since = (now - max(bought)).total_seconds() / 86400
        entries.append((product_id, due_score(since, interval),
                        f"You buy this about every {interval:.0f} days; last bought {since:.0f} days ago"))
    entries.sort(key=lambda entry: -entry[1])
    return _history_list(entries, cards, source="buy_again", limit=limit)
