"""Cached tables (one set per model version), the stock-out log and the merchant's configuration rows.

Cached rows are keyed by ``model_version``: activation flips which version readers use, and pruning
a version deletes its rows. Shop rows are referenced by plain indexed id columns (no database
constraint) so these migrations never touch the shop's tables. SKU and name are copied into the
inventory tables so that list reads need no join with the shop.
"""
from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from electroshop.mlops.models import ModelVersion


class IntervalForecast(models.Model):
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    mean = models.FloatField()
    lo80 = models.FloatField()
    hi80 = models.FloatField()
    lo95 = models.FloatField()
    hi95 = models.FloatField()

    class Meta:
        abstract = True


class DemandForecast(IntervalForecast):
    """Forecast units of one product on one day, with 80% and 95% prediction intervals."""

    product_id = models.BigIntegerField()
    model_mean = models.FloatField(null=True, blank=True, help_text="the engine's mean where a merchant override changed it")
    variance = models.FloatField(null=True, blank=True,
                                 help_text="predictive variance of the day's units (the intervals' distribution)")

    class Meta:
        ordering = ["product_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "product_id", "date"], name="fc_demand_unique"),
        ]


class CategoryForecast(IntervalForecast):
    """Forecast units of a category and its subcategories on one day (category_id 0 = the whole shop).

    The sum of its products' DemandForecast means (bottom-up, ``forecasting.hierarchy``); its intervals
    come from the summed product variances with a covariance scale, not from summed intervals.
    """

    category_id = models.BigIntegerField()

    class Meta:
        ordering = ["category_id", "date"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "category_id", "date"], name="fc_category_unique"),
        ]


class AggregateBacktest(models.Model):
    """One fill chunk's product backtest forecasts (the last horizon before the origin) summed per
    aggregate (a category with its subcategories; 0 = the whole shop) and day. The finaliser adds the
    chunks up and compares the sums with the aggregates' actual units: the covariance scale of the
    aggregates' intervals (``forecasting.ml.hierarchy.covariance_scales``)."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    chunk = models.PositiveIntegerField()
    category_id = models.BigIntegerField()
    date = models.DateField()
    mean = models.FloatField()
    variance = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_version", "chunk", "category_id", "date"],
                                    name="fc_aggregate_backtest_unique"),
        ]


class Urgency(models.IntegerChoices):
    NONE = 0, "none"
    LOW = 1, "low"          # stock runs out within the forecast horizon
    HIGH = 2, "high"        # inventory position at or below the reorder point: order now
    CRITICAL = 3, "critical"  # runs out before an order placed today can arrive


class ReorderSuggestion(models.Model):
    """Inventory advice for one product at the forecast origin (see forecasting/ml/inventory.py)."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=300, blank=True)
    supplier = models.CharField(max_length=200, blank=True)
    origin = models.DateField(help_text="first forecast day (day 0 of the stock projection)")
    on_hand = models.IntegerField()
    on_order = models.IntegerField()
    lead_time_days = models.PositiveIntegerField()
    pack_size = models.PositiveIntegerField(default=1)
    minimum_order_quantity = models.PositiveIntegerField(default=1)
    service_level = models.FloatField()
    daily_demand = models.FloatField(help_text="mean forecast units per day over the horizon")
    lead_time_demand = models.FloatField()
    safety_stock = models.FloatField()
    reorder_point = models.FloatField()
    order_up_to = models.FloatField()
    inventory_position = models.FloatField()
    reorder_now = models.BooleanField()
    suggested_quantity = models.PositiveIntegerField()
    unit_price = models.FloatField(null=True, blank=True, help_text="the supplier's unit price at the suggested "
                                                                    "quantity (price breaks applied); blank: unknown")
    stockout_date = models.DateField(null=True, blank=True)
    days_of_cover = models.FloatField(null=True, blank=True)
    urgency = models.SmallIntegerField(choices=Urgency.choices, default=Urgency.NONE)
    abc_class = models.CharField(max_length=1, blank=True, help_text="A/B/C by revenue share")
    xyz_class = models.CharField(max_length=1, blank=True, help_text="X/Y/Z by weekly demand variability")
    demand_class = models.CharField(max_length=16, blank=True, help_text="smooth/erratic/intermittent/lumpy/none")
    model = models.CharField(max_length=200, blank=True, help_text="the ensemble that forecast this product")
    days_since_last_sale = models.IntegerField(null=True, blank=True)
    lead_time_std_days = models.FloatField(default=0.0)
    next_arrival_on = models.DateField(null=True, blank=True, help_text="expected arrival of the next open purchase order")
    needs_attention = models.BooleanField(default=False, help_text="order now, stock-out within the horizon, "
                                                                   "overstock or dead stock")
    reason = models.CharField(max_length=500, blank=True, help_text="the advice in words")

    class Meta:
        ordering = ["-urgency", "stockout_date", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "product_id"], name="fc_reorder_unique"),
        ]
        indexes = [models.Index(fields=["model_version", "urgency", "stockout_date"], name="fc_reorder_urgency")]

    def __str__(self) -> str:
        return f"{self.sku}: order {self.suggested_quantity}"


