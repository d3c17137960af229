import math

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from electroshop.conf import electroshop_settings


MAX_ID = 2**63 - 1  # larger ids cannot exist (bigint)
MAX_EXCLUDE_LENGTH = 5000


def _int_parameter(params, name: str, *, min_value: int, max_value: int) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: ["A valid integer is required."]}) from None
    if value < min_value:
        raise ValidationError({name: [f"Ensure this value is greater than or equal to {min_value}."]})
    if value > max_value:
        raise ValidationError({name: [f"Ensure this value is less than or equal to {max_value}."]})
    return value


def list_options(params) -> dict:
    """``limit``, ``category`` and ``exclude`` of a list request, checked; a 400 names the bad field.

    Plain code rather than a DRF serializer: this runs on every recommendation read, and building a
    serializer's fields cost as much as the rest of the request's own work. The parameters are
    documented through the views' ``OpenApiParameter``s.
    """
    limit = _int_parameter(params, "limit", min_value=1, max_value=100)
    category = _int_parameter(params, "category", min_value=1, max_value=MAX_ID)
    exclude = params.get("exclude", "")
    if len(exclude) > MAX_EXCLUDE_LENGTH:
        raise ValidationError({"exclude": [f"Ensure this field has no more than {MAX_EXCLUDE_LENGTH} characters."]})
    return {
        "limit": min(limit or electroshop_settings.RECOMMENDATIONS_DEFAULT_LIMIT,
                     electroshop_settings.RECOMMENDATIONS_MAX_LIMIT),
        "category_id": category,
        "exclude_skus": tuple(sku.strip() for sku in exclude.split(",") if sku.strip()),
    }


class CartSerializer(serializers.Serializer):
    skus = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=100,
                                 help_text="the SKUs in the cart")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)


# Where a list comes from (the answers' "source"); the OpenAPI enum is named from this list (settings).
RECOMMENDATION_SOURCES = ["personalized", "session", "similar", "bought_together", "trending", "fallback", "new",
                          "buy_again", "recently_viewed", "popular", "holdout"]


class RecommendedItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    score = serializers.FloatField()
    reason = serializers.CharField(help_text="why this product is shown, e.g. 'bought together with X'")
    recommendation_id = serializers.CharField(
        help_text="send back in events to attribute impressions, clicks, add-to-carts and purchases; it names the "
                  "list: <model version>-<strategy>-<placement>-<experiment id>-<variant position>-<random>.<position>")


class ExperimentVariantSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="the experiment (or canary rollout) this subject is bucketed in")
    variant = serializers.CharField(help_text="the variant's name; the same for this subject on every request")
    exposure_id = serializers.CharField(
        help_text="send as the recommendation_id of an impression event without a product when the list shows "
                  "no item (a holdout), so the subject counts in the results")


class RecommendationListSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(
        allow_null=True, help_text="the version number (as in the admin) of the model that produced the list")
    source = serializers.ChoiceField(
        choices=RECOMMENDATION_SOURCES,
        help_text="fallback: no model or nothing cached; trending: cold start; new: newest products; "
                  "buy_again, recently_viewed: the customer's or visitor's own products; popular, holdout: an "
                  "experiment variant's best sellers, or its holdout (no list)",
    )
    items = RecommendedItemSerializer(many=True)
    experiment = ExperimentVariantSerializer(required=False, help_text="only when the subject is bucketed")


class CustomerRecommendationsSerializer(RecommendationListSerializer):
    customer_id = serializers.IntegerField()


class ProductRecommendationsSerializer(RecommendationListSerializer):
    sku = serializers.CharField()


class SessionRecommendationsSerializer(RecommendationListSerializer):
    pass


EXAMPLE_ITEM = {
    "product_id": 412, "sku": "PH-0412", "name": "Nova X2 Phone 128GB", "price": "499.00", "currency": "GBP",
    "score": 0.8731, "reason": "bought together with Nova X2 Case",
    "recommendation_id": "7-personalized-customer-0-0-3fa9c1d2.1",
}
CUSTOMER_EXAMPLE = OpenApiExample(
    "personalised", value={"customer_id": 17850, "model_version": 7, "source": "personalized", "items": [EXAMPLE_ITEM]},
    response_only=True,
)
BUCKETED_EXAMPLE = OpenApiExample(
    "in an experiment", value={
        "customer_id": 17850, "model_version": 7, "source": "personalized",
        "items": [{**EXAMPLE_ITEM, "recommendation_id": "7-personalized-customer-3-1-9ab0c1d2.1"}],
        "experiment": {"id": 3, "variant": "B", "exposure_id": "7-personalized-customer-3-1-9ab0c1d2.0"}},
    response_only=True,
)
PRODUCT_EXAMPLE = OpenApiExample(
    "similar", value={"sku": "PH-0411", "model_version": 7, "source": "similar", "items": [EXAMPLE_ITEM]},
    response_only=True,
)
SESSION_EXAMPLE = OpenApiExample(
    "anonymous session", value={"model_version": 7, "source": "session", "items": [EXAMPLE_ITEM]},
    response_only=True,
)
CART_EXAMPLE = OpenApiExample("a cart", value={"skus": ["PH-0411", "CS-0102"], "limit": 4}, request_only=True)


