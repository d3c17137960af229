"""The cached tables a version serves from, and the chunks that fill them.

Every table fills in chunks that any worker takes (``mlops.fanout``): customer lists per chunk of
customers, the per-product tables (``PRODUCT_TABLES``) per chunk of products, trending per category
and each kind of segment list as one chunk each (a single pass over the catalogue or the customers).
A chunk deletes the rows it owns for the version and writes them again in one transaction, so a
redelivered chunk (acks late: a worker that dies mid-chunk leaves its message to another) replaces
its rows instead of duplicating them. The finaliser runs only after every chunk counted itself.

Adding a per-product table is one ``ProductTable`` entry; adding another whole-shop list is one
``SHOP_LISTS`` entry.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
from django.db import connection, models, transaction

from electroshop.conf import electroshop_settings
from electroshop.mlops import fanout
from electroshop.seam import get_adapter

from .fill import FillRules, category_chains, fill_rules
from .ml.hybrid import HybridModel
from .ml.repurchase import median_intervals, repurchase_gaps
from .models import (
    BoughtTogether,
    CoVisitedProducts,
    ProductRecommendation,
    RepurchaseInterval,
    SimilarProducts,
    TrendingProducts,
)
from .segments import SEGMENT_GROUPINGS, segment_lists
from .selectors import merchandising_rules

BULK_BATCH = 2000
PRODUCT_LIST_SIZE = 30
TRENDING_LIST_SIZE = 100


def stored_items(item_ids, scores, reasons) -> list[list]:
    """A cached list as stored in its row (and read by selectors): ``[product id, score, reason]``."""
    return [[int(i), round(s, 6), r] for i, s, r in zip(item_ids, map(float, scores), reasons)]


def model_fill_rules(model: HybridModel) -> FillRules:
    """The business rules (``fill.py``) for a fill of this model's items, read now."""
    rules = merchandising_rules()
    return fill_rules(model.item_ids, hidden=rules["hidden"], repeat_categories=rules["repeat_categories"])


def _replace_rows(table: type[models.Model], version_id: int, owned: dict[str, Any], rows: list) -> None:
    """Delete the version's rows matching ``owned`` (the chunk's own) and insert ``rows``, atomically."""
    with transaction.atomic():
        table.objects.filter(model_version_id=version_id, **owned).delete()
        table.objects.bulk_create(rows, batch_size=BULK_BATCH)


def _replace_lists(table: type[models.Model], version_id: int, key: str, owned: list[int], keys: list[int],
                   lists: list[list]) -> None:
    """:func:`_replace_rows` for the rows of ``owned`` (``key`` values), new rows ``(version, key, items)``
    given as columns: on PostgreSQL one COPY
    of JSON text (no model instances; the ORM's insert spent more time quoting JSON than the fill
    spent ranking), elsewhere ``bulk_create``."""
    if connection.vendor != "postgresql":
        _replace_rows(table, version_id, {f"{key}__in": owned},
                      [table(model_version_id=version_id, **{key: k}, items=items) for k, items in zip(keys, lists)])
        return
    from psycopg import sql

    columns = [table._meta.get_field(name).column for name in ("model_version", key, "items")]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode
    with transaction.atomic():
        table.objects.filter(model_version_id=version_id, **{f"{key}__in": owned}).delete()
        with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
            for k, items in zip(keys, lists):
                copy.write_row((version_id, k, encode(items)))


# --- customer lists --------------------------------------------------------------------------------