class StockAlert(models.Model):
    class Kind(models.TextChoices):
        STOCKOUT_RISK = "stockout_risk", "stock-out risk"
        OVERSTOCK = "overstock"
        DEAD_STOCK = "dead_stock", "dead stock"

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    message = models.CharField(max_length=300)
    stockout_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "stockout_date", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["model_version", "product_id", "kind"], name="fc_alert_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.sku}"


class ForecastBacktest(models.Model):
    """Backtest scores of one fill chunk (the finaliser pools them into the version's metrics).

    Stored with the sums needed to pool chunks exactly (WAPE) or by weight (WRMSSE).
    """

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    chunk = models.PositiveIntegerField()
    method = models.CharField(max_length=50)
    wrmsse = models.FloatField(null=True)
    wape = models.FloatField(null=True)
    coverage80 = models.FloatField(null=True)
    coverage95 = models.FloatField(null=True)
    series = models.PositiveIntegerField(default=0)
    weight = models.FloatField(default=0.0, help_text="revenue weight of the chunk's series")
    actual_units = models.FloatField(default=0.0, help_text="held-out units (WAPE pooling)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_version", "chunk", "method"], name="fc_backtest_unique"),
        ]


# --- stock history -------------------------------------------------------------------------------------

class StockSnapshot(models.Model):
    """One product's stock on one day. A day with ``out_of_stock`` is a censored demand day.

    Written on the seam signal ``stock_changed`` (the built-in shop sends it when a Stock row is
    saved; the day is marked out of stock as soon as on_hand reaches 0, and stays marked even if
    stock arrives later that day) and by the daily ``forecasting.snapshot_stock`` task, which
    carries the state of every stocked product into a new day. Bulk updates that send no signal
    are seen by the daily task only.
    """

    product_id = models.BigIntegerField()
    date = models.DateField()
    on_hand = models.IntegerField()
    on_order = models.IntegerField(default=0)
    out_of_stock = models.BooleanField(default=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "product_id"]
        constraints = [models.UniqueConstraint(fields=["product_id", "date"], name="fc_snapshot_unique")]
        indexes = [  # the admin's order, alone and with its filter
            models.Index(fields=["date", "product_id"], name="fc_snapshot_date"),
            models.Index(fields=["out_of_stock", "date"], name="fc_snapshot_oos_date"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.date}: {self.on_hand}"


# --- merchant configuration ---------------------------------------------------------------------------

class ServiceLevelTarget(models.Model):
    """A target cycle service level for one product or one category (and its subcategories).

    A product's own row wins over its category's, the nearest category over its ancestors, and
    ELECTROSHOP["FORECAST_SERVICE_LEVEL"] applies otherwise. Takes effect at the next retrain.
    """

    product_id = models.BigIntegerField(null=True, blank=True, unique=True)
    category_id = models.BigIntegerField(null=True, blank=True, unique=True)
    service_level = models.FloatField(validators=[MinValueValidator(0.5), MaxValueValidator(0.9999)],
                                      help_text="e.g. 0.95 = stock out in at most 5% of replenishment cycles")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(product_id__isnull=False) & Q(category_id__isnull=True))
                | (Q(product_id__isnull=True) & Q(category_id__isnull=False)),
                name="fc_service_level_one_target",
            ),
            models.CheckConstraint(condition=Q(service_level__gt=0) & Q(service_level__lt=1),
                                   name="fc_service_level_range"),
        ]

    def __str__(self) -> str:
        target = f"product {self.product_id}" if self.product_id else f"category {self.category_id}"
        return f"{target}: {self.service_level:.1%}"