# --- merchandising rules ---------------------------------------------------------------------------

class MerchandisingRuleSerializer(serializers.Serializer):
    """A rule as the API shows and takes it: a product by SKU, or (boosts) a category."""

    id = serializers.IntegerField(read_only=True)
    action = serializers.ChoiceField(choices=["hide", "pin", "boost"],
                                     help_text="hide: never recommend; pin: put on top; boost: multiply the score")
    sku = serializers.CharField(max_length=255, required=False, allow_blank=True, default="",
                                help_text="the product's SKU; blank for a category boost")
    product_id = serializers.IntegerField(read_only=True, allow_null=True, help_text="the SKU's product id")
    category_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=MAX_ID,
        help_text="a pin: only in lists filtered to this category (null: every list); "
                  "a boost without a SKU: every product of this category and its subcategories")
    boost = serializers.FloatField(required=False, default=1.5, min_value=0.0, max_value=100.0,
                                   help_text="score multiplier of a boost")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    created_at = serializers.DateTimeField(read_only=True)

    def validate_boost(self, value: float) -> float:
        if not math.isfinite(value):
            raise ValidationError("A valid number is required.")
        return value


class MerchandisingRuleListSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="how many rules there are in all")
    results = MerchandisingRuleSerializer(many=True)


def rule_list_options(params) -> dict:
    """``limit`` (1-500, default 100) and ``offset`` of the rules list; a 400 names the bad one."""
    limit = _int_parameter(params, "limit", min_value=1, max_value=500)
    offset = _int_parameter(params, "offset", min_value=0, max_value=10**7)
    return {"limit": limit or 100, "offset": offset or 0}


EXAMPLE_RULE = {"id": 12, "action": "boost", "sku": "PH-0412", "product_id": 412, "category_id": None, "boost": 1.5,
                "note": "spring campaign", "is_active": True, "created_at": "2026-03-01T09:30:00Z"}
RULE_EXAMPLE = OpenApiExample("a boosted product", value=EXAMPLE_RULE, response_only=True)
RULE_LIST_EXAMPLE = OpenApiExample("the rules", value={"count": 1, "results": [EXAMPLE_RULE]}, response_only=True)
RULE_SKU_REQUEST = OpenApiExample("boost a SKU", value={"action": "boost", "sku": "PH-0412", "boost": 1.5,
                                                        "note": "spring campaign"}, request_only=True)
RULE_CATEGORY_REQUEST = OpenApiExample("boost a category and its subcategories",
                                       value={"action": "boost", "category_id": 7, "boost": 1.2}, request_only=True)
RULE_PIN_REQUEST = OpenApiExample("pin a SKU on one category's lists",
                                  value={"action": "pin", "sku": "CS-0102", "category_id": 7}, request_only=True)
RULE_UNKNOWN_SKU = OpenApiExample("unknown sku", value={"sku": ["unknown sku: PH-9999"]}, response_only=True,
                                  status_codes=["400"])
NEW_IN_EXAMPLE = OpenApiExample(
    "new in", value={"model_version": 7, "source": "new", "items": [
        {**EXAMPLE_ITEM, "score": 1.0, "reason": "New in", "recommendation_id": "7-new-new-0-0-5b1e0c9a.1"}]},
    response_only=True,
)
BUY_AGAIN_EXAMPLE = OpenApiExample(
    "buy it again", value={"customer_id": 17850, "model_version": 7, "source": "buy_again", "items": [
        {**EXAMPLE_ITEM, "product_id": 88, "sku": "BT-AA8", "name": "AA batteries, 8 pack", "price": "6.99",
         "score": 1.1, "reason": "You buy this about every 30 days; last bought 33 days ago",
         "recommendation_id": "7-buy_again-buy_again-0-0-0d2c4e6f.1"}]},
    response_only=True,
)
VIEWED_ITEM = {**EXAMPLE_ITEM, "score": 1.0, "reason": "Recently viewed",
               "recommendation_id": "7-recently_viewed-recently_viewed-0-0-9c8b7a6d.1"}
RECENTLY_VIEWED_EXAMPLE = OpenApiExample(
    "recently viewed", value={"customer_id": 17850, "model_version": 7, "source": "recently_viewed",
                              "items": [VIEWED_ITEM]},
    response_only=True,
)
SESSION_RECENTLY_VIEWED_EXAMPLE = OpenApiExample(
    "recently viewed in this browser", value={"model_version": 7, "source": "recently_viewed", "items": [VIEWED_ITEM]},
    response_only=True,
)
