"""The shop's own schema: catalogue, customers, orders, stock, promotions, events, reviews.

This stands in for the tables an existing shop already has. The AI apps read these tables only
through ``electroshop.seam``, whose built-in adapter (``adapter.py``) reads them with ``electroshop.seam.orm.ModelShopAdapter``;
a shop with its own tables plugs in its own adapter and the AI apps run unchanged.
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from electroshop.seam.adapter import EventType
from django.db.models.functions import Upper
from django.utils import timezone


class Category(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    # "Electronics/Phones": the full path, unique, so importers can find-or-create a tree in one lookup.
    path = models.CharField(max_length=1000, unique=True)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="shop_category_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.path


class Brand(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    # SKUs are case-sensitive: "15056BL" and "15056bl" are two products.
    sku = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="GBP")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    brand = models.ForeignKey(Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="products")
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["sku"]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class Stock(models.Model):
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="stock", primary_key=True)
    on_hand = models.IntegerField(default=0)
    on_order = models.IntegerField(default=0)
    lead_time_days = models.PositiveIntegerField(default=7)
    supplier = models.CharField(max_length=200, blank=True)
    pack_size = models.PositiveIntegerField(default=1)
    minimum_order_quantity = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "stock"

    def __str__(self) -> str:
        return f"{self.product_id}: {self.on_hand} on hand"

    @property
    def in_stock(self) -> bool:
        return self.on_hand > 0


class Customer(models.Model):
    # Imported ids (e.g. online-retail CustomerID) are kept as primary keys.
    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    email = models.EmailField(blank=True, db_index=True)
    name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    marketing_consent = models.BooleanField(default=False)
    personalization_consent = models.BooleanField(default=True)
    # What the shop knew at sign-up: used by fake-account detection.
    signup_ip = models.GenericIPAddressField(null=True, blank=True)
    signup_device_id = models.CharField(max_length=128, blank=True)
    signup_source = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [  # the admin's filters, in its order
            models.Index(fields=["country", "id"], name="shop_customer_country_idx"),
            models.Index(fields=["signup_source", "id"], name="shop_customer_source_idx"),
        ]

    def __str__(self) -> str:
        return self.email or self.name or f"customer {self.id}"


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        ON_HOLD = "on_hold", "on hold (fraud review)"
        SHIPPED = "shipped"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        REFUNDED = "refunded"

    # The shop's order number (online-retail InvoiceNo), unique: re-imports find it again.
    number = models.CharField(max_length=64, unique=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    email = models.EmailField(blank=True, help_text="The checkout e-mail (guests have only this).")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PAID, db_index=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0"))
    currency = models.CharField(max_length=3, default="GBP")
    billing_country = models.CharField(max_length=100, blank=True)
    shipping_country = models.CharField(max_length=100, blank=True)
    shipping_address = models.CharField(max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ip_country = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=128, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    # Payment fingerprint: never the card number, only what the PSP gives back.
    payment_method = models.CharField(max_length=32, blank=True)
    card_fingerprint = models.CharField(max_length=128, blank=True, db_index=True)
    card_bin = models.CharField(max_length=8, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_country = models.CharField(max_length=100, blank=True, help_text="the card's country (from its BIN)")
    # The payment provider's checks, when the shop has them (values: seam.adapter.PAYMENT_SIGNAL_VALUES).
    # (db_default: rows written by bulk SQL that predates these columns get blanks)
    avs_result = models.CharField(max_length=16, blank=True, db_default="", help_text="address verification: match, partial, no_match, unavailable")
    cvc_result = models.CharField(max_length=16, blank=True, db_default="", help_text="card security code: match, no_match, unavailable")
    three_ds_result = models.CharField(max_length=16, blank=True, db_default="",
                                       help_text="3-D Secure: authenticated, attempted, failed, not_enrolled")

    class Meta:
        ordering = ["-created_at"]
        # Fraud scoring reads the recent orders sharing any of an order's entities (one OR query,
        # the adapter's orders_sharing_entities): one index per entity lets PostgreSQL combine them
        # (BitmapOr) instead of scanning every order of the lookback. E-mail and address match
        # case-insensitively (iexact is UPPER(col) = UPPER(value) there).
        indexes = [
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["device_id", "created_at"], name="shop_order_device_time_idx"),
            models.Index(fields=["ip_address", "created_at"], name="shop_order_ip_time_idx"),
            models.Index(Upper("email"), F("created_at"), name="shop_order_email_time_idx"),
            models.Index(Upper("shipping_address"), F("created_at"), name="shop_order_address_time_idx"),
            # the admin's filters, newest first
            models.Index(fields=["status", "created_at"], name="shop_order_status_time_idx"),
            models.Index(fields=["billing_country", "created_at"], name="shop_order_country_time_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    # Always positive; a cancelled or refunded order says so in its status.
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            # Identical lines of one order are one line: re-imports and duplicated file rows find it.
            models.UniqueConstraint(fields=["order", "product", "quantity", "unit_price"], name="shop_orderline_unique"),
        ]
        indexes = [models.Index(fields=["product", "order"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.product_id} x{self.quantity}"


class Event(models.Model):
    Type = EventType

    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    session_id = models.CharField(max_length=128, blank=True, db_index=True)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="events")
    event_type = models.CharField(max_length=16, choices=Type.choices, db_index=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    query = models.CharField(max_length=300, blank=True, help_text="Search text, for search events.")
    device = models.CharField(max_length=32, blank=True)
    traffic_source = models.CharField(max_length=64, blank=True)
    dwell_seconds = models.FloatField(null=True, blank=True)
    # Which recommendation list showed the product (clicks and purchases are attributed to it).
    recommendation_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Stable key of an imported or posted event, so re-sending it creates no duplicate.
    dedupe_key = models.CharField(max_length=128, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(fields=["session_id", "occurred_at"]),
            models.Index(fields=["product", "occurred_at"]),
            # the admin's filters, newest first
            models.Index(fields=["event_type", "occurred_at"], name="shop_event_type_time_idx"),
            models.Index(fields=["device", "occurred_at"], name="shop_event_device_time_idx"),
            models.Index(fields=["traffic_source", "occurred_at"], name="shop_event_source_time_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(session_id=""), name="shop_event_has_customer_or_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.product_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"


class Review(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        HELD = "held", "held for moderation"
        REJECTED = "rejected"

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="reviews")
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    title = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="shop_review_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.rating}*"


class Promotion(models.Model):
    name = models.CharField(max_length=200)
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE, related_name="promotions")
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Last day of the promotion (inclusive).")
    discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(product__isnull=False) | Q(category__isnull=False), name="shop_promotion_has_target"
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="shop_promotion_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.name
