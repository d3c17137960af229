"""The KPI endpoint's query and answer (``GET /api/v1/kpis/``)."""
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from ..kpi_selectors import DEFAULT_DAYS, date_range, range_problem

MAX_INT = 2**31 - 1


def _from_field(serializer_field: serializers.Field, fields: dict) -> dict:
    # "from" is a Python keyword: the field is added by name instead of declared.
    return {"from": serializer_field, **fields}


class KpiQuerySerializer(serializers.Serializer):
    to = serializers.DateField(required=False, input_formats=["iso-8601"],
                               help_text="last day, inclusive, YYYY-MM-DD (UTC days; default today)")
    placement = serializers.RegexField(
        r"^[a-z0-9_]{1,32}$", required=False, help_text="only this placement (customer, session, similar, ...)",
        error_messages={"invalid": "Must be a placement name: lower-case letters, digits and _, at most 32."})
    strategy = serializers.RegexField(
        r"^[A-Za-z0-9_:.]{1,40}$", required=False, help_text="only this strategy (as in the recommendation id)",
        error_messages={"invalid": "Must be a strategy name: letters, digits, _, : and ., at most 40."})
    model_version = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT,
                                             help_text="only this model version number (0: lists of no model)")
    experiment = serializers.IntegerField(required=False, min_value=0, max_value=MAX_INT,
                                          help_text="only this experiment id (0: lists outside experiments)")

    def get_fields(self) -> dict:
        return _from_field(serializers.DateField(
            required=False, input_formats=["iso-8601"],
            help_text=f"first day, YYYY-MM-DD (default {DEFAULT_DAYS - 1} days before to)"), super().get_fields())

    def validate(self, data: dict) -> dict:
        start, end = date_range(data.get("from"), data.get("to"))
        problem = range_problem(start, end)
        if problem:
            raise serializers.ValidationError({"from": [problem]})
        return {**data, "from": start, "to": end}


class KpiValuesSerializer(serializers.Serializer):
    impressions = serializers.IntegerField(help_text="items shown from the lists")
    subjects = serializers.IntegerField(help_text="customers or sessions with any activity (each once)")
    clicking_subjects = serializers.IntegerField()
    clicks = serializers.IntegerField()
    ctr = serializers.FloatField(help_text="clicks / impressions")
    add_to_carts = serializers.IntegerField()
    orders = serializers.IntegerField(help_text="attributed purchases (purchase events and order lines)")
    converting_subjects = serializers.IntegerField()
    conversion_rate = serializers.FloatField(help_text="converting subjects / subjects")
    revenue = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="attributed revenue")
    revenue_per_subject = serializers.FloatField()
    average_order_value = serializers.FloatField(help_text="revenue / orders")


class KpiRowSerializer(KpiValuesSerializer):
    day = serializers.DateField()
    placement = serializers.CharField()
    strategy = serializers.CharField()
    model_version = serializers.IntegerField(help_text="0: no model")
    experiment_id = serializers.IntegerField(help_text="0: no experiment")
    variant = serializers.CharField(help_text='"" outside experiments')


class KpiReportSerializer(serializers.Serializer):
    to = serializers.DateField()
    rows = KpiRowSerializer(many=True, help_text="one per day and group (placement, strategy, version, variant)")
    totals = KpiValuesSerializer(help_text="the whole range and every matching group; each subject once")

    def get_fields(self) -> dict:
        return _from_field(serializers.DateField(), super().get_fields())


VALUES = {"impressions": 1200, "subjects": 310, "clicking_subjects": 41, "clicks": 52, "ctr": 0.04333,
          "add_to_carts": 12, "orders": 5, "converting_subjects": 5, "conversion_rate": 0.01613,
          "revenue": "749.50", "revenue_per_subject": 2.4177, "average_order_value": 149.9}
KPI_EXAMPLE = OpenApiExample(
    "a day of one placement", response_only=True,
    value={"from": "2026-05-01", "to": "2026-05-01",
           "rows": [{"day": "2026-05-01", "placement": "customer", "strategy": "active", "model_version": 7,
                     "experiment_id": 3, "variant": "control", **VALUES}],
           "totals": VALUES},
)
