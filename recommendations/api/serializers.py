from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from electroshop.conf import electroshop_settings


class RecommendationQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100,
                                     help_text="how many items (default 10, at most 100)")
    category = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1,
                                        help_text="only products of this category id and its subcategories")
    exclude = serializers.CharField(required=False, max_length=5000, allow_blank=True,
                                    help_text="comma-separated SKUs never to return")

    def validate_limit(self, value: int) -> int:
        return min(value, electroshop_settings.RECOMMENDATIONS_MAX_LIMIT)

    def validated_options(self) -> dict:
        data = self.validated_data
        exclude = tuple(sku.strip() for sku in data.get("exclude", "").split(",") if sku.strip())
        return {
            "limit": data.get("limit", electroshop_settings.RECOMMENDATIONS_DEFAULT_LIMIT),
            "category_id": data.get("category"),
            "exclude_skus": exclude,
        }


class TrendingQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)
    category = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class CartSerializer(serializers.Serializer):
    skus = serializers.ListField(child=serializers.CharField(max_length=64), min_length=1, max_length=100,
                                 help_text="the SKUs in the cart")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=100)


class RecommendedItemSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    price = serializers.DecimalField(max_digits=12, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    score = serializers.FloatField()
    reason = serializers.CharField(help_text="why this product is shown, e.g. 'bought together with X'")
    recommendation_id = serializers.CharField(help_text="send back in events to attribute clicks and purchases")


class RecommendationListSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True, help_text="the model version that produced the list")
    source = serializers.ChoiceField(
        choices=["personalized", "session", "similar", "bought_together", "trending", "fallback"],
        help_text="fallback: no model or nothing cached; trending: cold start",
    )
    items = RecommendedItemSerializer(many=True)


class CustomerRecommendationsSerializer(RecommendationListSerializer):
    customer_id = serializers.IntegerField()


class ProductRecommendationsSerializer(RecommendationListSerializer):
    sku = serializers.CharField()


class SessionRecommendationsSerializer(RecommendationListSerializer):
    pass


EXAMPLE_ITEM = {
    "product_id": 412, "sku": "PH-0412", "name": "Nova X2 Phone 128GB", "price": "499.00", "currency": "GBP",
    "score": 0.8731, "reason": "bought together with Nova X2 Case", "recommendation_id": "7-personalized-3fa9c1d2e4.1",
}
CUSTOMER_EXAMPLE = OpenApiExample(
    "personalised", value={"customer_id": 17850, "model_version": 7, "source": "personalized", "items": [EXAMPLE_ITEM]},
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
