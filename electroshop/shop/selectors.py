"""Reads of the built-in shop's data, behind electroshop.seam (``adapter.BuiltinShopAdapter``).

Big reads return pandas DataFrames built from ``values_list`` (no model instances); small ones
return plain Python values. Time windows are half-open: ``since <= t < until``. Orders whose
status is cancelled or refunded are never counted as demand or as purchases.

Purchases come from order lines (so a later cancellation or refund is honoured); the ``purchase``
events that the order importers mirror from order lines (``dedupe_key`` starting with
``importers.ORDER_EVENT_KEY_PREFIX``) are therefore skipped, while other purchase events (e.g.
rees46 logs, which have no orders) are kept.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Iterable

import pandas as pd
from django.db import connections
from django.db.models import DateField, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from electroshop.seam.adapter import (
    INTERACTION_COLUMNS,
    ORDER_ENTITY_FIELDS,
    ORDER_LINE_COLUMNS,
    ORDER_RISK_FIELDS,
    PRODUCT_COLUMNS,
    PROMOTION_COLUMNS,
    StockLevel,
)
from electroshop.shop.importers import ORDER_EVENT_KEY_PREFIX, ORDER_SESSION_PREFIX
from electroshop.shop.models import Customer, Event, Order, OrderLine, Product, Promotion, Stock

NOT_DEMAND_STATUSES = (Order.Status.CANCELLED, Order.Status.REFUNDED)


def _window(queryset: QuerySet, field: str, *, since: datetime | None, until: datetime | None) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def _frame(rows: Iterable[tuple], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame.from_records(list(rows), columns=columns)


def interactions_frame(*, since: datetime | None = None, until: datetime) -> pd.DataFrame:
    """Who interacted with which product, when and how, in ``[since, until)``.

    Columns: customer_id (Int64, NA for guests), session_id (str), product_id (int64),
    event_type (str), occurred_at (UTC datetime64), quantity (int64; 1 for browsing events).
    Purchases are the lines of orders that are not cancelled or refunded (session
    ``"order:<number>"``, time = order time); browsing events are every other Event with a
    product, including purchase events that do not mirror an order line. Sorted by time.
    """
    lines = _window(
        OrderLine.objects.exclude(order__status__in=NOT_DEMAND_STATUSES), "order__created_at", since=since, until=until
    ).values_list("order__customer_id", "order__number", "product_id", "order__created_at", "quantity")
    purchases = _frame(lines, ["customer_id", "number", "product_id", "occurred_at", "quantity"])
    purchases.insert(1, "session_id", ORDER_SESSION_PREFIX + purchases.pop("number").astype(str))
    purchases.insert(3, "event_type", Event.Type.PURCHASE.value)

    events = _window(
        Event.objects.filter(product__isnull=False).exclude(
            Q(event_type=Event.Type.PURCHASE) & Q(dedupe_key__startswith=ORDER_EVENT_KEY_PREFIX)
        ),
        "occurred_at",
        since=since,
        until=until,
    ).order_by().values_list("customer_id", "session_id", "product_id", "event_type", "occurred_at")
    browsing = _frame(events, INTERACTION_COLUMNS[:-1])
    browsing["quantity"] = 1

    parts = [part[INTERACTION_COLUMNS] for part in (purchases, browsing) if not part.empty]
    frame = pd.concat(parts, ignore_index=True) if parts else browsing[INTERACTION_COLUMNS]
    frame = frame.astype({"customer_id": "Int64", "product_id": "int64", "quantity": "int64"})
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame.sort_values("occurred_at", kind="stable").reset_index(drop=True)


def order_lines_frame(*, until: datetime, since: datetime | None = None) -> pd.DataFrame:
    """Every order line of orders created in ``[since, until)``, whatever the order's status.

    Columns: order_id, number, customer_id (Int64, NA for guests), product_id, quantity,
    unit_price (float), created_at (UTC), status. Filter on ``status`` to drop cancellations.
    """
    rows = _window(OrderLine.objects.all(), "order__created_at", since=since, until=until).values_list(
        "order_id", "order__number", "order__customer_id", "product_id", "quantity", "unit_price",
        "order__created_at", "order__status",
    )
    frame = _frame(rows, ORDER_LINE_COLUMNS)
    frame = frame.astype({"customer_id": "Int64", "quantity": "int64", "unit_price": "float64"})
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame.sort_values(["created_at", "order_id"], kind="stable").reset_index(drop=True)


def _order_day():
    """The day (project time zone) of an order line's order, to group lines by day.

    On SQLite, TruncDate calls a Python function for every row, in SELECT and in GROUP BY (~60% of a
    two-year demand history read of 10,000 products); when both the project and the connection are in
    UTC, SQLite's own ``date()`` of the stored UTC text is the same day, at C speed."""
    connection = connections[OrderLine.objects.db]
    if (connection.vendor == "sqlite" and connection.timezone_name == "UTC"
            and timezone.get_current_timezone_name() == "UTC"):
        return Func("order__created_at", function="date", output_field=DateField())
    return TruncDate("order__created_at")


