"""Merchant-entered events: query and body serializers, OpenAPI examples."""
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from electroshop.seam import reads

from ..models import ForecastEvent
from .common import MAX_ID, check_period, period_day, resolve_product


class EventInputSerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, max_length=64, help_text="the product (or give product_id)")
    product_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    category_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                           help_text="a category with its subcategories; no product and no "
                                                     "category: the whole shop")
    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ForecastEvent.Kind.values, required=False,
                                   default=ForecastEvent.Kind.CAMPAIGN)
    starts_on = period_day("first day of the event")
    ends_on = period_day("last day of the event (inclusive)")

    def validate_category_id(self, value: int) -> int:
        if reads.category_subtree_ids(value) is None:
            raise serializers.ValidationError(f"No category with id {value}.")
        return value

    def validate(self, data: dict) -> dict:
        resolve_product(data, required=False)
        if data.get("product_id") is not None and data.get("category_id") is not None:
            raise serializers.ValidationError(
                {"category_id": ["Give a product or a category (or neither: the whole shop), not both."]})
        return check_period(data)


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    scope = serializers.ChoiceField(choices=["product", "category", "shop"])
    product_id = serializers.IntegerField(allow_null=True)
    sku = serializers.CharField(allow_null=True)
    category_id = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class EventListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = EventSerializer(many=True)


class EventQuerySerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, max_length=64, help_text="only this product's events")
    category_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                           help_text="only this category's events (as entered)")
    active_on = serializers.DateField(required=False, help_text="only events covering this day")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


EVENT = {"id": 3, "name": "Black Friday", "kind": "campaign", "scope": "category", "product_id": None, "sku": None,
         "category_id": 5, "starts_on": "2026-11-27", "ends_on": "2026-11-30"}
EVENT_REQUEST_EXAMPLES = [
    OpenApiExample("a category's campaign", request_only=True,
                   value={"category_id": 5, "name": "Black Friday", "kind": "campaign", "starts_on": "2026-11-27",
                          "ends_on": "2026-11-30"}),
    OpenApiExample("a product launch", request_only=True,
                   value={"sku": "PH-0412", "name": "Nova X2 launch", "kind": "launch", "starts_on": "2026-05-04",
                          "ends_on": "2026-05-10"}),
    OpenApiExample("the whole shop", request_only=True,
                   value={"name": "Summer sale", "starts_on": "2026-07-01", "ends_on": "2026-07-14"}),
]
EVENT_EXAMPLE = OpenApiExample("created", value=EVENT, response_only=True, status_codes=["201"])
EVENT_DELETED_EXAMPLE = OpenApiExample("deleted (as it was)", value=EVENT, response_only=True)
EVENT_LIST_EXAMPLE = OpenApiExample("events", value={"count": 1, "results": [EVENT]}, response_only=True)