def fill_customer_chunk(*, model: HybridModel, version_id: int, customer_ids: list[int]) -> int:
    """Compute and store the top-N of a chunk of customers. Idempotent: a retry replaces its rows.

    Products that may not be shown now are never candidates, nor what the customer bought (outside
    repeat-purchase categories); what they only viewed or carted is (``fill.py``). Customers who
    withdrew their consent to personalisation get no list (they read the cold-start lists).
    """
    withdrawn = get_adapter().customers_without_consent("personalization", customer_ids)
    customer_ids = [c for c in customer_ids if c not in withdrawn]
    rules = model_fill_rules(model)
    bought = rules.bought_to_exclude(customer_ids)
    lists = []
    for batch in model.ranked_lists(customer_ids, n=electroshop_settings.RECOMMENDATIONS_TOP_N,
                                    exclude_items=rules.unshowable(model.item_ids),
                                    exclude_by_user=[bought.get(c, ()) for c in customer_ids]):
        items = stored_items(batch.item_ids.tolist(), batch.scores.tolist(), batch.texts)
        lists.extend(items[a:b] for a, b in zip(batch.offsets[:-1].tolist(), batch.offsets[1:].tolist()))
    _replace_lists(ProductRecommendation, version_id, "customer_id", customer_ids, customer_ids, lists)
    return len(lists)


# --- per-product tables ----------------------------------------------------------------------------

@dataclass(frozen=True)
class ProductTable:
    """A table with one list per product: ``neighbours(model, product_id, n, exclude)`` -> (product ids,
    scores), best first (``exclude``: boolean mask over item positions never listed); ``reason`` is
    every item's reason, ``{name}`` standing for the product's name."""

    table: type[models.Model]  # model_version, product_id, items
    neighbours: Callable[[HybridModel, int, int, np.ndarray], tuple[list, list[float]]]
    reason: str


PRODUCT_TABLES: tuple[ProductTable, ...] = (
    ProductTable(SimilarProducts, lambda model, pid, n, exclude: model.similar_items(pid, n=n, exclude=exclude),
                 "Similar to {name}"),
    ProductTable(BoughtTogether, lambda model, pid, n, exclude: model.bought_together(pid, n=n, exclude=exclude),
                 "Bought together with {name}"),
    # the session co-visitation generator's neighbours, which anonymous sessions' lists are blended from
    ProductTable(CoVisitedProducts, lambda model, pid, n, exclude: (
        model.similar_items(pid, n=n, generator="co_visitation", exclude=exclude)
        if "co_visitation" in model.generators else ([], [])), "Viewed with {name}"),
)


def fill_product_chunk(*, model: HybridModel, version_id: int, product_ids: list[int]) -> int:
    """Every ``PRODUCT_TABLES`` row of these products, none listing a product that may not be shown now
    (``fill.py``); every product keeps its own row (an unavailable product's page still shows
    alternatives). Idempotent: a retry replaces the chunk's rows. Returns the rows written."""
    exclude = model.item_mask(model_fill_rules(model).unshowable(model.item_ids))
    names = {int(i): str(n) for i, n in zip(model.item_ids, model.item_names)}
    written = 0
    with transaction.atomic():
        for spec in PRODUCT_TABLES:
            keys, lists = [], []
            for product_id in product_ids:
                ids, scores = spec.neighbours(model, product_id, PRODUCT_LIST_SIZE, exclude)
                if ids:
                    keys.append(product_id)
                    lists.append(stored_items(ids, scores, repeat(spec.reason.format(name=names.get(product_id, product_id)))))
            _replace_lists(spec.table, version_id, "product_id", product_ids, keys, lists)
            written += len(keys)
    return written


# --- whole-shop lists: trending per category, segments ---------------------------------------------

def trending_lists(*, model: HybridModel, rules: FillRules, categories: dict[int, list[int]],
                   size: int = TRENDING_LIST_SIZE) -> dict[int, list]:
    """Trending per category id (0 = whole shop), by recent-window velocity from the model, of the
    products that may be shown. ``categories``: product id -> its category and ancestors' ids."""
    source = model.generators.get("trending") or model.generators.get("popular")
    if source is None:
        return {}
    scores = np.asarray(source.item_scores, dtype=float).ravel()
    item_ids = np.asarray(model.item_ids)
    order = np.argsort(-scores)
    out: dict[int, list] = {0: []}
    for position in order:
        if scores[position] <= 0:
            break
        product_id = int(item_ids[position])
        if product_id not in rules.showable:
            continue
        entry = [product_id, round(float(scores[position]), 6), "Popular right now"]
        if len(out[0]) < size:
            out[0].append(entry)
        for category_id in categories.get(product_id, []):
            bucket = out.setdefault(category_id, [])
            if len(bucket) < size:
                bucket.append([product_id, entry[1], "Popular right now in this category"])
    return out


