"""Stamps: cache entries that change whenever shop data a cached answer depends on changes.

A reader that caches an answer built from shop data (see the recommendations' response cache)
stores with it the stamps it read *before* reading the data, and serves it again only while they
are all unchanged. Forgetting a stamp (deleting its entry) invalidates every answer stored with it;
the next reader adds a new random one.

* the shop stamp: products, stock, categories, and any bulk write (imports, the demo loader);
* a customer's purchases stamp: that customer's orders and order lines (and the customer itself).

The seam signals (``signals.py``: catalog_changed, stock_changed, order_changed, customer_changed)
forget them at once and again when the transaction commits (a reader between the save and the
commit would otherwise store an answer built from the old rows under the new stamp). A change that
sends no signal (``queryset.update``, SQL) is seen when the cached answers expire
(``RECOMMENDATIONS_RESPONSE_CACHE_SECONDS``), or at once if the writer calls ``forget_shop_stamp()``.
"""
from __future__ import annotations

import uuid
from typing import Any, Iterable

from django.core.cache import cache
from django.db import transaction

from electroshop.cache import CacheBatch, cache_add, cache_get

SHOP_STAMP_KEY = "shop:stamp"
STAMP_SECONDS = 24 * 3600  # an expired stamp is only a new one: answers stored with the old one are not served


def purchases_stamp_key(customer_id: int) -> str:
    return f"shop:stamp:purchases:{customer_id}"


def read_stamp(key: str, prefetched: CacheBatch | None = None) -> str | None:
    """The stamp under ``key``; None when there is none yet (a new one is added for later readers:
    this reader cannot know which data the new one stands for, so it must not store with it)."""
    stamp = cache_get(key, prefetched)
    if stamp is None:
        cache_add(key, uuid.uuid4().hex, STAMP_SECONDS, prefetched)
    return stamp


def _forget_now_and_on_commit(keys: list[str]) -> None:
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def forget_shop_stamp() -> None:
    _forget_now_and_on_commit([SHOP_STAMP_KEY])


def forget_purchases_stamps(customer_ids: Iterable[int | None]) -> None:
    _forget_now_and_on_commit([purchases_stamp_key(pk) for pk in set(customer_ids) if pk is not None])


# --- receivers of the seam signals (connected in SeamConfig.ready) --------------------------------------

def on_catalog_changed(**kwargs: Any) -> None:
    forget_shop_stamp()


def on_order_changed(*, customer_ids: Iterable[int | None], **kwargs: Any) -> None:
    forget_purchases_stamps(customer_ids)


def on_customer_changed(*, customer_id: int, **kwargs: Any) -> None:
    forget_purchases_stamps([customer_id])
