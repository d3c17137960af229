"""Cached reads of shop data for the request path, the same for every shop adapter.

The adapter answers each read with a query; these keep the answers in the Django cache, or in
this process under the stamps (``stamps.py``) that a change of the shop's data forgets, so a warm
recommendation read costs no query.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Iterable

from django.core.cache import cache
from django.utils import timezone

from electroshop.cache import CacheBatch, cache_get, cache_set

from . import stamps
from .registry import get_adapter

SMALL_READ_CACHE_SECONDS = 300


# SKU -> (expires at, id or 0) in this process: product pages ask on every request, and the
# shared cache would cost a round trip each time. Same lifetime as the shared cache's entry.
_sku_ids: dict[str, tuple[float, int]] = {}
SKU_MEMO_MAX = 50_000


def product_id_for_sku(sku: str) -> int | None:
    """The id of the product with exactly this SKU, or None. Cached (SKUs do not change ids)."""
    if not sku or len(sku) > get_adapter().sku_max_length:
        return None
    now = time.monotonic()
    memo = _sku_ids.get(sku)
    if memo is not None and memo[0] > now:
        return memo[1] or None
    key = f"shop:sku:{sku.encode().hex()}"  # hex: SKUs may hold characters cache keys may not
    cached = cache.get(key)
    if cached is None:
        cached = get_adapter().product_id_for_sku_uncached(sku) or 0
        cache.set(key, cached, SMALL_READ_CACHE_SECONDS)
    if len(_sku_ids) >= SKU_MEMO_MAX:
        _sku_ids.clear()
    _sku_ids[sku] = (now + SMALL_READ_CACHE_SECONDS, cached)
    return cached or None


def forget_sku_ids() -> None:
    """Drop this process's SKU memo (tests; a shop that re-uses a deleted product's SKU at once)."""
    _sku_ids.clear()


def category_subtree_ids(category_id: int) -> list[int] | None:
    """The category and all its descendants, or None if it does not exist. Cached."""
    if category_id > 2**63 - 1:
        return None
    key = f"shop:category-subtree:{category_id}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    ids = get_adapter().category_subtree_ids_uncached(category_id)
    cache.set(key, ids, SMALL_READ_CACHE_SECONDS)
    return ids or None


def popular_products(*, days: int = 30, limit: int = 100) -> list[tuple[int, float]]:
    """Best sellers by units over the last ``days`` of orders (the no-model fallback). Cached."""
    key = f"shop:popular:{days}:{limit}"
    cached = cache.get(key)
    if cached is None:
        cached = get_adapter().popular_products_uncached(days=days, limit=limit)
        cache.set(key, cached, SMALL_READ_CACHE_SECONDS)
    return cached


NEW_PRODUCTS_MAX = 500


def new_product_ids(*, days: int) -> list[int]:
    """The adapter's ``new_product_ids`` over the last ``days`` (at most ``NEW_PRODUCTS_MAX``), cached
    under the shop stamp: a product created (``catalog_changed``) is listed at the next read; products
    age out of the window within ``SMALL_READ_CACHE_SECONDS``."""
    key = f"shop:new-products:{days}"
    shop_stamp = stamps.read_stamp(stamps.SHOP_STAMP_KEY)
    cached = cache.get(key)
    if cached is not None and shop_stamp is not None and cached["stamp"] == shop_stamp:
        return cached["ids"]
    ids = get_adapter().new_product_ids(since=timezone.now() - timedelta(days=days), limit=NEW_PRODUCTS_MAX)
    if shop_stamp is not None:
        cache.set(key, {"stamp": shop_stamp, "ids": ids}, SMALL_READ_CACHE_SECONDS)
    return ids


def recommendable_products(
    *, product_ids: Iterable[int], customer_id: int | None = None, category_ids: Iterable[int] | None = None,
    exclude_skus: Iterable[str] = (), hidden_ids: Iterable[int] = (), repeat_category_ids: Iterable[int] = (),
    reuse_seconds: float = 0, prefetched: CacheBatch | None = None,
) -> dict[int, dict]:
    """Which of these products may be shown right now, with what a product card needs.

    Drops products the adapter's ``product_cards`` leaves out (inactive or not available),
    merchant-hidden ids, ``exclude_skus``, and,
    for a customer, products already bought in an order that is not cancelled or refunded, unless
    their category is a repeat-purchase category. ``category_ids`` keeps only those categories.

    ``reuse_seconds`` > 0 lets this process reuse cards (:func:`showable_product_cards`) and the
    customer's bought products (:func:`bought_product_ids`) read earlier under the same stamps, at
    most that long; ``prefetched``: a cache batch holding the stamps and :func:`bought_products_key`.
    Warm, no query; cold, one for the cards and one for the purchases.
    """
    ids = list(dict.fromkeys(product_ids))
    if not ids:
        return {}
    shop_stamp = stamps.read_stamp(stamps.SHOP_STAMP_KEY, prefetched) if reuse_seconds > 0 else None
    cards = showable_product_cards(ids, shop_stamp=shop_stamp, reuse_seconds=reuse_seconds)
    dropped = set(hidden_ids)
    if customer_id is not None:
        repeat = set(repeat_category_ids)
        dropped.update(pid for pid in bought_product_ids(customer_id, shop_stamp=shop_stamp, reuse_seconds=reuse_seconds,
                                                          prefetched=prefetched)
                       if pid in cards and cards[pid]["category_id"] not in repeat)
    skus = set(exclude_skus)
    categories = None if category_ids is None else set(category_ids)
    return {
        pid: card for pid, card in cards.items()
        if pid not in dropped and card["sku"] not in skus and (categories is None or card["category_id"] in categories)
    }


@dataclass
class _CardSnapshot:
    stamp: str
    born: float
    cards: dict  # product id -> card, or None when the product may not be shown


_card_snapshot: _CardSnapshot | None = None
MAX_SNAPSHOT_CARDS = 100_000  # a bigger catalogue starts a new snapshot rather than growing without bound


def showable_product_cards(product_ids: list[int], *, shop_stamp: str | None, reuse_seconds: float) -> dict[int, dict]:
    """Cards of those of ``product_ids`` that are active and in stock now.

    Cards read under the shop stamp ``shop_stamp`` (read by the caller before this, see
    electroshop.seam.stamps) are kept in this process and reused while the stamp is the same, for at
    most ``reuse_seconds``: a product, stock or category save (or an import) forgets the stamp in
    every process at once; a change around model signals is seen after ``reuse_seconds``. Without a
    stamp, every card is read. Products not in the snapshot cost one query.
    """
    global _card_snapshot
    snapshot = None
    if shop_stamp is not None and reuse_seconds > 0:
        snapshot, now = _card_snapshot, time.monotonic()
        if (snapshot is None or snapshot.stamp != shop_stamp or now - snapshot.born > reuse_seconds
                or len(snapshot.cards) > MAX_SNAPSHOT_CARDS):
            snapshot = _card_snapshot = _CardSnapshot(stamp=shop_stamp, born=now, cards={})
    known = snapshot.cards if snapshot is not None else {}
    missing = [pid for pid in product_ids if pid not in known]
    if missing:
        fetched = get_adapter().product_cards(missing)
        if snapshot is None:
            return fetched
        for pid in missing:
            known[pid] = fetched.get(pid)
    return {pid: known[pid] for pid in product_ids if known[pid] is not None}


def bought_products_key(customer_id: int) -> str:
    return f"shop:bought:{customer_id}"


def bought_product_ids(customer_id: int, *, shop_stamp: str | None = None, reuse_seconds: float = 0,
                       prefetched: CacheBatch | None = None) -> list[int]:
    """The adapter's ``purchased_product_ids``, cached under :func:`bought_products_key` with the shop's and
    the customer's purchases stamps (an import forgets only the shop's) for at most
    ``reuse_seconds``; ``shop_stamp`` as read by the caller before its other reads.
    """
    purchases_stamp = stamps.read_stamp(stamps.purchases_stamp_key(customer_id), prefetched) if reuse_seconds > 0 else None
    depends_on = (shop_stamp, purchases_stamp)
    if shop_stamp is not None and purchases_stamp is not None:
        stored = cache_get(bought_products_key(customer_id), prefetched)
        if stored is not None and stored["stamps"] == depends_on:
            return stored["ids"]
    ids = get_adapter().purchased_product_ids(customer_id)
    if shop_stamp is not None and purchases_stamp is not None:
        cache_set(bought_products_key(customer_id), {"stamps": depends_on, "ids": ids}, reuse_seconds, prefetched)
    return ids