def daily_units_frame(*, until: datetime, since: datetime | None = None) -> pd.DataFrame:
    """Units sold per product and day (in the project's time zone) before ``until``.

    Columns: product_id (int64), date (datetime64, midnight), units (int64). Days without sales
    are absent; cancelled and refunded orders are excluded. Sorted by product, date.
    """
    rows = (
        _window(
            OrderLine.objects.exclude(order__status__in=NOT_DEMAND_STATUSES), "order__created_at", since=since, until=until
        )
        .annotate(date=_order_day())
        .values("product_id", "date")
        .annotate(units=Sum("quantity"))
        .order_by("product_id", "date")
        .values_list("product_id", "date", "units")
    )
    frame = _frame(rows, ["product_id", "date", "units"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"product_id": "int64", "units": "int64"})


def products_frame() -> pd.DataFrame:
    """The catalogue: one row per product (active or not).

    Columns: id, sku, name, description, category_id (Int64), category_path (str, "" if none),
    brand_name (str, "" if none), price (float), is_active, created_at (UTC), attributes (dict).
    """
    rows = Product.objects.order_by("id").values_list(
        "id", "sku", "name", "description", "category_id", "category__path", "brand__name", "price", "is_active",
        "created_at", "attributes",
    )
    frame = _frame(rows, PRODUCT_COLUMNS)
    frame["category_path"] = frame["category_path"].fillna("")
    frame["brand_name"] = frame["brand_name"].fillna("")
    frame = frame.astype({"category_id": "Int64", "price": "float64", "is_active": "bool"})
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    return frame


def stock_levels(product_ids: Iterable[int] | None = None) -> dict[int, StockLevel]:
    """product_id -> StockLevel for products that have a Stock row (all, or only ``product_ids``)."""
    queryset = Stock.objects.all()
    if product_ids is not None:
        queryset = queryset.filter(product_id__in=list(product_ids))
    rows = queryset.values_list(
        "product_id", "on_hand", "on_order", "lead_time_days", "pack_size", "minimum_order_quantity"
    )
    return {pid: StockLevel(*rest) for pid, *rest in rows}


def promotions_frame() -> pd.DataFrame:
    """All promotions. Columns: id, name, product_id (Int64), category_id (Int64), starts_on,
    ends_on (inclusive; datetime64 at midnight), discount_percent (float)."""
    rows = Promotion.objects.order_by("starts_on", "id").values_list(*PROMOTION_COLUMNS)
    frame = _frame(rows, PROMOTION_COLUMNS)
    frame = frame.astype({"product_id": "Int64", "category_id": "Int64", "discount_percent": "float64"})
    frame["starts_on"] = pd.to_datetime(frame["starts_on"])
    frame["ends_on"] = pd.to_datetime(frame["ends_on"])
    return frame


def product_by_sku(sku: str) -> Product | None:
    """The product with exactly this SKU (case-sensitive), or None."""
    return Product.objects.select_related("category", "brand").filter(sku=sku).first()


CONSENT_FIELDS = {"personalization": "personalization_consent", "marketing": "marketing_consent"}


def customers_without_consent(to: str, customer_ids: Iterable[int] | None = None) -> set[int]:
    """Customers (of ``customer_ids``, else all) who have not given, or withdrew, their consent
    ``to`` ("personalization" or "marketing"). One query."""
    customers = Customer.objects.filter(**{CONSENT_FIELDS[to]: False})
    if customer_ids is not None:
        ids = list(customer_ids)
        if not ids:
            return set()
        customers = customers.filter(pk__in=ids)
    return set(customers.values_list("pk", flat=True))


