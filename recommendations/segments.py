"""Segments of the cold-start lists: what is popular among customers like a new one.

Two segments, both known for a customer the model has never seen:

* **country** (``country:<value>``): the adapter's ``customer_segment``.
* **first-browsed category** (``browsed:<category id>``): the top-level category most of the
  customer's first ``FIRST_EVENTS`` product events fall in (ties: the one seen first). A brand-new
  customer has it after a few clicks, before any purchase.

The fill stores one trending list per segment with at least ``MIN_SEGMENT_CUSTOMERS`` of the
model's customers (``TrendingProducts`` rows with ``segment`` set, category 0), ranked by the
segment's own interactions (``ml/segments.py``). A customer without a personal list reads their
first-browsed segment's list, else their country's, else the whole shop's
(``selectors.recommendations_for_customer``). The first-browsed segment is behaviour, so a customer
without consent to personalisation gets only the country's.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, NamedTuple

import numpy as np
import pandas as pd

from electroshop.cache import CacheBatch, cache_get, cache_set
from electroshop.seam import get_adapter

from .fill import FillRules, batches, category_chains
from .ml.segments import FIRST_EVENTS, dominant_group, first_events_group, segment_trending

# A smaller segment's list is noise: its customers read the next segment's or the whole shop's.
MIN_SEGMENT_CUSTOMERS = 20
SEGMENTS_CACHE_SECONDS = 300

if TYPE_CHECKING:
    from .ml.hybrid import HybridModel


def country_segment(country: str) -> str:
    return f"country:{country}"


def browsed_segment(category_id: int) -> str:
    return f"browsed:{category_id}"


def top_level_categories(product_ids: Iterable[int]) -> dict[int, int]:
    """product id -> its top-level category id, for the products with a category."""
    return {pid: chain[-1] for pid, chain in category_chains(product_ids).items() if chain}


# --- the read ------------------------------------------------------------------------------------------

def segments_key(customer_id: int) -> str:
    return f"recs:segments:{customer_id}"


def cold_start_segments(customer_id: int, *, prefetched: CacheBatch | None = None) -> list[str] | None:
    """The segments of a customer without a personal list, most specific first; None when there is no
    such customer. Cached for ``SEGMENTS_CACHE_SECONDS`` (forgotten when consent is withdrawn);
    ``prefetched``: a cache batch that may hold ``segments_key``. Written at once, not with the batch's
    writes at the end of the read: withdrawing consent deletes the key, and a held write would put the
    browsing segment back."""
    key = segments_key(customer_id)
    cached = cache_get(key, prefetched)
    if cached is not None:
        return cached
    adapter = get_adapter()
    country = adapter.customer_segment(customer_id)
    if country is None:
        return None
    segments = []
    if customer_id not in adapter.customers_without_consent("personalization", [customer_id]):
        first = adapter.first_product_ids(customer_id, limit=FIRST_EVENTS)
        roots = top_level_categories(first)
        found = dominant_group(np.zeros(len(first), dtype=np.int64), np.array([roots.get(p, -1) for p in first],
                                                                               dtype=np.int64), FIRST_EVENTS)
        if len(found):
            segments.append(browsed_segment(int(found.iloc[0])))
    if country:
        segments.append(country_segment(country))
    cache_set(key, segments, SEGMENTS_CACHE_SECONDS)
    return segments


# --- the fill ------------------------------------------------------------------------------------------

class Grouping(NamedTuple):
    prefix: str  # every segment of the grouping starts with it (a fill chunk replaces these rows)
    reason: str  # "{}": the segment's value


SEGMENT_GROUPINGS: dict[str, Grouping] = {
    "country": Grouping(country_segment(""), "Popular with customers in {}"),
    "browsed": Grouping(browsed_segment(""), "Popular with customers who browse the same category"),
}


def _customer_segments(model: HybridModel, grouping: str) -> list:
    """Per customer of the model, their segment value in ``grouping`` (None: none)."""
    user_ids = [int(u) for u in model.user_ids]
    if grouping == "country":
        adapter = get_adapter()
        countries: dict[int, str] = {}
        for batch in batches(user_ids):
            countries.update(adapter.customer_segments(batch))
        return [countries.get(u) or None for u in user_ids]
    top_level = top_level_categories(model.item_ids)
    item_root = np.array([top_level.get(int(i), -1) for i in model.item_ids], dtype=np.int64)
    return [int(r) if r >= 0 else None for r in first_events_group(model.first_items, item_root)]


def segment_lists(*, model: HybridModel, rules: FillRules, grouping: str,
                  size: int) -> dict[str, tuple[list, list[float], str]]:
    """segment -> (product ids, scores, reason) for the segments of one ``SEGMENT_GROUPINGS`` entry
    among the model's customers, of the products that may be shown."""
    item_ids = np.asarray(model.item_ids)
    exclude = model.item_mask(rules.unshowable(item_ids))
    spec = SEGMENT_GROUPINGS[grouping]
    codes, names = pd.factorize(pd.Series(_customer_segments(model, grouping), dtype=object))  # None -> -1
    found = segment_trending(model.interaction_recency, codes, size=size, min_users=MIN_SEGMENT_CUSTOMERS,
                             exclude=exclude)
    return {spec.prefix + str(names[code]): ([int(i) for i in item_ids[items]], [float(s) for s in scores],
                                             spec.reason.format(names[code]))
            for code, (items, scores) in found.items()}