# Periods the merchant enters (overrides, events) stay within these days: a year like 2999 is a typing
# error, and pandas' nanosecond timestamps end in 2262.
MIN_PERIOD_DAY = date(1900, 1, 1)
MAX_PERIOD_DAY = date(2200, 12, 31)
PERIOD_DAY_VALIDATORS = [MinValueValidator(MIN_PERIOD_DAY), MaxValueValidator(MAX_PERIOD_DAY)]

# A year at most: longer lead times are typing errors (and would make the retrain's day grids explode).
MAX_LEAD_TIME_DAYS = 365


class Supplier(models.Model):
    """A supplier the merchant buys from: its lead time (mean and variability) and ordering terms.

    A product linked to a supplier (``SupplierProduct``) takes its lead time, minimum order and pack size
    from the link or the supplier, before the shop's own stock fields.
    """

    name = models.CharField(max_length=200, unique=True)
    email = models.EmailField(blank=True)
    lead_time_days = models.PositiveIntegerField(default=7, validators=[MaxValueValidator(MAX_LEAD_TIME_DAYS)],
                                                 help_text="mean days from sending an order to receipt")
    lead_time_std_days = models.FloatField(default=0.0, validators=[MinValueValidator(0.0),
                                                                    MaxValueValidator(MAX_LEAD_TIME_DAYS)],
                                           help_text="standard deviation of the lead time in days")
    minimum_order_quantity = models.PositiveIntegerField(default=1, help_text="units per product line, at least")
    pack_size = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    price_breaks = models.JSONField(default=list, blank=True,
                                    help_text='unit price by quantity, e.g. [{"min_quantity": 100, "unit_price": 9.5}], '
                                              'or off the unit cost: [{"min_quantity": 50, "discount_percent": 5}]')
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierProduct(models.Model):
    """The supplier a product is bought from (one per product), with optional per-product terms."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="products")
    product_id = models.BigIntegerField(unique=True)
    supplier_sku = models.CharField(max_length=64, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(MAX_LEAD_TIME_DAYS)],
                                                 help_text="blank: the supplier's")
    minimum_order_quantity = models.PositiveIntegerField(null=True, blank=True, help_text="blank: the supplier's")
    pack_size = models.PositiveIntegerField(null=True, blank=True, validators=[MinValueValidator(1)],
                                            help_text="blank: the supplier's")

    def __str__(self) -> str:
        return f"{self.product_id} from {self.supplier}"


class PurchaseOrder(models.Model):
    """A purchase order: drafted from reorder suggestions, sent to a supplier, received in parts.

    Lifecycle: draft -> sent -> partly received -> received (or cancelled before it is received).
    Sending adds its quantities to the products' on-order stock; a receipt moves units from on order
    to on hand (through the shop seam) and logs them.
    """

    class Status(models.TextChoices):
        DRAFT = "draft"
        SENT = "sent"
        PARTLY_RECEIVED = "partly_received", "partly received"
        RECEIVED = "received"
        CANCELLED = "cancelled"

    supplier = models.CharField(max_length=200, blank=True)
    supplier_ref = models.ForeignKey(Supplier, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expected_on = models.DateField(null=True, blank=True, help_text="expected arrival (set when sent)")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"PO {self.pk} {self.supplier or '(no supplier)'}"


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    product_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=300, blank=True)
    quantity = models.PositiveIntegerField()
    received_quantity = models.PositiveIntegerField(default=0)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    pack_size = models.PositiveIntegerField(default=1)
    stockout_date = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["order", "product_id"], name="fc_po_line_unique")]
        indexes = [models.Index(fields=["product_id"], name="fc_po_line_product")]

    def __str__(self) -> str:
        return f"{self.sku} x{self.quantity}"


class StockReceipt(models.Model):
    """Units of a purchase-order line received into stock (the stock log of receipts)."""

    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE, related_name="receipts")
    product_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-received_at"]


class ForecastOverride(models.Model):
    """A merchant's correction of a product's forecast over a period: a value (units per day) or a
    percentage change. Production forecasts apply it; the accuracy report scores it separately."""

    product_id = models.BigIntegerField(db_index=True)
    starts_on = models.DateField(validators=PERIOD_DAY_VALIDATORS)
    ends_on = models.DateField(validators=PERIOD_DAY_VALIDATORS, help_text="inclusive")
    units_per_day = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0.0)])
    percent = models.FloatField(null=True, blank=True, validators=[MinValueValidator(-100.0)],
                                help_text="e.g. 20 = forecast +20%, -50 = halved")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_on", "product_id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(units_per_day__isnull=False) & Q(percent__isnull=True))
                | (Q(units_per_day__isnull=True) & Q(percent__isnull=False)),
                name="fc_override_value_or_percent"),
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="fc_override_period"),
        ]

    def clean(self) -> None:
        errors = {}
        if (self.units_per_day is None) == (self.percent is None):
            errors["units_per_day"] = "Give either units per day or a percent (exactly one of them)."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The period ends before it starts."
        if errors:
            raise ValidationError(errors)

    def __str__(self) -> str:
        change = f"{self.units_per_day:g}/day" if self.units_per_day is not None else f"{self.percent:+g}%"
        return f"product {self.product_id} {self.starts_on}..{self.ends_on}: {change}"


class ForecastEvent(models.Model):
    """A merchant-entered event (a planned campaign, a launch) on days of a product, a category or the
    whole shop (both blank): a known input of the forecast, learned from past events."""

    class Kind(models.TextChoices):
        CAMPAIGN = "campaign"
        LAUNCH = "launch"
        OTHER = "other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CAMPAIGN)
    product_id = models.BigIntegerField(null=True, blank=True)
    category_id = models.BigIntegerField(null=True, blank=True, help_text="with its subcategories")
    starts_on = models.DateField(validators=PERIOD_DAY_VALIDATORS)
    ends_on = models.DateField(validators=PERIOD_DAY_VALIDATORS, help_text="inclusive")

    class Meta:
        ordering = ["-starts_on"]
        constraints = [models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="fc_event_period")]

    def clean(self) -> None:
        errors = {}
        if self.product_id is not None and self.category_id is not None:
            errors["category_id"] = "Give a product or a category (or neither: the whole shop), not both."
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "The period ends before it starts."
        if errors:
            raise ValidationError(errors)

    @property
    def scope(self) -> str:
        return "product" if self.product_id is not None else "category" if self.category_id is not None else "shop"

    def __str__(self) -> str:
        return f"{self.name} {self.starts_on}..{self.ends_on}"


class IssuedForecast(models.Model):
    """The latest forecast issued for a product and day before that day came (kept for bias tracking
    and the override report): ``model_mean`` is the engine's, ``mean`` the one served (overridden or not)."""

    product_id = models.BigIntegerField()
    date = models.DateField()
    origin = models.DateField()
    mean = models.FloatField()
    model_mean = models.FloatField()
    overridden = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product_id", "date"], name="fc_issued_unique")]
        indexes = [models.Index(fields=["date"], name="fc_issued_date")]


class LostSales(models.Model):
    """Estimated demand lost on one product's stock-out day (a censored day) of the recent past."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()
    sku = models.CharField(max_length=64)
    date = models.DateField()
    expected_units = models.FloatField()
    sold_units = models.FloatField()
    lost_units = models.FloatField()
    lost_revenue = models.FloatField()

    class Meta:
        verbose_name = verbose_name_plural = "lost sales"
        ordering = ["-date", "sku"]
        constraints = [models.UniqueConstraint(fields=["model_version", "product_id", "date"], name="fc_lost_unique")]


class ForecastingDashboard(ModelVersion):
    """Admin entry for the demand model: versions with backtest accuracy, product charts, retrain."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "demand forecast model"