def customer_exists(customer_id: int) -> bool:
    """Whether a customer with this id exists."""
    return Customer.objects.filter(pk=customer_id).exists()


# --- small reads on the request path (recommendations) ------------------------------------------------
# Each is one query at most; electroshop.seam.reads caches the slow-changing ones.

def product_id_for_sku_uncached(sku: str) -> int | None:
    return Product.objects.filter(sku=sku).values_list("pk", flat=True).first()


def existing_product_ids(product_ids: Iterable[int]) -> set[int]:
    return set(Product.objects.filter(pk__in=list(product_ids)).values_list("pk", flat=True))


def existing_customer_ids(customer_ids: Iterable[int]) -> set[int]:
    return set(Customer.objects.filter(pk__in=list(customer_ids)).values_list("pk", flat=True))


def product_ids_for_skus(skus: Iterable[str]) -> dict[str, int]:
    """SKU -> product id for the SKUs that exist (exact, case-sensitive)."""
    wanted = list(dict.fromkeys(skus))
    return {sku: pk for sku, pk in Product.objects.filter(sku__in=wanted).values_list("sku", "pk") if sku in wanted}


def product_category_id(product_id: int) -> int | None:
    return Product.objects.filter(pk=product_id).values_list("category_id", flat=True).first()


def product_category_ids(product_ids: Iterable[int]) -> dict[int, list[int]]:
    """Product id -> its category id and every ancestor's (for per-category lists that roll up)."""
    from electroshop.shop.models import Category

    by_path = dict(Category.objects.values_list("path", "pk"))
    id_path = {pk: path for path, pk in by_path.items()}
    out: dict[int, list[int]] = {}
    for product_id, category_id in Product.objects.filter(pk__in=list(product_ids)).values_list("pk", "category_id"):
        if category_id is None:
            continue
        parts = id_path.get(category_id, "").split("/")
        out[product_id] = [by_path["/".join(parts[:n])] for n in range(len(parts), 0, -1) if "/".join(parts[:n]) in by_path]
    return out


def category_subtree_ids_uncached(category_id: int) -> list[int]:
    from electroshop.shop.models import Category

    path = Category.objects.filter(pk=category_id).values_list("path", flat=True).first()
    return [] if path is None else list(
        Category.objects.filter(Q(pk=category_id) | Q(path__startswith=f"{path}/")).values_list("pk", flat=True)
    )


def customer_id_for_user(user_id: int) -> int | None:
    return Customer.objects.filter(user_id=user_id).values_list("pk", flat=True).first()


def customer_segment(customer_id: int) -> str | None:
    """The segment used for cold-start lists (the customer's country), or None if no such customer."""
    if customer_id > 2**63 - 1:
        return None
    row = Customer.objects.filter(pk=customer_id).values_list("country", flat=True).first()
    return None if row is None else row


def popular_products_uncached(*, days: int, limit: int) -> list[tuple[int, float]]:
    from datetime import timedelta

    from django.db.models import Max

    latest = Order.objects.aggregate(latest=Max("created_at"))["latest"]
    if latest is None:
        return []
    rows = (
        OrderLine.objects.filter(order__created_at__gte=latest - timedelta(days=days))
        .exclude(order__status__in=NOT_DEMAND_STATUSES)
        .values("product_id").annotate(units=Sum("quantity")).order_by("-units")[:limit]
    )
    return [(row["product_id"], float(row["units"])) for row in rows]


def _read_showable_cards(product_ids: list[int]) -> dict[int, dict]:
    with connections[Product.objects.db].cursor() as cursor:
        cursor.execute(_showable_cards_sql(len(product_ids)), product_ids)
        rows = cursor.fetchall()
    places = Product._meta.get_field("price").decimal_places
    return {
        pk: {"id": pk, "sku": sku, "name": name, "price": _decimal(price, places), "currency": currency,
             "category_id": category_id}
        for pk, sku, name, price, currency, category_id in rows
    }


def _decimal(value, places: int) -> Decimal | None:
    # SQLite hands back floats for decimal columns; cards show prices with the field's decimal places.
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(f"{value:.{places}f}")


