"""The catalogue, stock and request-path product reads of the Oscar adapter (a mixin of
``OscarShopAdapter``; the mapping is explained in ``adapter.py``).

Every product fact is one annotated query over Oscar's ``Product``: a child product takes its
parent's title, description, category and brand where it has none of its own; price, currency,
partner SKU and supplier come from the product's first stock record (Oscar's default strategy,
``UseFirstStockRecord``), a parent's price from its cheapest child.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any, Iterable

import pandas as pd
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from oscar.core.loading import get_model

from electroshop.seam.adapter import PRODUCT_COLUMNS, StockLevel
from electroshop.seam.frames import decimal_with_places, to_frame

from .conf import oscar_setting

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductAttributeValue = get_model("catalogue", "ProductAttributeValue")
StockRecord = get_model("partner", "StockRecord")

CARD_FIELDS = ("pk", "sku", "name", "price", "currency", "category_id")
PRICE_PLACES = StockRecord._meta.get_field("price").decimal_places


def _first_record(field: str, product: str = "pk") -> Subquery:
    """``field`` of the product's first stock record (lowest id)."""
    return Subquery(StockRecord.objects.filter(product_id=OuterRef(product)).order_by("pk").values(field)[:1])


def _first_category(product: str) -> Subquery:
    """The product's first category (Oscar allows several; the seam has one)."""
    return Subquery(ProductCategory.objects.filter(product_id=OuterRef(product)).order_by("pk")
                    .values("category_id")[:1])


def _attribute(code: str, product: str) -> Subquery:
    value = Coalesce(NullIf("value_text", Value("")), "value_option__option", output_field=TextField())
    return Subquery(ProductAttributeValue.objects.filter(product_id=OuterRef(product), attribute__code=code)
                    .annotate(shown=value).order_by("pk").values("shown")[:1])


# A stock record's product (or, for a child, its parent) is of a class that does not track stock:
# Oscar sells it whatever its count says.
CLASS_UNTRACKED = Q(product__product_class__track_stock=False) | Q(product__parent__product_class__track_stock=False)


def _counting_records() -> QuerySet:
    """Stock records whose count Oscar honours: a count is set and the product class tracks stock."""
    return StockRecord.objects.filter(num_in_stock__isnull=False).exclude(CLASS_UNTRACKED)


def _available_record() -> Exists:
    """A priced stock record with stock to sell, or whose stock Oscar does not track (no count, or a
    product class that does not track stock)."""
    untracked = Q(num_in_stock__isnull=True) | CLASS_UNTRACKED
    in_stock = Q(num_in_stock__gt=Coalesce(F("num_allocated"), Value(0)))
    return Exists(StockRecord.objects.filter(untracked | in_stock, product_id=OuterRef("pk"), price__isnull=False))


