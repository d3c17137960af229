"""Shapes of the experiments API, with the OpenAPI examples."""
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from ..lifecycle import EXPERIMENT_PLACEMENTS, MAX_VARIANTS
from ..models import Metric


class VariantInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=40)
    weight = serializers.FloatField(min_value=0.0, help_text="relative traffic weight")
    strategy = serializers.CharField(max_length=40, help_text="active, version:<n>, trending, popular or none (holdout)")
    list_length = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100,
                                           help_text="items shown; omitted: what the caller asks for")


class ExperimentInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    placement = serializers.ChoiceField(choices=EXPERIMENT_PLACEMENTS)
    mode = serializers.ChoiceField(choices=["ab", "bandit"])
    primary_metric = serializers.ChoiceField(choices=Metric.values)
    guardrail_metrics = serializers.ListField(child=serializers.ChoiceField(choices=Metric.values), required=False)
    variants = VariantInSerializer(many=True, max_length=MAX_VARIANTS)
    min_arm_weight = serializers.FloatField(required=False, min_value=0.0, max_value=0.5,
                                            help_text="bandits: the smallest share of traffic an arm keeps")
    minimum_detectable_effect = serializers.FloatField(required=False, min_value=0.001, max_value=10.0,
                                                       help_text="relative lift the sample size is estimated for")


class VariantOutSerializer(serializers.Serializer):
    name = serializers.CharField()
    weight = serializers.FloatField()
    serving_weight = serializers.FloatField(help_text="share of subjects bucketed here now")
    strategy = serializers.CharField()
    list_length = serializers.IntegerField(allow_null=True)


class ExperimentOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    placement = serializers.CharField()
    mode = serializers.CharField()
    primary_metric = serializers.CharField()
    guardrail_metrics = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=["draft", "running", "stopped"])
    min_arm_weight = serializers.FloatField()
    minimum_detectable_effect = serializers.FloatField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    stopped_at = serializers.DateTimeField(allow_null=True)
    stop_reason = serializers.CharField()
    variants = VariantOutSerializer(many=True)


class ExperimentListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = ExperimentOutSerializer(many=True)


class StopSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000)


START_EXAMPLE = OpenApiExample("start (no fields)", request_only=True, value={})
STOP_EXAMPLE = OpenApiExample("stop with a reason", request_only=True, value={"reason": "B won: rolled out"})


class VariantResultSerializer(serializers.Serializer):
    name = serializers.CharField()
    strategy = serializers.CharField()
    subjects = serializers.IntegerField()
    impressions = serializers.IntegerField()
    clicks = serializers.IntegerField()
    ctr = serializers.FloatField()
    conversions = serializers.IntegerField(help_text="orders attributed to the variant's lists")
    revenue = serializers.FloatField(help_text="their revenue")
    orders_all = serializers.IntegerField(help_text="every order of the variant's subjects after their exposure")
    revenue_all = serializers.FloatField(help_text="their revenue")
    revenue_per_subject = serializers.FloatField()
    lift = serializers.FloatField(required=False, allow_null=True, help_text="relative lift over control (0.1 = +10%)")
    lift_ci = serializers.ListField(child=serializers.FloatField(), required=False, allow_null=True,
                                    help_text="95% interval of the lift")
    p_value = serializers.FloatField(required=False, allow_null=True)
    decision = serializers.ChoiceField(choices=["better", "worse", "no_difference", "need_more_data"], required=False,
                                       allow_null=True, help_text="null: not comparable (see note)")
    note = serializers.CharField(required=False, help_text="why the primary metric is not compared")


class ResultsSerializer(serializers.Serializer):
    experiment = serializers.IntegerField()
    primary_metric = serializers.CharField()
    srm_p_value = serializers.FloatField(allow_null=True, help_text="sample-ratio mismatch test; below 0.001: alarm")
    order_basis = serializers.ChoiceField(
        choices=["attributed", "all"], help_text="the orders conversion and revenue per subject count: those "
        "attributed to a list, or (with a holdout variant) every order after exposure")
    note = serializers.CharField(allow_null=True, help_text="what a reader of these results should know")
    computed_at = serializers.DateTimeField(allow_null=True, help_text="when update_experiments computed them")
    variants = VariantResultSerializer(many=True)