def _quote(name: str) -> str:
    return connections[Product.objects.db].ops.quote_name(name)


def _column(alias: str, model, field: str) -> str:
    return f"{alias}.{_quote(model._meta.get_field(field).column)}"


# The hot reads' SQL is written once per shape from the models' table and column names (a shop
# mapped with unmanaged models still works): building and compiling the equivalent ORM query cost
# more than running it.

@lru_cache(maxsize=512)
def _showable_cards_sql(n_ids: int) -> str:
    """The SQL of :func:`_read_showable_cards` for ``n_ids`` ids (placeholders only)."""
    pid = _column("p", Product, "id")
    select = ", ".join(_column("p", Product, field) for field in ("id", "sku", "name", "price", "currency", "category"))
    return (f"SELECT {select} FROM {_quote(Product._meta.db_table)} p "
            f"LEFT OUTER JOIN {_quote(Stock._meta.db_table)} s ON {_column('s', Stock, 'product')} = {pid} "
            f"WHERE {pid} IN ({', '.join(['%s'] * n_ids)}) AND {_column('p', Product, 'is_active')} "
            f"AND ({_column('s', Stock, 'product')} IS NULL OR {_column('s', Stock, 'on_hand')} > 0)")


@lru_cache(maxsize=1)
def _bought_sql() -> str:
    """The SQL of :func:`purchased_product_ids` (customer id, then the statuses that do not count)."""
    return (f"SELECT DISTINCT {_column('l', OrderLine, 'product')} FROM {_quote(OrderLine._meta.db_table)} l "
            f"INNER JOIN {_quote(Order._meta.db_table)} o ON {_column('l', OrderLine, 'order')} = {_column('o', Order, 'id')} "
            f"WHERE {_column('o', Order, 'customer')} = %s "
            f"AND {_column('o', Order, 'status')} NOT IN ({', '.join(['%s'] * len(NOT_DEMAND_STATUSES))})")


def purchased_product_ids(customer_id: int) -> list[int]:
    """Sorted ids of the products the customer bought in orders that are not cancelled or refunded."""
    with connections[OrderLine.objects.db].cursor() as cursor:
        cursor.execute(_bought_sql(), [customer_id, *(status.value for status in NOT_DEMAND_STATUSES)])
        return sorted(pid for (pid,) in cursor.fetchall())


# --- forecasting reads ------------------------------------------------------------------------------

from django.db.models import F  # noqa: E402 - kept with the functions that use it


