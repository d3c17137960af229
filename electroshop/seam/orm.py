"""ModelShopAdapter: the ShopAdapter of a shop whose tables are Django models.

A shop binds its model classes and a few lookups as class attributes (the built-in shop:
``electroshop/shop/adapter.py``); every read is written against those. Big reads return pandas
DataFrames built from ``values_list`` (no model instances); small ones return plain values.

Purchases come from order lines (so a later cancellation or refund is honoured); purchase events
that the shop mirrors from order lines (``dedupe_key`` starting with
``mirrored_purchase_event_prefix``) are skipped, while other purchase events (e.g. logs of a shop
without orders) are kept.

Optional customer and order columns (consent, sign-up facts, order identities) are looked up on
the models once: a missing one reads as blank ("" or None), and missing consent as the built-in
defaults (personalise yes, market no), so rules and features treat it as absent. Categories
without a ``path`` column get their "A/B/C" paths from the parent links.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

import pandas as pd
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import DateField, F, Func, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from .adapter import (
    INTERACTION_COLUMNS,
    ORDER_LINE_COLUMNS,
    ORDER_SESSION_PREFIX,
    PRODUCT_COLUMNS,
    PROMOTION_COLUMNS,
    EventType,
    ShopAdapter,
    StockLevel,
    StockWriteNotSupported,
)
from .frames import decimal_with_places, in_window, to_compact_frame, to_frame
from .orm_risk import ModelRiskReads

CONSENT_FIELDS = {"personalization": "personalization_consent", "marketing": "marketing_consent"}
# What a customer without a consent column is taken to have agreed to.
CONSENT_DEFAULTS = {"personalization": True, "marketing": False}
MAX_MEMOISED_CARD_SHAPES = 512


class ModelShopAdapter(ModelRiskReads, ShopAdapter):
    """The reads over configurable models. Field names are the built-in shop's; a shop whose models
    differ overrides the lookups below or the methods that use them.

    Expected fields: product (sku, name, description, category, price, currency, is_active,
    created_at, attributes), category (path "A/B/C", or name and parent), stock (product, on_hand, on_order,
    lead_time_days, pack_size, minimum_order_quantity), customer (created_at, country, optional
    consent and sign-up columns), order (number, customer, created_at, status, total, optional
    identities), order line (order, product, quantity, unit_price).
    """

    product_model: Any = None
    category_model: Any = None
    customer_model: Any = None
    order_model: Any = None
    order_line_model: Any = None
    stock_model: Any = None
    review_model: Any = None  # None: reviews are not scored (the ShopAdapter defaults)
    promotion_model: Any = None  # None: no promotion features
    not_demand_statuses: tuple[str, ...] = ()  # order statuses that are not demand (cancelled, refunded)
    review_hideable_statuses: tuple[str, ...] = ("pending", "published")  # what set_review_status("held") hides
    brand_lookup = "brand__name"
    supplier_lookup = "stock__supplier"
    category_path_lookup = "category__path"
    mirrored_purchase_event_prefix: str | None = None
    customer_user_field = "user"  # the customer's link to the Django user

    def __init__(self) -> None:
        # The hot reads' SQL is written once per shape from the models' table and column names
        # (building and compiling the equivalent ORM query costs more than running it).
        self._sql_cache: dict[Any, str] = {}
        self._field_cache: dict[tuple[Any, str], bool] = {}

    # --- helpers -------------------------------------------------------------------------------

    def _has_field(self, model, name: str) -> bool:
        key = (model, name)
        if key not in self._field_cache:
            try:
                model._meta.get_field(name)  # a foreign key's attname ("customer_id") is found too
                self._field_cache[key] = True
            except FieldDoesNotExist:
                self._field_cache[key] = False
        return self._field_cache[key]

    def _present(self, model, fields: Iterable[str]) -> list[str]:
        return [field for field in fields if self._has_field(model, field)]

    def _demand_lines(self) -> QuerySet:
        return self.order_line_model.objects.exclude(order__status__in=self.not_demand_statuses)

    def _order_day(self):
        """The day (project time zone) of an order line's order, to group lines by day.

        On SQLite, TruncDate calls a Python function for every row, in SELECT and in GROUP BY (~60% of a
        two-year demand history read of 10,000 products); when both the project and the connection are in
        UTC, SQLite's own ``date()`` of the stored UTC text is the same day, at C speed."""
        connection = connections[self.order_line_model.objects.db]
        if (connection.vendor == "sqlite" and connection.timezone_name == "UTC"
                and timezone.get_current_timezone_name() == "UTC"):
            return Func("order__created_at", function="date", output_field=DateField())
        return TruncDate("order__created_at")

    def _quote(self, name: str) -> str:
        return connections[self.product_model.objects.db].ops.quote_name(name)

    def _column(self, alias: str, model, field: str) -> str:
        return f"{alias}.{self._quote(model._meta.get_field(field).column)}"

    # --- catalogue -----------------------------------------------------------------------------

    def products_frame(self, product_ids: Iterable[int] | None = None) -> pd.DataFrame:
        products = self.product_model.objects.all()
        if product_ids is not None:
            products = products.filter(pk__in=list(product_ids))
        rows = products.order_by("id").values_list(
            "id", "sku", "name", "description", "category_id",
            self.category_path_lookup if self._has_category_paths() else "category_id", self.brand_lookup, "price",
            "is_active", "created_at", "attributes",
        )
        frame = to_frame(rows, PRODUCT_COLUMNS)
        if not self._has_category_paths():
            frame["category_path"] = frame["category_id"].map(self._category_paths())
        frame["category_path"] = frame["category_path"].fillna("")
        frame["brand_name"] = frame["brand_name"].fillna("")
        frame = frame.astype({"category_id": "Int64", "price": "float64", "is_active": "bool"})
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame

    def product_summaries(self, product_ids: Iterable[int] | None = None) -> dict[int, dict]:
        queryset = self.product_model.objects.all()
        if product_ids is not None:
            queryset = queryset.filter(pk__in=list(product_ids))
        rows = queryset.order_by("pk").values_list(
            "pk", "sku", "name", "price", "category_id", "is_active", "created_at", self.supplier_lookup
        )
        return {
            pk: {"sku": sku, "name": name, "price": float(price or 0), "category_id": category_id,
                 "is_active": is_active, "created_at": created_at, "supplier": supplier or ""}
            for pk, sku, name, price, category_id, is_active, created_at, supplier in rows
        }

    def new_product_ids(self, *, since: datetime, limit: int) -> list[int]:
        return list(self.product_model.objects.filter(created_at__gte=since).order_by("-created_at", "-pk")
                    .values_list("pk", flat=True)[:limit])

    def product_category_id(self, product_id: int) -> int | None:
        return self.product_model.objects.filter(pk=product_id).values_list("category_id", flat=True).first()

    def _has_category_paths(self) -> bool:
        return self._has_field(self.category_model, "path")

    def _category_paths(self) -> dict[int, str]:
        """Category id -> "A/B/C": the ``path`` column, or, for categories without one, the names along
        the parent links (one query either way)."""
        categories = self.category_model.objects
        if self._has_category_paths():
            return dict(categories.values_list("pk", "path"))
        links = {pk: (parent_id, name) for pk, parent_id, name in categories.values_list("pk", "parent_id", "name")}
        paths: dict[int, str] = {}
        for pk in links:
            names, node, seen = [], pk, set()
            while node in links and node not in seen:  # a broken or cyclic link ends the walk
                seen.add(node)
                parent_id, name = links[node]
                names.append(name)
                node = parent_id
            paths[pk] = "/".join(reversed(names))
        return paths

    def product_category_ids(self, product_ids: Iterable[int]) -> dict[int, list[int]]:
        id_path = self._category_paths()
        by_path = {path: pk for pk, path in id_path.items()}
        out: dict[int, list[int]] = {}
        rows = self.product_model.objects.filter(pk__in=list(product_ids)).values_list("pk", "category_id")
        for product_id, category_id in rows:
            if category_id is None:
                continue
            parts = id_path.get(category_id, "").split("/")
            prefixes = ("/".join(parts[:n]) for n in range(len(parts), 0, -1))
            out[product_id] = [by_path[prefix] for prefix in prefixes if prefix in by_path]
        return out

    def category_subtree_ids_uncached(self, category_id: int) -> list[int]:
        if not self._has_category_paths():
            paths = self._category_paths()
            path = paths.get(category_id)
            return [] if path is None else [
                pk for pk, other in paths.items() if pk == category_id or other.startswith(f"{path}/")]
        categories = self.category_model.objects
        path = categories.filter(pk=category_id).values_list("path", flat=True).first()
        return [] if path is None else list(
            categories.filter(Q(pk=category_id) | Q(path__startswith=f"{path}/")).values_list("pk", flat=True)
        )

    def promotions_frame(self) -> pd.DataFrame:
        if self.promotion_model is None:
            return super().promotions_frame()
        rows = self.promotion_model.objects.order_by("starts_on", "id").values_list(*PROMOTION_COLUMNS)
        frame = to_frame(rows, PROMOTION_COLUMNS)
        frame = frame.astype({"product_id": "Int64", "category_id": "Int64", "discount_percent": "float64"})
        frame["starts_on"] = pd.to_datetime(frame["starts_on"])
        frame["ends_on"] = pd.to_datetime(frame["ends_on"])
        return frame

    # --- stock ---------------------------------------------------------------------------------

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, StockLevel]:
        queryset = self.stock_model.objects.all()
        if product_ids is not None:
            queryset = queryset.filter(product_id__in=list(product_ids))
        rows = queryset.values_list(
            "product_id", "on_hand", "on_order", "lead_time_days", "pack_size", "minimum_order_quantity"
        )
        return {pid: StockLevel(*rest) for pid, *rest in rows}

    def stocked_product_ids(self) -> list[int]:
        return list(self.stock_model.objects.filter(product__is_active=True).order_by("product_id")
                    .values_list("product_id", flat=True))

    def adjust_stock(self, product_id: int, *, on_hand: int = 0, on_order: int = 0) -> StockLevel:
        """Through the stock model's ``save()`` (so the shop's own signals run), when the product has
        exactly one stock row; a shop keeping several (e.g. per warehouse) overrides this."""
        rows = list(self.stock_model.objects.select_for_update().filter(product_id=product_id)[:2])
        if len(rows) != 1:
            raise StockWriteNotSupported(
                f"product {product_id} has {'no' if not rows else 'several'} stock rows: "
                f"{type(self).__name__}.adjust_stock writes a single row per product")
        row = rows[0]
        row.on_hand += on_hand
        row.on_order = max(row.on_order + on_order, 0)
        row.save()
        return self.stock_levels([product_id])[product_id]

    # --- customers -----------------------------------------------------------------------------

    def customer_exists(self, customer_id: int) -> bool:
        return self.customer_model.objects.filter(pk=customer_id).exists()

    def existing_customer_ids(self, customer_ids: Iterable[int]) -> set[int]:
        return set(self.customer_model.objects.filter(pk__in=list(customer_ids)).values_list("pk", flat=True))

    def customer_segment(self, customer_id: int) -> str | None:
        if customer_id > 2**63 - 1:
            return None
        return self.customer_model.objects.filter(pk=customer_id).values_list("country", flat=True).first()

    def customer_segments(self, customer_ids: Iterable[int]) -> dict[int, str]:
        rows = self.customer_model.objects.filter(pk__in=list(customer_ids)).values_list("pk", "country")
        return {pk: country or "" for pk, country in rows}

    def customer_created_at(self, customer_id: int) -> datetime | None:
        if not 0 < customer_id <= 2**63 - 1:
            return None
        return self.customer_model.objects.filter(pk=customer_id).values_list("created_at", flat=True).first()

    def customer_id_for_user(self, user_id: int) -> int | None:
        return (self.customer_model.objects.filter(**{f"{self.customer_user_field}_id": user_id})
                .values_list("pk", flat=True).first())

    def is_customer(self, obj: Any) -> bool:
        return isinstance(obj, self.customer_model)

    def customers_without_consent(self, to: str, customer_ids: Iterable[int] | None = None) -> set[int]:
        field = CONSENT_FIELDS[to]
        customers = self.customer_model.objects.all()
        if self._has_field(self.customer_model, field):
            customers = customers.filter(**{field: False})
        elif CONSENT_DEFAULTS[to]:
            return set()
        if customer_ids is not None:
            ids = list(customer_ids)
            if not ids:
                return set()
            customers = customers.filter(pk__in=ids)
        return set(customers.values_list("pk", flat=True))

    # --- orders and demand ---------------------------------------------------------------------

    def interactions_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        lines = in_window(self._demand_lines(), "order__created_at", since=since, until=until).values_list(
            "order__customer_id", "order__number", "product_id", "order__created_at", "quantity"
        )
        purchases = to_compact_frame(lines, ["customer_id", "number", "product_id", "occurred_at", "quantity"],
                                     datetimes=["occurred_at"])
        purchases.insert(1, "session_id", ORDER_SESSION_PREFIX + purchases.pop("number").astype(str))
        purchases.insert(3, "event_type", EventType.PURCHASE.value)

        events = self.event_model.objects.filter(product_id__isnull=False)
        if self.mirrored_purchase_event_prefix:
            events = events.exclude(
                Q(event_type=EventType.PURCHASE) & Q(dedupe_key__startswith=self.mirrored_purchase_event_prefix)
            )
        events = in_window(events, "occurred_at", since=since, until=until).order_by().values_list(
            "customer_id", "session_id", "product_id", "event_type", "occurred_at"
        )
        browsing = to_compact_frame(events, INTERACTION_COLUMNS[:-1], datetimes=["occurred_at"])
        browsing["quantity"] = 1

        parts = [part[INTERACTION_COLUMNS] for part in (purchases, browsing) if not part.empty]
        frame = pd.concat(parts, ignore_index=True) if parts else browsing[INTERACTION_COLUMNS]
        frame = frame.astype({"customer_id": "Int64", "product_id": "int64", "quantity": "int64"})
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
        return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)

    def order_lines_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        lines = in_window(self.order_line_model.objects.all(), "order__created_at", since=since, until=until)
        rows = lines.values_list(
            "order_id", "order__number", "order__customer_id", "product_id", "quantity", "unit_price",
            "order__created_at", "order__status",
        )
        frame = to_frame(rows, ORDER_LINE_COLUMNS)
        frame = frame.astype({"customer_id": "Int64", "quantity": "int64", "unit_price": "float64"})
        frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
        return frame.sort_values(["created_at", "order_id"], kind="stable").reset_index(drop=True)

    def daily_units_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        rows = (
            in_window(self._demand_lines(), "order__created_at", since=since, until=until)
            .annotate(date=self._order_day())
            .values("product_id", "date")
            .annotate(units=Sum("quantity"))
            .order_by("product_id", "date")
            .values_list("product_id", "date", "units")
        )
        frame = to_frame(rows, ["product_id", "date", "units"])
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.astype({"product_id": "int64", "units": "int64"})

    def daily_units_for_products(self, *, product_ids: Iterable[int], until: datetime,
                                 since: datetime | None = None) -> pd.DataFrame:
        rows = (
            in_window(self._demand_lines().filter(product_id__in=list(product_ids)), "order__created_at",
                    since=since, until=until)
            .annotate(date=self._order_day())
            .values("product_id", "date")
            .annotate(units=Sum("quantity"), revenue=Sum(F("quantity") * F("unit_price")))
            .order_by("product_id", "date")
            .values_list("product_id", "date", "units", "revenue")
        )
        frame = to_frame(rows, ["product_id", "date", "units", "revenue"])
        frame["date"] = pd.to_datetime(frame["date"])
        return frame.astype({"product_id": "int64", "units": "int64", "revenue": "float64"})

    def product_revenue(self, *, until: datetime, since: datetime | None = None) -> dict[int, float]:
        rows = (
            in_window(self._demand_lines(), "order__created_at", since=since, until=until)
            .values("product_id").annotate(revenue=Sum(F("quantity") * F("unit_price"))).order_by()
            .values_list("product_id", "revenue")
        )
        return {pid: float(revenue or 0) for pid, revenue in rows}

    def recent_daily_units(self, *, until: datetime, since: datetime, product_id: int | None = None,
                           category_ids: Iterable[int] | None = None) -> list[tuple]:
        queryset = self._demand_lines()
        if product_id is not None:
            queryset = queryset.filter(product_id=product_id)
        elif category_ids is not None:
            queryset = queryset.filter(product__category_id__in=list(category_ids))
        rows = (
            in_window(queryset, "order__created_at", since=since, until=until)
            .annotate(date=TruncDate("order__created_at"))
            .values("date").annotate(units=Sum("quantity")).order_by("date").values_list("date", "units")
        )
        return list(rows)

    def popular_products_uncached(self, *, days: int, limit: int) -> list[tuple[int, float]]:
        latest = self.order_model.objects.aggregate(latest=Max("created_at"))["latest"]
        if latest is None:
            return []
        rows = (
            self._demand_lines().filter(order__created_at__gte=latest - timedelta(days=days))
            .values("product_id").annotate(units=Sum("quantity")).order_by("-units")[:limit]
        )
        return [(row["product_id"], float(row["units"])) for row in rows]

    # --- the request path ----------------------------------------------------------------------

    @property
    def sku_max_length(self) -> int:
        return self.product_model._meta.get_field("sku").max_length

    def card_stock_sql(self, product_column: str) -> tuple[str, str]:
        """(JOIN, condition) that keep only products in stock or not stock-managed, for the card SQL.
        A shop with stock per warehouse overrides this (e.g. a subquery summing its stock rows)."""
        stock = self.stock_model
        join = (f"LEFT OUTER JOIN {self._quote(stock._meta.db_table)} s "
                f"ON {self._column('s', stock, 'product')} = {product_column}")
        condition = f"({self._column('s', stock, 'product')} IS NULL OR {self._column('s', stock, 'on_hand')} > 0)"
        return join, condition

    def _showable_cards_sql(self, n_ids: int) -> str:
        """The SQL of :meth:`product_cards` for ``n_ids`` ids (placeholders only), memoised per shape."""
        sql = self._sql_cache.get(("cards", n_ids))
        if sql is None:
            product = self.product_model
            pid = self._column("p", product, "id")
            select = ", ".join(self._column("p", product, field)
                               for field in ("id", "sku", "name", "price", "currency", "category"))
            stock_join, stock_condition = self.card_stock_sql(pid)
            sql = (f"SELECT {select} FROM {self._quote(product._meta.db_table)} p {stock_join} "
                   f"WHERE {pid} IN ({', '.join(['%s'] * n_ids)}) AND {self._column('p', product, 'is_active')} "
                   f"AND {stock_condition}")
            if len(self._sql_cache) < MAX_MEMOISED_CARD_SHAPES:
                self._sql_cache[("cards", n_ids)] = sql
        return sql

    def product_cards(self, product_ids: list[int]) -> dict[int, dict]:
        with connections[self.product_model.objects.db].cursor() as cursor:
            cursor.execute(self._showable_cards_sql(len(product_ids)), product_ids)
            rows = cursor.fetchall()
        places = self.product_model._meta.get_field("price").decimal_places
        return {
            pk: {"id": pk, "sku": sku, "name": name, "price": decimal_with_places(price, places), "currency": currency,
                 "category_id": category_id}
            for pk, sku, name, price, currency, category_id in rows
        }

    def _bought_sql(self) -> str:
        """The SQL of :meth:`purchased_product_ids` (customer id, then the statuses that do not count)."""
        sql = self._sql_cache.get("bought")
        if sql is None:
            line, order = self.order_line_model, self.order_model
            sql = self._sql_cache["bought"] = (
                f"SELECT DISTINCT {self._column('l', line, 'product')} FROM {self._quote(line._meta.db_table)} l "
                f"INNER JOIN {self._quote(order._meta.db_table)} o "
                f"ON {self._column('l', line, 'order')} = {self._column('o', order, 'id')} "
                f"WHERE {self._column('o', order, 'customer')} = %s "
                f"AND {self._column('o', order, 'status')} NOT IN ({', '.join(['%s'] * len(self.not_demand_statuses))})"
            )
        return sql

    def purchased_product_ids(self, customer_id: int) -> list[int]:
        with connections[self.order_line_model.objects.db].cursor() as cursor:
            cursor.execute(self._bought_sql(), [customer_id, *self.not_demand_statuses])
            return sorted(pid for (pid,) in cursor.fetchall())

    def purchased_product_ids_by_customer(self, customer_ids: Iterable[int]) -> dict[int, list[int]]:
        ids = list(customer_ids)
        if not ids:
            return {}
        rows = (self._demand_lines().filter(order__customer_id__in=ids).order_by()
                .values_list("order__customer_id", "product_id").distinct())
        out: dict[int, list[int]] = {}
        for customer_id, product_id in rows:
            out.setdefault(customer_id, []).append(product_id)
        return {customer_id: sorted(products) for customer_id, products in out.items()}

    def purchase_times(self, customer_id: int) -> dict[int, list[datetime]]:
        out: dict[int, list[datetime]] = {}
        for product_id, placed in (self._demand_lines().filter(order__customer_id=customer_id)
                                   .order_by("order__created_at").values_list("product_id", "order__created_at")):
            out.setdefault(product_id, []).append(placed)
        return out

    def order_product_ids(self, order_id: int) -> list[int]:
        if not 0 < order_id <= 2**63 - 1:
            return []
        return sorted(set(self.order_line_model.objects.filter(order_id=order_id).values_list("product_id", flat=True)))

    def product_id_for_sku_uncached(self, sku: str) -> int | None:
        return self.product_model.objects.filter(sku=sku).values_list("pk", flat=True).first()

    def product_ids_for_skus(self, skus: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(skus))
        rows = self.product_model.objects.filter(sku__in=wanted).values_list("sku", "pk")
        return {sku: pk for sku, pk in rows if sku in wanted}

    def existing_product_ids(self, product_ids: Iterable[int]) -> set[int]:
        return set(self.product_model.objects.filter(pk__in=list(product_ids)).values_list("pk", flat=True))