class OscarCatalogueReads:
    """Products, categories, stock and product cards over Oscar's catalogue and partner apps."""

    sku_max_length = 128  # Oscar's partner_sku (its upc holds 64)

    # --- helpers -------------------------------------------------------------------------------

    def _products(self, queryset: QuerySet | None = None) -> QuerySet:
        """Products annotated with the seam's product facts (names as in PRODUCT_COLUMNS)."""
        queryset = Product.objects.all() if queryset is None else queryset
        cheapest_child = Subquery(StockRecord.objects.filter(product__parent_id=OuterRef("pk"), price__isnull=False)
                                  .order_by("price").values("price")[:1])
        brand = oscar_setting("BRAND_ATTRIBUTE")
        return queryset.annotate(
            sku=Coalesce(NullIf("upc", Value("")), _first_record("partner_sku"), Value("")),
            name=Coalesce(NullIf("title", Value("")), NullIf("parent__title", Value("")), Value("")),
            summary=Coalesce(NullIf("description", Value("")), "parent__description", Value(""), output_field=TextField()),
            category_id=Coalesce(_first_category("pk"), _first_category("parent_id")),
            brand_name=Coalesce(_attribute(brand, "pk"), _attribute(brand, "parent_id"), Value(""), output_field=TextField()),
            price=Coalesce(_first_record("price"), cheapest_child),
            currency=Coalesce(_first_record("price_currency"), Value(settings.OSCAR_DEFAULT_CURRENCY)),
            supplier=Coalesce(_first_record("partner__name"), Value("")),
            parent_public=Coalesce("parent__is_public", Value(True)),
        )

    @staticmethod
    def _is_active(structure: str, is_public: bool, parent_public: bool) -> bool:
        # A parent product is never bought itself: its children are.
        return bool(is_public and parent_public and structure != Product.PARENT)

    def _category_paths(self) -> dict[int, tuple[str, str]]:
        """Category id -> (treebeard path, "A/B/C" names). Oscar's ``path`` column is treebeard's
        materialised path (fixed-width steps), not names: each prefix of it is an ancestor."""
        rows = list(Category.objects.values_list("pk", "path", "name"))
        names = {path: name for _, path, name in rows}
        step = Category.steplen
        return {pk: (path, "/".join(names.get(path[:end], "") for end in range(step, len(path) + 1, step)))
                for pk, path, name in rows}

    # --- catalogue -----------------------------------------------------------------------------

    def products_frame(self, product_ids: Iterable[int] | None = None) -> pd.DataFrame:
        queryset = Product.objects.all()
        if product_ids is not None:
            queryset = queryset.filter(pk__in=list(product_ids))
        rows = list(self._products(queryset).order_by("pk").values_list(
            "pk", "sku", "name", "summary", "category_id", "brand_name", "price", "structure", "is_public",
            "parent_public", "date_created", "parent_id"))
        paths = self._category_paths()
        attributes = self._attributes([row[0] for row in rows] + [row[-1] for row in rows if row[-1]])
        records = [
            (pk, sku, name, summary, category_id, paths.get(category_id, ("", ""))[1], brand, float(price or 0),
             self._is_active(structure, public, parent_public), created,
             {**attributes.get(parent_id, {}), **attributes.get(pk, {})})
            for pk, sku, name, summary, category_id, brand, price, structure, public, parent_public, created, parent_id
            in rows
        ]
        frame = to_frame(records, PRODUCT_COLUMNS)
        frame = frame.astype({"category_id": "Int64", "price": "float64", "is_active": "bool"})
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame

    def _attributes(self, product_ids: list[int]) -> dict[int, dict[str, Any]]:
        """product id -> {attribute code: value} (JSON-friendly: dates as ISO text)."""
        rows = ProductAttributeValue.objects.filter(product_id__in=product_ids).values_list(
            "product_id", "attribute__code", "value_text", "value_integer", "value_float", "value_boolean",
            "value_option__option", "value_date", "value_richtext")
        out: dict[int, dict[str, Any]] = defaultdict(dict)
        for product_id, code, *values in rows:
            value = next((v for v in values if v not in (None, "")), None)
            out[product_id][code] = value.isoformat() if hasattr(value, "isoformat") else value
        return out

    def product_summaries(self, product_ids: Iterable[int] | None = None) -> dict[int, dict]:
        queryset = Product.objects.all()
        if product_ids is not None:
            queryset = queryset.filter(pk__in=list(product_ids))
        rows = self._products(queryset).order_by("pk").values_list(
            "pk", "sku", "name", "price", "category_id", "structure", "is_public", "parent_public", "date_created",
            "supplier")
        return {
            pk: {"sku": sku, "name": name, "price": float(price or 0), "category_id": category_id,
                 "is_active": self._is_active(structure, public, parent_public), "created_at": created,
                 "supplier": supplier}
            for pk, sku, name, price, category_id, structure, public, parent_public, created, supplier in rows
        }

    def new_product_ids(self, *, since: datetime, limit: int) -> list[int]:
        return list(Product.objects.filter(date_created__gte=since).order_by("-date_created", "-pk")
                    .values_list("pk", flat=True)[:limit])

    def product_category_id(self, product_id: int) -> int | None:
        return self._product_category_map([product_id]).get(product_id)

    def _product_category_map(self, product_ids: Iterable[int]) -> dict[int, int]:
        """product id -> its category id (its own first, else its parent's); one query."""
        rows = (Product.objects.filter(pk__in=list(product_ids))
                .annotate(category=Coalesce(_first_category("pk"), _first_category("parent_id")))
                .values_list("pk", "category"))
        return {pk: category for pk, category in rows if category is not None}

    def product_category_ids(self, product_ids: Iterable[int]) -> dict[int, list[int]]:
        paths = self._category_paths()
        by_path = {path: pk for pk, (path, _) in paths.items()}
        step = Category.steplen
        out = {}
        for product_id, category_id in self._product_category_map(product_ids).items():
            path = paths.get(category_id, ("", ""))[0]
            out[product_id] = [by_path[path[:end]] for end in range(len(path), 0, -step) if path[:end] in by_path]
        return out

    def category_subtree_ids_uncached(self, category_id: int) -> list[int]:
        path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
        return [] if path is None else list(Category.objects.filter(path__startswith=path).values_list("pk", flat=True))

    # --- stock ---------------------------------------------------------------------------------

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, StockLevel]:
        """Stock-managed products are those with a stock record that counts stock, of a product
        class that tracks stock (as product cards see them); on hand is what their records can still
        sell (in stock minus allocated, summed over partners). Oscar keeps no purchase orders (on
        order 0) and no lead times or pack sizes (``ELECTROSHOP_OSCAR``)."""
        records = _counting_records()
        if product_ids is not None:
            records = records.filter(product_id__in=list(product_ids))
        rows = (records.values("product_id").order_by("product_id")
                .annotate(on_hand=Sum(F("num_in_stock") - Coalesce(F("num_allocated"), Value(0))))
                .values_list("product_id", "on_hand"))
        lead, pack, moq = (oscar_setting(key) for key in ("LEAD_TIME_DAYS", "PACK_SIZE", "MINIMUM_ORDER_QUANTITY"))
        return {pid: StockLevel(on_hand=int(on_hand or 0), on_order=0, lead_time_days=lead, pack_size=pack,
                                minimum_order_quantity=moq) for pid, on_hand in rows}

    def stocked_product_ids(self) -> list[int]:
        return list(_counting_records().filter(product__is_public=True)
                    .exclude(product__parent__is_public=False).order_by("product_id")
                    .values_list("product_id", flat=True).distinct())

    # --- the request path ----------------------------------------------------------------------

    def product_cards(self, product_ids: list[int]) -> dict[int, dict]:
        """One query: public, bought-able (not a parent, parent public) products with a priced stock
        record that can sell now."""
        queryset = (Product.objects.filter(pk__in=product_ids, is_public=True).exclude(structure=Product.PARENT)
                    .exclude(parent__is_public=False).filter(_available_record()))
        rows = self._products(queryset).values_list(*CARD_FIELDS)
        return {pk: {"id": pk, "sku": sku, "name": name, "price": decimal_with_places(price, PRICE_PLACES),
                     "currency": currency, "category_id": category_id}
                for pk, sku, name, price, currency, category_id in rows}

    def product_id_for_sku_uncached(self, sku: str) -> int | None:
        return self.product_ids_for_skus([sku]).get(sku)

    def product_ids_for_skus(self, skus: Iterable[str]) -> dict[str, int]:
        """A product's SKU is its UPC, else its first stock record's partner SKU. Two queries: the
        candidates (by UPC or any partner SKU), then their SKUs as the cards show them."""
        wanted = list(dict.fromkeys(sku for sku in skus if sku))
        if not wanted:
            return {}
        candidates = Product.objects.filter(Q(upc__in=wanted) | Q(stockrecords__partner_sku__in=wanted))
        rows = self._products(Product.objects.filter(pk__in=Subquery(candidates.values("pk")))).values_list(
            "sku", "pk").order_by("pk")
        found: dict[str, int] = {}
        for sku, pk in rows:
            if sku in wanted:
                found.setdefault(sku, pk)
        return found

    def existing_product_ids(self, product_ids: Iterable[int]) -> set[int]:
        return set(Product.objects.filter(pk__in=list(product_ids)).values_list("pk", flat=True))
