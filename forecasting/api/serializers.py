from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from electroshop.conf import electroshop_settings

ABC_CHOICES = ["A", "B", "C"]
XYZ_CHOICES = ["X", "Y", "Z"]
URGENCY_CHOICES = ["none", "low", "high", "critical"]


class HorizonQuerySerializer(serializers.Serializer):
    horizon = serializers.IntegerField(required=False, min_value=1,
                                       help_text="days to return from the forecast origin (default and maximum: "
                                                 "ELECTROSHOP FORECAST_HORIZON_DAYS, 28)")

    def validate_horizon(self, value: int) -> int:
        limit = int(electroshop_settings.FORECAST_HORIZON_DAYS)
        if value > limit:
            raise serializers.ValidationError(f"Ensure this value is less than or equal to {limit}.")
        return value

    def horizon_value(self) -> int:
        return self.validated_data.get("horizon", int(electroshop_settings.FORECAST_HORIZON_DAYS))


class ReorderQuerySerializer(serializers.Serializer):
    abc = serializers.ChoiceField(choices=ABC_CHOICES, required=False, help_text="only this ABC (revenue) class")
    xyz = serializers.ChoiceField(choices=XYZ_CHOICES, required=False, help_text="only this XYZ (variability) class")
    urgency = serializers.ChoiceField(choices=URGENCY_CHOICES, required=False,
                                      help_text="only suggestions at least this urgent")
    reorder_only = serializers.BooleanField(required=False, default=False,
                                            help_text="only products with a quantity to order (= reorder_now)")
    all = serializers.BooleanField(required=False, default=False,
                                   help_text="the whole stocked catalogue; by default only the products that need "
                                             "attention (reorder now, stock-out within the horizon, overstock or "
                                             "dead stock)")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


class StockoutQuerySerializer(serializers.Serializer):
    within_days = serializers.IntegerField(required=False, default=14, min_value=1, max_value=365,
                                           help_text="projected stock-out within this many days of the forecast origin")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)


class ForecastPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    mean = serializers.FloatField(help_text="expected units")
    lo80 = serializers.FloatField()
    hi80 = serializers.FloatField()
    lo95 = serializers.FloatField()
    hi95 = serializers.FloatField()


class ForecastSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True,
                                             help_text="the version number (as in the admin); null for a fallback")
    origin = serializers.DateField(help_text="first forecast day; only orders before it were used")
    source = serializers.ChoiceField(choices=["model", "fallback"],
                                     help_text="fallback: no model for this subject, seasonal naive from recent weeks")
    points = ForecastPointSerializer(many=True)


class ProductForecastSerializer(ForecastSerializer):
    sku = serializers.CharField()


class CategoryForecastSerializer(ForecastSerializer):
    category_id = serializers.IntegerField(help_text="0 = the whole shop")


class ReorderSuggestionSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    supplier = serializers.CharField()
    origin = serializers.DateField()
    on_hand = serializers.IntegerField()
    on_order = serializers.IntegerField()
    lead_time_days = serializers.IntegerField()
    pack_size = serializers.IntegerField()
    minimum_order_quantity = serializers.IntegerField()
    service_level = serializers.FloatField()
    daily_demand = serializers.FloatField()
    safety_stock = serializers.FloatField()
    reorder_point = serializers.FloatField()
    order_up_to = serializers.FloatField()
    lead_time_std_days = serializers.FloatField(help_text="the supplier's lead-time variability (days)")
    lead_time_demand = serializers.FloatField(help_text="expected units over the lead time")
    inventory_position = serializers.FloatField(help_text="on hand + on order")
    suggested_quantity = serializers.IntegerField(help_text="> 0 exactly when reorder_now: up to the order-up-to level "
                                                            "(lead time + review period), whole packs, at least the "
                                                            "minimum order, raised to a price break when that costs "
                                                            "no more")
    unit_price = serializers.FloatField(allow_null=True, help_text="the supplier's unit price at the suggested "
                                                                   "quantity; null: unknown")
    reorder_now = serializers.BooleanField(help_text="inventory position at or below the reorder point")
    stockout_date = serializers.DateField(allow_null=True, help_text="projected from on hand, the expected "
                                                                     "deliveries and the forecast")
    next_arrival_on = serializers.DateField(allow_null=True, help_text="expected arrival of the next delivery")
    needs_attention = serializers.BooleanField()
    reason = serializers.CharField(help_text="the advice in words")
    days_of_cover = serializers.FloatField(allow_null=True)
    urgency = serializers.ChoiceField(choices=URGENCY_CHOICES)
    abc_class = serializers.CharField()
    xyz_class = serializers.CharField()
    demand_class = serializers.CharField()


class ReorderListSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True)
    origin = serializers.DateField(allow_null=True)
    count = serializers.IntegerField()
    results = ReorderSuggestionSerializer(many=True)


class LostSalesQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=90, min_value=1, max_value=90,
                                    help_text="stock-out days within this many days before the forecast origin")
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


class LostSalesRowSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    stockout_days = serializers.IntegerField(help_text="stock-out days with demand lost")
    lost_units = serializers.FloatField(help_text="expected demand minus units sold on those days")
    lost_revenue = serializers.FloatField(help_text="lost units at the product's current price")


class LostSalesListSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True)
    origin = serializers.DateField(allow_null=True)
    days = serializers.IntegerField()
    count = serializers.IntegerField()
    results = LostSalesRowSerializer(many=True)


class StockoutListSerializer(serializers.Serializer):
    model_version = serializers.IntegerField(allow_null=True)
    origin = serializers.DateField(allow_null=True)
    within_days = serializers.IntegerField()
    results = ReorderSuggestionSerializer(many=True)


POINTS = [
    # whole-unit quantiles of the day's count distribution (mean 6.8 / 4.1, variance 1.6 x the mean)
    {"date": "2026-05-01", "mean": 6.8, "lo80": 3.0, "hi80": 11.0, "lo95": 1.0, "hi95": 14.0},
    {"date": "2026-05-02", "mean": 4.1, "lo80": 1.0, "hi80": 8.0, "lo95": 0.0, "hi95": 9.0},
]
PRODUCT_EXAMPLE = OpenApiExample(
    "forecast",
    value={"sku": "PH-0412", "model_version": 4, "origin": "2026-05-01", "source": "model", "points": POINTS},
    response_only=True,
)
PRODUCT_FALLBACK_EXAMPLE = OpenApiExample(
    "no model yet", value={"sku": "PH-0412", "model_version": None, "origin": "2026-05-01", "source": "fallback",
                           "points": POINTS}, response_only=True,
)
CATEGORY_EXAMPLE = OpenApiExample(
    "category", value={"category_id": 3, "model_version": 4, "origin": "2026-05-01", "source": "model",
                       "points": POINTS}, response_only=True,
)
SUGGESTION = {
    "product_id": 412, "sku": "PH-0412", "name": "Nova X2 Phone 128GB", "supplier": "Acme", "origin": "2026-05-01",
    "on_hand": 20, "on_order": 0, "lead_time_days": 7, "pack_size": 10, "minimum_order_quantity": 5,
    "service_level": 0.95, "daily_demand": 6.15, "safety_stock": 9.95, "reorder_point": 53.0, "order_up_to": 96.0,
    "suggested_quantity": 80, "reorder_now": True, "stockout_date": "2026-05-04", "days_of_cover": 3.25,
    "urgency": "critical", "abc_class": "A", "xyz_class": "Y", "demand_class": "smooth", "lead_time_std_days": 1.5,
    "lead_time_demand": 43.05, "inventory_position": 20.0, "unit_price": 182.5, "next_arrival_on": None,
    "needs_attention": True,
    "reason": "projected stock-out on 4 May, before an order placed today can arrive (7-day lead time); order 80 now: "
              "20 in stock and on order is at or below the reorder point 53 (43 expected over the 7±1.5-day lead "
              "time + 9.9 safety stock for 95% service), 76 needed, rounded up to packs of 10 at 182.50 a unit",
}
REORDER_EXAMPLE = OpenApiExample(
    "reorder list", value={"model_version": 4, "origin": "2026-05-01", "count": 1, "results": [SUGGESTION]},
    response_only=True,
)
STOCKOUT_EXAMPLE = OpenApiExample(
    "at risk", value={"model_version": 4, "origin": "2026-05-01", "within_days": 14, "results": [SUGGESTION]},
    response_only=True,
)
LOST_SALES_EXAMPLE = OpenApiExample(
    "lost sales", response_only=True,
    value={"model_version": 4, "origin": "2026-05-01", "days": 90, "count": 1,
           "results": [{"product_id": 412, "sku": "PH-0412", "stockout_days": 6, "lost_units": 31.4,
                        "lost_revenue": 9106.0}]},
)