def _fill_trending(model: HybridModel, version_id: int) -> int:
    rules = model_fill_rules(model)
    found = trending_lists(model=model, rules=rules, categories=category_chains(model.item_ids))
    rows = [TrendingProducts(model_version_id=version_id, category_id=category_id, segment="", items=items)
            for category_id, items in found.items()]
    _replace_rows(TrendingProducts, version_id, {"segment": ""}, rows)
    return len(rows)


def _segment_filler(grouping: str) -> Callable[[HybridModel, int], int]:
    def fill(model: HybridModel, version_id: int) -> int:
        found = segment_lists(model=model, rules=model_fill_rules(model), grouping=grouping, size=TRENDING_LIST_SIZE)
        rows = [TrendingProducts(model_version_id=version_id, category_id=0, segment=segment,
                                 items=stored_items(ids, scores, repeat(reason)))
                for segment, (ids, scores, reason) in found.items()]
        _replace_rows(TrendingProducts, version_id, {"segment__startswith": SEGMENT_GROUPINGS[grouping].prefix}, rows)
        return len(rows)
    return fill


def repurchase_intervals(purchases, item_ids) -> dict[int, tuple[float, dict[int, float]]]:
    """Median days between repeat purchases per category and product (``ml/repurchase.py``) of
    ``customer_id, product_id, timestamp`` purchases: measured when a model is trained (the artifact
    keeps no events), stored by the fill. Every category is timed, so a category the merchant marks
    as repeat-purchase later has its timing at once."""
    categories = {pid: chain[0] for pid, chain in category_chains(item_ids).items() if chain}
    return median_intervals(repurchase_gaps(purchases), categories)


def _fill_repurchase_intervals(model: HybridModel, version_id: int) -> int:
    rows = [RepurchaseInterval(model_version_id=version_id, category_id=category_id, days=round(days, 2),
                               products={str(pid): value for pid, value in products.items()})
            for category_id, (days, products) in getattr(model, "repurchase_intervals", {}).items()]
    _replace_rows(RepurchaseInterval, version_id, {}, rows)
    return len(rows)


# name -> fill(model, version_id) -> rows written: one chunk each.
SHOP_LISTS: dict[str, Callable[[HybridModel, int], int]] = {
    "trending": _fill_trending,
    "repurchase": _fill_repurchase_intervals,
    **{f"segments:{grouping}": _segment_filler(grouping) for grouping in SEGMENT_GROUPINGS},
}


def fill_shop_list(*, model: HybridModel, version_id: int, name: str) -> int:
    return SHOP_LISTS[name](model, version_id)


# --- the chunks of a fill --------------------------------------------------------------------------

def fill_chunks(model: HybridModel) -> list[tuple[str, Any]]:
    """Every chunk of a version's fill as ``(kind, payload)``: customers, products, then the whole-shop
    lists (short ones last, so they fill the gaps while the last customer chunks run)."""
    customers = [int(c) for c in model.user_ids]
    products = [int(p) for p in model.item_ids]
    return ([("customers", chunk) for chunk in
             fanout.split_into_chunks(customers, electroshop_settings.RECOMMENDATIONS_FILL_CHUNK_SIZE)]
            + [("products", chunk) for chunk in
               fanout.split_into_chunks(products, electroshop_settings.RECOMMENDATIONS_PRODUCT_CHUNK_SIZE)]
            + [("shop", name) for name in SHOP_LISTS])


def fill_chunk(*, model: HybridModel, version_id: int, kind: str, payload: Any) -> int:
    """Run one chunk of :func:`fill_chunks`; returns the rows it wrote."""
    if kind == "customers":
        return fill_customer_chunk(model=model, version_id=version_id, customer_ids=payload)
    if kind == "products":
        return fill_product_chunk(model=model, version_id=version_id, product_ids=payload)
    return fill_shop_list(model=model, version_id=version_id, name=payload)