CREATE_EXAMPLE = OpenApiExample("an A/B test", request_only=True, value={
    "name": "trending vs personal", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
    "variants": [{"name": "A", "weight": 50, "strategy": "trending"}, {"name": "B", "weight": 50, "strategy": "active"}]})
BANDIT_EXAMPLE = OpenApiExample("a bandit with a holdout", request_only=True, value={
    "name": "home page lists", "placement": "session", "mode": "bandit", "primary_metric": "ctr",
    "variants": [{"name": "model", "weight": 1, "strategy": "active"},
                 {"name": "popular", "weight": 1, "strategy": "popular"},
                 {"name": "short", "weight": 1, "strategy": "active", "list_length": 4},
                 {"name": "holdout", "weight": 1, "strategy": "none"}]})
EXPERIMENT_EXAMPLE = OpenApiExample("an experiment", response_only=True, value={
    "id": 3, "name": "trending vs personal", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
    "guardrail_metrics": [], "status": "running", "min_arm_weight": 0.01, "minimum_detectable_effect": 0.1,
    "created_at": "2026-12-01T09:00:00Z", "started_at": "2026-12-01T09:05:00Z", "stopped_at": None, "stop_reason": "",
    "variants": [{"name": "A", "weight": 50.0, "serving_weight": 0.5, "strategy": "trending", "list_length": None},
                 {"name": "B", "weight": 50.0, "serving_weight": 0.5, "strategy": "active", "list_length": None}]})
BAD_STRATEGY_EXAMPLE = OpenApiExample("an unknown strategy", response_only=True, status_codes=["400"], value={
    "variants": ["variant 1: 'best' is not a strategy: use active, version:<n>, trending, popular or none"]})
RESULTS_EXAMPLE = OpenApiExample("results", response_only=True, value={
    "experiment": 3, "name": "trending vs personal", "status": "running", "mode": "ab", "primary_metric": "ctr",
    "srm_p_value": 0.41, "order_basis": "attributed", "note": None, "computed_at": "2026-12-06T10:05:00Z",
    "variants": [
        {"name": "A", "strategy": "trending", "subjects": 1012, "impressions": 5060, "clicks": 41, "ctr": 0.0081,
         "conversions": 19, "revenue": 2210.5, "orders_all": 64, "revenue_all": 7410.0, "revenue_per_subject": 2.18},
        {"name": "B", "strategy": "active", "subjects": 988, "impressions": 4940, "clicks": 98, "ctr": 0.0198,
         "conversions": 51, "revenue": 6120.0, "orders_all": 90, "revenue_all": 10330.0, "revenue_per_subject": 6.19,
         "lift": 1.44, "lift_ci": [0.86, 2.02], "p_value": 0.00001, "decision": "better"}]})
HOLDOUT_RESULTS_EXAMPLE = OpenApiExample("results with a holdout control", response_only=True, value={
    "experiment": 4, "name": "lists vs none", "status": "running", "mode": "ab",
    "primary_metric": "revenue_per_subject",
    "srm_p_value": 0.62, "order_basis": "all", "computed_at": "2026-12-06T10:05:00Z",
    "note": "every order after exposure counts (orders_all, revenue_all), attributed to a list or not, so the "
            "holdout, which shows no list, is compared like with like",
    "variants": [
        {"name": "holdout", "strategy": "none", "subjects": 1004, "impressions": 0, "clicks": 0, "ctr": 0.0,
         "conversions": 0, "revenue": 0.0, "orders_all": 71, "revenue_all": 8120.0, "revenue_per_subject": 8.09},
        {"name": "lists", "strategy": "active", "subjects": 996, "impressions": 4980, "clicks": 97, "ctr": 0.0195,
         "conversions": 48, "revenue": 5870.0, "orders_all": 93, "revenue_all": 10890.0, "revenue_per_subject": 10.93,
         "lift": 0.35, "lift_ci": [0.08, 0.62], "p_value": 0.011, "decision": "need_more_data"}]})