def daily_units_for_products(*, product_ids: Iterable[int], until: datetime, since: datetime | None = None) -> pd.DataFrame:
    """Like :func:`daily_units_frame`, for these products only (one chunk of a forecast fill).

    Columns: product_id (int64), date (datetime64, midnight), units (int64), revenue (float).
    """
    rows = (
        _window(
            OrderLine.objects.filter(product_id__in=list(product_ids)).exclude(order__status__in=NOT_DEMAND_STATUSES),
            "order__created_at", since=since, until=until,
        )
        .annotate(date=_order_day())
        .values("product_id", "date")
        .annotate(units=Sum("quantity"), revenue=Sum(F("quantity") * F("unit_price")))
        .order_by("product_id", "date")
        .values_list("product_id", "date", "units", "revenue")
    )
    frame = _frame(rows, ["product_id", "date", "units", "revenue"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.astype({"product_id": "int64", "units": "int64", "revenue": "float64"})


def product_revenue(*, until: datetime, since: datetime | None = None) -> dict[int, float]:
    """product_id -> revenue (quantity x unit price) of orders in ``[since, until)`` that are not
    cancelled or refunded. Products without sales are absent."""
    rows = (
        _window(OrderLine.objects.exclude(order__status__in=NOT_DEMAND_STATUSES), "order__created_at",
                since=since, until=until)
        .values("product_id").annotate(revenue=Sum(F("quantity") * F("unit_price"))).order_by()
        .values_list("product_id", "revenue")
    )
    return {pid: float(revenue or 0) for pid, revenue in rows}


def recent_daily_units(*, until: datetime, since: datetime, product_id: int | None = None,
                       category_ids: Iterable[int] | None = None) -> list[tuple]:
    """[(date, units)] summed over one product, or over the products of these categories (or the
    whole shop when both are None), for days in ``[since, until)`` with sales. One query."""
    queryset = OrderLine.objects.exclude(order__status__in=NOT_DEMAND_STATUSES)
    if product_id is not None:
        queryset = queryset.filter(product_id=product_id)
    elif category_ids is not None:
        queryset = queryset.filter(product__category_id__in=list(category_ids))
    rows = (
        _window(queryset, "order__created_at", since=since, until=until)
        .annotate(date=TruncDate("order__created_at"))
        .values("date").annotate(units=Sum("quantity")).order_by("date").values_list("date", "units")
    )
    return list(rows)


def product_summaries(product_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """product_id -> {sku, name, price (float), category_id, is_active, created_at, supplier} (all, or these)."""
    queryset = Product.objects.all()
    if product_ids is not None:
        queryset = queryset.filter(pk__in=list(product_ids))
    rows = queryset.order_by("pk").values_list(
        "pk", "sku", "name", "price", "category_id", "is_active", "created_at", "stock__supplier"
    )
    return {
        pk: {"sku": sku, "name": name, "price": float(price or 0), "category_id": category_id,
             "is_active": is_active, "created_at": created_at, "supplier": supplier or ""}
        for pk, sku, name, price, category_id, is_active, created_at, supplier in rows
    }


def stocked_product_ids() -> list[int]:
    """Ids of active products that have a Stock row (stock-managed products)."""
    return list(Stock.objects.filter(product__is_active=True).order_by("product_id").values_list("product_id", flat=True))


# --- fraud: reads for order, sign-up and review risk ---------------------------------------------------
# Point in time: every read takes the moment being scored and returns only what existed before it.

def order_for_risk(order_id: int) -> dict | None:
    """One order's fields used by fraud scoring, plus ``customer_created_at``. One query."""
    if not 0 < order_id <= 2**63 - 1:
        return None
    from django.db.models import F

    rows = Order.objects.filter(pk=order_id).order_by().values(*ORDER_RISK_FIELDS, customer_created_at=F("customer__created_at"))
    return next(iter(rows[:1]), None)


def orders_sharing_entities(*, customer_id: int | None, entities: dict, since: datetime, until: datetime,
                            exclude_order_id: int | None = None) -> list[dict]:
    """Orders in ``[since, until]`` of the same customer or sharing any non-blank entity value.

    ``entities`` maps entity fields (email, device_id, ip_address, card_fingerprint,
    shipping_address) to the scored order's values. One query (OR of the entities). Orders at
    exactly ``until`` are included; the caller drops those that come after the scored order.
    """
    match = Q()
    if customer_id is not None:
        match |= Q(customer_id=customer_id)
    for field, value in entities.items():
        if field in ORDER_ENTITY_FIELDS and value not in (None, ""):
            match |= Q(**{f"{field}__iexact" if field in ("email", "shipping_address") else field: value})
    if not match:
        return []
    queryset = Order.objects.filter(match, created_at__gte=since, created_at__lte=until)
    if exclude_order_id is not None:
        queryset = queryset.exclude(pk=exclude_order_id)
    return list(queryset.order_by().values("id", "customer_id", "created_at", "total", *ORDER_ENTITY_FIELDS))


def orders_risk_frame(*, since: datetime | None = None, until: datetime) -> pd.DataFrame:
    """Every order created in ``[since, until)`` with the fields fraud features need, by time then id.

    Columns: ORDER_RISK_FIELDS plus customer_created_at; ``total`` as float, times UTC.
    """
    rows = _window(Order.objects.all(), "created_at", since=since, until=until).order_by("created_at", "id").values_list(
        *ORDER_RISK_FIELDS, "customer__created_at"
    )
    frame = _frame(rows, [*ORDER_RISK_FIELDS, "customer_created_at"])
    frame["total"] = frame["total"].astype(float)
    frame["customer_id"] = frame["customer_id"].astype("Int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"], utc=True)
    frame["customer_created_at"] = pd.to_datetime(frame["customer_created_at"], utc=True)
    return frame


def order_ids_for_numbers(numbers: Iterable[str]) -> dict[str, tuple[int, datetime]]:
    """Order number -> (id, created_at) for the numbers that exist."""
    wanted = list(dict.fromkeys(numbers))
    found: dict[str, tuple[int, datetime]] = {}
    for start in range(0, len(wanted), 500):
        rows = Order.objects.filter(number__in=wanted[start:start + 500]).values_list("number", "pk", "created_at")
        found.update({number: (pk, created) for number, pk, created in rows})
    return found


def customer_for_signup(customer_id: int) -> dict | None:
    """A customer's sign-up facts and the time of their first order (None if none yet). Two queries."""
    row = (
        Customer.objects.filter(pk=customer_id)
        .values("id", "email", "created_at", "signup_ip", "signup_device_id", "signup_source", "country")
        .first()
    )
    if row is None:
        return None
    row["first_order_at"] = (
        Order.objects.filter(customer_id=customer_id).order_by("created_at").values_list("created_at", flat=True).first()
    )
    return row


def signups_sharing(*, customer_id: int, signup_ip: str | None, device_id: str, since: datetime,
                    until: datetime) -> list[dict]:
    """Other customers who signed up in ``[since, until]`` from the same IP or device. One query."""
    match = Q()
    if signup_ip:
        match |= Q(signup_ip=signup_ip)
    if device_id:
        match |= Q(signup_device_id=device_id)
    if not match:
        return []
    return list(
        Customer.objects.filter(match, created_at__gte=since, created_at__lte=until).exclude(pk=customer_id)
        .order_by().values("id", "created_at", "signup_ip", "signup_device_id")
    )


def review_for_risk(review_id: int) -> dict | None:
    """A review's text and context: whether its author bought the product before, and how many
    reviews the author and identical texts had before it. At most four queries."""
    from electroshop.shop.models import Review

    row = Review.objects.filter(pk=review_id).values(
        "id", "product_id", "customer_id", "rating", "title", "text", "status", "created_at"
    ).first()
    if row is None:
        return None
    earlier = Review.objects.filter(created_at__lt=row["created_at"])
    row["verified_purchase"] = bool(row["customer_id"]) and OrderLine.objects.filter(
        order__customer_id=row["customer_id"], product_id=row["product_id"], order__created_at__lte=row["created_at"]
    ).exclude(order__status__in=NOT_DEMAND_STATUSES).exists()
    row["author_reviews_before_1d"] = 0 if not row["customer_id"] else earlier.filter(
        customer_id=row["customer_id"], created_at__gte=row["created_at"] - _timedelta(days=1)
    ).count()
    text = (row["text"] or "").strip()
    row["same_text_before"] = 0 if len(text) < 20 else earlier.filter(text=row["text"]).exclude(pk=review_id).count()
    return row


def review_texts(review_ids: Iterable[int]) -> dict[int, str]:
    from electroshop.shop.models import Review

    return {pk: f"{title} {text}".strip()
            for pk, title, text in Review.objects.filter(pk__in=list(review_ids)).values_list("pk", "title", "text")}


def review_cards(review_ids: Iterable[int]) -> dict[int, dict]:
    """review_id -> {product (name), rating, title, text, created_at}. One query."""
    from electroshop.shop.models import Review

    rows = Review.objects.filter(pk__in=list(review_ids)).values_list(
        "pk", "product__name", "rating", "title", "text", "created_at")
    return {pk: {"product": product, "rating": rating, "title": title, "text": text, "created_at": created_at}
            for pk, product, rating, title, text, created_at in rows}


def set_review_status(review_id: int, status: str) -> bool:
    """See ShopAdapter.set_review_status: "held" only hides a pending or published review."""
    from electroshop.shop.models import Review

    reviews = Review.objects.filter(pk=review_id)
    if status == Review.Status.HELD:
        reviews = reviews.filter(status__in=[Review.Status.PENDING, Review.Status.PUBLISHED])
    elif status not in (Review.Status.PUBLISHED, Review.Status.REJECTED):
        raise ValueError(f"unknown review status {status!r}")
    return reviews.update(status=status) > 0


def _timedelta(**kwargs):
    from datetime import timedelta

    return timedelta(**kwargs)


def customer_created_at(customer_id: int) -> datetime | None:
    """When the customer signed up, or None if there is no such customer."""
    if not 0 < customer_id <= 2**63 - 1:
        return None
    return Customer.objects.filter(pk=customer_id).values_list("created_at", flat=True).first()
