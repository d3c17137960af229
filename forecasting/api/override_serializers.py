"""Overrides and bias: query and body serializers, OpenAPI examples."""
import math

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from electroshop.conf import electroshop_settings

from .common import MAX_ID, check_period, period_day, resolve_product


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise serializers.ValidationError("A finite number is required.")
    return value


class OverrideInputSerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, max_length=64, help_text="the product (or give product_id)")
    product_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    starts_on = period_day("first day overridden")
    ends_on = period_day("last day overridden (inclusive)")
    units_per_day = serializers.FloatField(required=False, allow_null=True, min_value=0.0, max_value=1e9,
                                           help_text="the forecast on those days (or give percent)")
    percent = serializers.FloatField(required=False, allow_null=True, min_value=-100.0, max_value=10000.0,
                                     help_text="change of the model's forecast, e.g. 20 = +20%, -50 = halved")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate_units_per_day(self, value):
        return _finite(value)

    def validate_percent(self, value):
        return _finite(value)

    def validate(self, data: dict) -> dict:
        check_period(resolve_product(data, required=True))
        if (data.get("units_per_day") is None) == (data.get("percent") is None):
            raise serializers.ValidationError(
                {"units_per_day": ["Give either units_per_day or percent (exactly one)."]})
        return data


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    sku = serializers.CharField(allow_blank=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    units_per_day = serializers.FloatField(allow_null=True)
    percent = serializers.FloatField(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    created_by = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class OverrideListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = OverrideSerializer(many=True)


class OverrideQuerySerializer(serializers.Serializer):
    sku = serializers.CharField(required=False, max_length=64, help_text="only this product's overrides")
    active_on = serializers.DateField(required=False, help_text="only overrides covering this day")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


class BiasQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["product", "category"], required=False, default="product")
    weeks = serializers.IntegerField(required=False, min_value=1,
                                     help_text="weeks with actuals to look back (default FORECAST_BIAS_WEEKS, 4; "
                                               "at most FORECAST_ISSUED_KEEP_DAYS / 7)")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)

    def validate_weeks(self, value: int) -> int:
        limit = int(electroshop_settings.FORECAST_ISSUED_KEEP_DAYS) // 7
        if value > limit:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {limit}.")
        return value


class BiasRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="product id, or category id (0 = the whole shop)")
    sku = serializers.CharField(required=False, help_text="products only")
    name = serializers.CharField(required=False)
    issued_units = serializers.FloatField(help_text="sum of the issued forecasts")
    actual_units = serializers.FloatField()
    bias_units = serializers.FloatField(help_text="issued - actual: > 0 over-forecast, < 0 under-forecast")
    bias_percent = serializers.FloatField(allow_null=True, help_text="bias_units / actual_units x 100")
    days = serializers.IntegerField(help_text="days with an issued forecast in the window")


class BiasSerializer(serializers.Serializer):
    level = serializers.CharField()
    weeks = serializers.IntegerField()
    start = serializers.DateField(allow_null=True, help_text="first day of the window")
    end = serializers.DateField(allow_null=True, help_text="last day of the window (the last day with orders)")
    count = serializers.IntegerField()
    results = BiasRowSerializer(many=True)


OVERRIDE = {"id": 7, "product_id": 412, "sku": "PH-0412", "starts_on": "2026-05-04", "ends_on": "2026-05-10",
            "units_per_day": None, "percent": 30.0, "note": "TV advert week", "created_by": "merchant",
            "created_at": "2026-05-01T09:30:00Z"}
OVERRIDE_REQUEST_EXAMPLES = [
    OpenApiExample("a percentage", request_only=True,
                   value={"sku": "PH-0412", "starts_on": "2026-05-04", "ends_on": "2026-05-10", "percent": 30,
                          "note": "TV advert week"}),
    OpenApiExample("a value", request_only=True,
                   value={"product_id": 412, "starts_on": "2026-06-01", "ends_on": "2026-06-30", "units_per_day": 0,
                          "note": "discontinued in June"}),
]
OVERRIDE_EXAMPLE = OpenApiExample("created", value=OVERRIDE, response_only=True, status_codes=["201"])
OVERRIDE_DELETED_EXAMPLE = OpenApiExample("deleted (as it was)", value=OVERRIDE, response_only=True)
OVERRIDE_LIST_EXAMPLE = OpenApiExample("overrides", value={"count": 1, "results": [OVERRIDE]}, response_only=True)
BIAS_EXAMPLE = OpenApiExample(
    "per product", response_only=True,
    value={"level": "product", "weeks": 4, "start": "2026-04-03", "end": "2026-04-30", "count": 1,
           "results": [{"id": 412, "sku": "PH-0412", "name": "Nova X2 Phone 128GB", "issued_units": 180.5,
                        "actual_units": 150.0, "bias_units": 30.5, "bias_percent": 20.33, "days": 28}]},
)
CATEGORY_BIAS_EXAMPLE = OpenApiExample(
    "per category", response_only=True,
    value={"level": "category", "weeks": 4, "start": "2026-04-03", "end": "2026-04-30", "count": 2,
           "results": [{"id": 0, "name": "whole shop", "issued_units": 5210.0, "actual_units": 5400.0,
                        "bias_units": -190.0, "bias_percent": -3.52, "days": 28},
                       {"id": 3, "name": "Phones", "issued_units": 820.0, "actual_units": 760.0,
                        "bias_units": 60.0, "bias_percent": 7.89, "days": 28}]},
)
