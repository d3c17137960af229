"""The interface through which the AI apps read (and, for reviews, write) the shop's data.

A shop plugs in by subclassing :class:`ShopAdapter` and naming the class in
``ELECTROSHOP["SHOP_ADAPTER"]`` (see ``registry.py``). Methods marked *abstract* must be
implemented; the others have a default that turns the feature off when a shop has no such data.

Conventions shared by every method:

* Ids are the shop's integer primary keys (products, categories, customers, orders, reviews).
* Time windows are half-open, ``since <= t < until``, unless a method says otherwise.
* Orders whose status says they were cancelled or refunded never count as demand or purchases.
* Big reads return pandas DataFrames with the columns listed here; small ones plain values.
* Every method is a read of the current data, without caching: ``electroshop.seam.reads``
  holds the cached wrappers the request path uses.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

import pandas as pd
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

INTERACTION_COLUMNS = ["customer_id", "session_id", "product_id", "event_type", "occurred_at", "quantity"]
ORDER_LINE_COLUMNS = ["order_id", "number", "customer_id", "product_id", "quantity", "unit_price", "created_at", "status"]
PRODUCT_COLUMNS = [
    "id", "sku", "name", "description", "category_id", "category_path", "brand_name", "price", "is_active",
    "created_at", "attributes",
]
PROMOTION_COLUMNS = ["id", "name", "product_id", "category_id", "starts_on", "ends_on", "discount_percent"]
ORDER_RISK_FIELDS = [
    "id", "number", "customer_id", "email", "created_at", "status", "total", "currency", "billing_country",
    "shipping_country", "shipping_address", "ip_address", "ip_country", "device_id", "user_agent",
    "payment_method", "card_fingerprint", "card_bin", "card_country", "avs_result", "cvc_result", "three_ds_result",
]
# The payment provider's checks, when the shop sends them (each optional): the values an order field holds.
PAYMENT_SIGNAL_VALUES = {
    "avs_result": ("match", "partial", "no_match", "unavailable"),  # address verification
    "cvc_result": ("match", "no_match", "unavailable"),  # card security code
    "three_ds_result": ("authenticated", "attempted", "failed", "not_enrolled"),  # 3-D Secure outcome
}
ORDER_ENTITY_FIELDS = ("email", "device_id", "ip_address", "card_fingerprint", "shipping_address")
REVIEW_STATUSES = ("held", "published", "rejected")
# interactions_frame's session of a purchase: this prefix and the order number.
ORDER_SESSION_PREFIX = "order:"


class EventType(models.TextChoices):
    """What a browsing event records (the ``event_type`` of the adapter's event_model)."""

    VIEW = "view"
    CLICK = "click"
    CART = "cart"
    WISHLIST = "wishlist"
    PURCHASE = "purchase"
    SEARCH = "search"
    REVIEW = "review"
    IMPRESSION = "impression"


@dataclass(frozen=True)
class StockLevel:
    on_hand: int
    on_order: int
    lead_time_days: int
    pack_size: int
    minimum_order_quantity: int


class StockWriteNotSupported(NotImplementedError):
    """The shop's adapter takes no stock writes: purchase orders can be drafted but not sent or received."""


class ShopAdapter(ABC):
    """One shop's data as the AI apps see it. One instance serves the whole process."""

    # --- catalogue -----------------------------------------------------------------------------

    @abstractmethod
    def products_frame(self, product_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Every product (or only these), active or not: PRODUCT_COLUMNS. category_id Int64,
        category_path and brand_name "" when none, price float, created_at UTC, attributes a dict."""

    @abstractmethod
    def product_summaries(self, product_ids: Iterable[int] | None = None) -> dict[int, dict]:
        """product_id -> {sku, name, price (float), category_id, is_active, created_at, supplier} (all, or these)."""

    @abstractmethod
    def product_category_id(self, product_id: int) -> int | None:
        """The product's category id, or None."""

    @abstractmethod
    def product_category_ids(self, product_ids: Iterable[int]) -> dict[int, list[int]]:
        """product_id -> [its category id, then each ancestor's]; products without a category are absent."""

    @abstractmethod
    def category_subtree_ids_uncached(self, category_id: int) -> list[int]:
        """The category and all its descendants; [] if it does not exist."""

    def new_product_ids(self, *, since: datetime, limit: int) -> list[int]:
        """Ids of the products created at or after ``since``, newest first (ties: the higher id first),
        at most ``limit``, active or not ("new in" lists; the read keeps those that may be shown).
        Default: from :meth:`product_summaries` of every product; a shop overrides it with one query."""
        created = [(summary["created_at"], pid) for pid, summary in self.product_summaries().items()
                   if summary.get("created_at") is not None and summary["created_at"] >= since]
        return [pid for _, pid in sorted(created, reverse=True)[:limit]]

    def promotions_frame(self) -> pd.DataFrame:
        """Price promotions: PROMOTION_COLUMNS (starts_on, ends_on inclusive, datetime64 at midnight).
        Default: none, so forecasts have no promotion features."""
        return pd.DataFrame(columns=PROMOTION_COLUMNS)

    # --- stock ---------------------------------------------------------------------------------

    @abstractmethod
    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, StockLevel]:
        """product_id -> StockLevel for stock-managed products (all, or only these)."""

    @abstractmethod
    def stocked_product_ids(self) -> list[int]:
        """Sorted ids of the active, stock-managed products."""

    def adjust_stock(self, product_id: int, *, on_hand: int = 0, on_order: int = 0) -> StockLevel:
        """Add ``on_hand`` and ``on_order`` (either may be negative) to a stock-managed product's stock,
        in the caller's transaction, and return its new level; on order never goes below 0. The
        forecasting app's purchase orders call it: sending adds to on order, a receipt moves units
        from on order to on hand, a cancellation takes the rest back. A shop that sends
        ``signals.stock_changed`` itself does so here. Default: the shop takes no such write
        (:class:`StockWriteNotSupported`)."""
        raise StockWriteNotSupported(
            f"{type(self).__name__} cannot write stock: implement ShopAdapter.adjust_stock to send or receive "
            "purchase orders through the plugin")

    # --- customers -----------------------------------------------------------------------------

    @abstractmethod
    def customer_exists(self, customer_id: int) -> bool: ...

    @abstractmethod
    def existing_customer_ids(self, customer_ids: Iterable[int]) -> set[int]:
        """Those of ``customer_ids`` that exist. One query."""

    @abstractmethod
    def customer_segment(self, customer_id: int) -> str | None:
        """The segment of cold-start lists (e.g. the country); None if there is no such customer."""

    def customer_segments(self, customer_ids: Iterable[int]) -> dict[int, str]:
        """customer_id -> :meth:`customer_segment` for those of ``customer_ids`` that exist (the fill's
        segment lists). Default: one :meth:`customer_segment` each; a shop overrides it with one query."""
        found = {customer_id: self.customer_segment(customer_id) for customer_id in customer_ids}
        return {customer_id: segment for customer_id, segment in found.items() if segment is not None}

    def first_product_ids(self, customer_id: int, *, limit: int) -> list[int]:
        """The products of the customer's first ``limit`` events with a product (the :attr:`event_model`'s),
        oldest first: a new customer's cold-start segment. One query."""
        return list(self.event_model.objects.filter(customer_id=customer_id, product_id__isnull=False)
                    .order_by("occurred_at", "pk").values_list("product_id", flat=True)[:limit])

    @abstractmethod
    def customer_created_at(self, customer_id: int) -> datetime | None:
        """When the customer signed up; None if there is no such customer."""

    @abstractmethod
    def customer_id_for_user(self, user_id: int) -> int | None:
        """The customer of this Django user, or None. One query."""

    # The reverse one-to-one from the Django user to the shop's customer model ("customer" in the
    # built-in shop): the API's token cache loads it with the user. None: the shop has none.
    user_customer_relation: str | None = None

    def customer_id_of_user(self, user: Any) -> int | None:
        """The customer id of a signed-in user: no query when the relation is already loaded."""
        if self.user_customer_relation is None:
            return self.customer_id_for_user(user.pk)
        try:
            customer = getattr(user, self.user_customer_relation)
        except ObjectDoesNotExist:  # the user has no customer
            return None
        return customer.pk if customer is not None else None

    def is_customer(self, obj: Any) -> bool:
        """Whether ``obj`` is one of the shop's customer objects (its pk the customer id). Default: no."""
        return False

    @abstractmethod
    def customers_without_consent(self, to: str, customer_ids: Iterable[int] | None = None) -> set[int]:
        """Customers (of ``customer_ids``, else all) who have not given, or withdrew, their consent
        ``to`` "personalization" or "marketing". One query."""

    # --- orders and demand (bulk reads of the training jobs) ---------------------------------------

    @abstractmethod
    def interactions_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        """Who interacted with which product, when and how: INTERACTION_COLUMNS, sorted by time.
        Purchases are order lines (session ``"order:<number>"``); browsing events are the rest."""

    @abstractmethod
    def order_lines_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        """Every order line of orders in the window, whatever their status: ORDER_LINE_COLUMNS."""

    @abstractmethod
    def daily_units_frame(self, *, until: datetime, since: datetime | None = None) -> pd.DataFrame:
        """Units sold per product and day: product_id, date (datetime64, midnight), units."""

    @abstractmethod
    def daily_units_for_products(self, *, product_ids: Iterable[int], until: datetime,
                                 since: datetime | None = None) -> pd.DataFrame:
        """Like daily_units_frame for these products, plus revenue (float)."""

    @abstractmethod
    def product_revenue(self, *, until: datetime, since: datetime | None = None) -> dict[int, float]:
        """product_id -> revenue in the window; products without sales are absent."""

    @abstractmethod
    def recent_daily_units(self, *, until: datetime, since: datetime, product_id: int | None = None,
                           category_ids: Iterable[int] | None = None) -> list[tuple]:
        """[(date, units)] of one product, of these categories' products, or of the whole shop. One query."""

    @abstractmethod
    def popular_products_uncached(self, *, days: int, limit: int) -> list[tuple[int, float]]:
        """[(product_id, units)]: best sellers over the last ``days`` of orders."""

    # --- the request path (one query each) -----------------------------------------------------

    sku_max_length: int = 64

    @abstractmethod
    def product_cards(self, product_ids: list[int]) -> dict[int, dict]:
        """product_id -> {id, sku, name, price (Decimal), currency, category_id} for those of the
        products that may be shown now (active and available)."""

    @abstractmethod
    def purchased_product_ids(self, customer_id: int) -> list[int]:
        """Sorted ids of the products the customer bought."""

    def purchased_product_ids_by_customer(self, customer_ids: Iterable[int]) -> dict[int, list[int]]:
        """customer_id -> :meth:`purchased_product_ids`, for those of ``customer_ids`` who bought
        something (the fill's exclusions). Default: one :meth:`purchased_product_ids` each; a shop
        overrides it with one query."""
        found = {customer_id: self.purchased_product_ids(customer_id) for customer_id in customer_ids}
        return {customer_id: ids for customer_id, ids in found.items() if ids}

    def purchase_times(self, customer_id: int) -> dict[int, list[datetime]]:
        """product_id -> when the customer ordered it (the orders' times, oldest first), in orders that
        count as demand ("buy it again"). One query. Default: no purchases known, so no such list."""
        return {}

    def recently_viewed_product_ids(self, *, customer_id: int | None = None, session_id: str = "",
                                    limit: int) -> list[int]:
        """The products the customer (or else the browser session) viewed, most recent view first, each
        once, at most ``limit``: the :attr:`event_model`'s view events. One query (of at most
        ``4 * limit`` events: a visitor who viewed few products many times gets fewer than ``limit``)."""
        if customer_id is None and not session_id:
            return []
        events = self.event_model.objects.filter(event_type=EventType.VIEW, product_id__isnull=False)
        events = events.filter(customer_id=customer_id) if customer_id is not None else events.filter(
            session_id=session_id)
        ids = events.order_by("-occurred_at", "-pk").values_list("product_id", flat=True)[: 4 * limit]
        return list(dict.fromkeys(ids))[:limit]

    @abstractmethod
    def product_id_for_sku_uncached(self, sku: str) -> int | None: ...

    @abstractmethod
    def product_ids_for_skus(self, skus: Iterable[str]) -> dict[str, int]:
        """SKU -> product id for the SKUs that exist (exact, case-sensitive)."""

    @abstractmethod
    def existing_product_ids(self, product_ids: Iterable[int]) -> set[int]:
        """Those of ``product_ids`` that exist. One query."""

    # --- fraud ---------------------------------------------------------------------------------

    @abstractmethod
    def order_for_risk(self, order_id: int) -> dict | None:
        """ORDER_RISK_FIELDS of one order plus customer_created_at, or None. One query."""

    @abstractmethod
    def orders_sharing_entities(self, *, customer_id: int | None, entities: dict, since: datetime,
                                until: datetime, exclude_order_id: int | None = None) -> list[dict]:
        """Orders in ``[since, until]`` of the customer or sharing a non-blank ORDER_ENTITY_FIELDS value:
        dicts of id, customer_id, created_at, total and the entity fields. One query."""

    @abstractmethod
    def orders_risk_frame(self, *, since: datetime | None = None, until: datetime) -> pd.DataFrame:
        """Orders in the window, by time then id: ORDER_RISK_FIELDS plus customer_created_at."""

    def order_product_ids(self, order_id: int) -> list[int]:
        """Sorted ids of the products in this order's lines (a new order's, for live lists).
        Default: none, so a new order does not update the customer's live list."""
        return []

    @abstractmethod
    def order_ids_for_numbers(self, numbers: Iterable[str]) -> dict[str, tuple[int, datetime]]:
        """Order number -> (id, created_at) for the numbers that exist."""

    def customer_for_signup(self, customer_id: int) -> dict | None:
        """Sign-up facts (id, email, created_at, signup_ip, signup_device_id, signup_source, country,
        first_order_at, first_order_total). Default: None, so sign-ups are not scored."""
        return None

    def signups_sharing(self, *, customer_id: int, signup_ip: str | None, device_id: str, since: datetime,
                        until: datetime) -> list[dict]:
        """Other customers who signed up in ``[since, until]`` from the same IP or device. Default: none."""
        return []

    # --- reviews (without them, reviews are not scored) -------------------------------------------

    def review_for_risk(self, review_id: int) -> dict | None:
        """id, product_id, customer_id, rating, title, text, status, created_at, verified_purchase,
        author_reviews_before_1d, same_text_before; None if no such review (the default)."""
        return None

    def review_texts(self, review_ids: Iterable[int]) -> dict[int, str]:
        """review_id -> "title text" of the reviews that exist. Default: none."""
        return {}

    def review_cards(self, review_ids: Iterable[int]) -> dict[int, dict]:
        """review_id -> {product, rating, title, text, created_at} for moderators. Default: none."""
        return {}

    # Order statuses the fraud app sets on a new order it holds (review, or block per the merchant's
    # setting) or cancels; None: the shop cannot, and the action is recorded as not taken.
    fraud_hold_status: str | None = None
    fraud_cancel_status: str | None = None
    # Statuses a reviewer's rejection may still cancel (beyond the hold status): not shipped yet.
    fraud_cancellable_statuses: tuple[str, ...] = ()

    def signups_frame(self, *, since: datetime, until: datetime) -> pd.DataFrame:
        """Customers who signed up in ``[since, until)``: id, created_at, email, signup_ip, signup_device_id,
        signup_source, country, and their first order's time and total (NaT / NaN before one). Default:
        none (sign-ups are then scored by the points table only)."""
        return pd.DataFrame(columns=["id", "created_at", "email", "signup_ip", "signup_device_id", "signup_source",
                                     "country", "first_order_at", "first_order_total"])

    def order_lines(self, order_id: int) -> list[dict]:
        """An order's lines for a reviewer: dicts of sku, name, quantity, unit_price. Default: none."""
        return []

    def order_status(self, order_id: int) -> str | None:
        """An order's status (None: no such order, or the shop keeps none). Default: none."""
        return None

    def set_order_status(self, order_id: int, status: str, *, expected: str | None = None) -> bool:
        """Set an order's status, only if it is still ``expected`` when given (a shop's own change
        since wins). Returns whether it changed. Default: the shop takes no such write."""
        return False

    def set_review_status(self, review_id: int, status: str) -> bool:
        """A write the plugin asks of a shop. ``status`` is one of REVIEW_STATUSES: "held"
        hides a pending or published review until a moderator decides (a decision already taken
        stays); "published" and "rejected" are the moderator's decision. Returns whether a review
        changed. Default: nothing to change."""
        return False

    # --- events and signals --------------------------------------------------------------------

    @property
    def event_model(self) -> Any:
        """The model events are stored in (fields customer_id, session_id, product_id, event_type,
        occurred_at, query, device, traffic_source, dwell_seconds, recommendation_id, dedupe_key).
        Default: the plugin's own table, ``seam.Event``."""
        from .models import Event

        return Event

    def connect_host_signals(self) -> None:
        """Connect the shop's own signals to ``electroshop.seam.signals`` (called once, at start-up).
        Default: nothing; a shop that writes without Django signals sends the seam signals itself."""
