"""Cached tables (one set per model version) and the merchant's configuration rows.

Cached rows hold whole ranked lists as JSON, ``[[product_id, score, reason], ...]`` best first, so
a read is one row. They are keyed by ``model_version``: activation flips which version readers
use, and pruning a version deletes its rows. Shop rows are referenced by plain indexed id columns
(no database constraint) so these migrations never touch the shop's tables.
"""
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from electroshop.mlops.models import ModelVersion


class CachedList(models.Model):
    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    items = models.JSONField(help_text="[[product_id, score, reason], ...], best first")

    class Meta:
        abstract = True


class ProductRecommendation(CachedList):
    """Top-N personalised products for one customer."""

    customer_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_version", "customer_id"], name="recs_customer_unique"),
        ]


class SimilarProducts(CachedList):
    """Products similar to one product (behaviour, falling back to content for new products)."""

    product_id = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "similar products"
        constraints = [models.UniqueConstraint(fields=["model_version", "product_id"], name="recs_similar_unique")]


class BoughtTogether(CachedList):
    """Products bought in the same basket as one product, ranked by lift."""

    product_id = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "bought together"
        constraints = [models.UniqueConstraint(fields=["model_version", "product_id"], name="recs_bought_unique")]


class TrendingProducts(CachedList):
    """Trending products per category (category_id 0 = the whole shop) or per customer segment."""

    category_id = models.BigIntegerField(default=0)
    segment = models.CharField(max_length=100, blank=True, help_text="customer segment, e.g. a country; blank = all")

    class Meta:
        verbose_name_plural = "trending products"
        constraints = [
            models.UniqueConstraint(fields=["model_version", "category_id", "segment"], name="recs_trending_unique"),
        ]


class CoVisitedProducts(CachedList):
    """One product's neighbours in the session co-visitation generator (viewed in the same sessions):
    what an anonymous visitor's session list is blended from, without loading the model."""

    product_id = models.BigIntegerField()

    class Meta:
        verbose_name_plural = "co-visited products"
        constraints = [models.UniqueConstraint(fields=["model_version", "product_id"], name="recs_covisited_unique")]


class RepurchaseInterval(models.Model):
    """Median days between a customer's purchases of the same product, measured on the version's
    training history, per category (category_id 0 = the whole shop): "buy it again" timing."""

    model_version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="+")
    category_id = models.BigIntegerField(default=0)
    days = models.FloatField(help_text="median days between repeat purchases in the category")
    products = models.JSONField(default=dict, help_text='{"<product id>": median days} for its products bought again')

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["model_version", "category_id"], name="recs_repurchase_unique"),
        ]


# --- merchant configuration -------------------------------------------------------------------------

class MerchandisingRule(models.Model):
    """A merchant's say over a product (by SKU) or a whole category.

    * hide: never recommend the product;
    * pin: put the product at the top of every list, or, with ``category_id``, only of the lists
      filtered to that category (a category page's lists);
    * boost: multiply the product's score by ``boost``; a boost without a SKU and with ``category_id``
      multiplies the score of every product in that category and its subcategories.

    ``product_id`` is resolved from ``sku`` through the shop seam when the rule is saved.
    """

    class Action(models.TextChoices):
        HIDE = "hide", "never recommend"
        PIN = "pin", "pin to the top"
        BOOST = "boost", "boost the score"

    sku = models.CharField(max_length=255, blank=True, help_text="the product's SKU (blank: a category boost)")
    product_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    action = models.CharField(max_length=8, choices=Action.choices)
    boost = models.FloatField(default=1.5, validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
                              help_text="score multiplier for boost rules")
    category_id = models.BigIntegerField(
        null=True, blank=True,
        help_text="pin: only in lists filtered to this category (blank: every list); "
                  "boost without a SKU: every product of this category and its subcategories",
    )
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["action", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product_id", "action", "category_id"], name="recs_rule_unique"),
            models.UniqueConstraint(fields=["action", "category_id"], condition=models.Q(product_id__isnull=True),
                                    name="recs_category_rule_unique"),
        ]

    def __str__(self) -> str:
        target = f"SKU {self.sku}" if self.product_id is not None else f"category {self.category_id}"
        return f"{self.get_action_display()}: {target}"

class RepeatPurchaseCategory(models.Model):
    """A category whose products may be recommended again after a purchase (ink, batteries...)."""

    category_id = models.BigIntegerField(unique=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "repeat-purchase categories"

    def __str__(self) -> str:
        return f"category {self.category_id}"


class RecommendationSettings(models.Model):
    """The merchant's tuning, one row (created from ELECTROSHOP defaults on first use).

    Takes effect at the next retrain (weights, decay) or the next read (the per-category cap and the
    diversity trade-off: saving the row drops the cached merchandising rules they travel with).
    """

    event_weights = models.JSONField(help_text='weight per event type, e.g. {"view": 1, "cart": 6, "purchase": 10}')
    half_life_days = models.FloatField(help_text="an interaction this many days old counts half")
    max_per_category = models.PositiveIntegerField(help_text="most items of one category in a list (0 = no cap)")
    diversity_lambda = models.FloatField(
        default=0.0, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="variety against relevance (maximal marginal relevance): 0 = score order, "
                  "e.g. 0.3 = products of a category already shown move down, 1 = as varied as possible",
    )
    regression_tolerance = models.FloatField(
        help_text="a retrain is activated only if its NDCG@10 is at least (1 - tolerance) x the active version's"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "recommendation settings"

    def __str__(self) -> str:
        return "recommendation settings"


class RecommendationDashboard(ModelVersion):
    """Admin entry for the recommendation model: versions, evaluation, preview, retrain."""

    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "recommendation model"
