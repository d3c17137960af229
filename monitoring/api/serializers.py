"""The monitoring endpoint's query and answer (``GET /api/v1/monitoring/``)."""
from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from ..services import APPS


class MonitoringQuerySerializer(serializers.Serializer):
    app = serializers.ChoiceField(choices=APPS, required=False, help_text="only this app's latest report")


class DriftTestSerializer(serializers.Serializer):
    feature = serializers.CharField()
    test = serializers.ChoiceField(choices=["psi", "ks", "chi_square"])
    statistic = serializers.FloatField()
    threshold = serializers.FloatField(help_text="PSI: the drift level; p-value tests: the corrected significance level")
    drifted = serializers.BooleanField()
    p_value = serializers.FloatField(required=False, help_text="KS and chi-square")
    warning = serializers.BooleanField(required=False, help_text="PSI: at or above MONITORING_PSI_WARN")


class TrainingRunSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


class FreshnessSerializer(serializers.Serializer):
    model_as_of = serializers.DateTimeField(allow_null=True)
    activated_at = serializers.DateTimeField(allow_null=True)
    age_days = serializers.FloatField(allow_null=True, help_text="days from the model's as_of to the check's")
    schedule_days = serializers.FloatField(help_text="days between two retrains")
    stale = serializers.BooleanField(help_text="no active model, or older than twice its schedule")
    last_event_at = serializers.DateTimeField(allow_null=True, help_text="null: none in the current window")
    last_order_at = serializers.DateTimeField(allow_null=True, help_text="null: none in the current window")
    last_run = TrainingRunSummarySerializer(allow_null=True)
    run_failed = serializers.BooleanField()
    run_unfinished = serializers.BooleanField(help_text="queued or running for longer than the schedule")


class ReportSerializer(serializers.Serializer):
    app = serializers.ChoiceField(choices=APPS)
    model_version = serializers.IntegerField(help_text="the active version's number; 0: none active")
    checked_at = serializers.DateTimeField()
    as_of = serializers.DateTimeField()
    windows = serializers.DictField(child=serializers.ListField(child=serializers.DateTimeField()),
                                    help_text="reference and current: [since, until)")
    freshness = FreshnessSerializer()
    drift = DriftTestSerializer(many=True)
    drift_share = serializers.FloatField(help_text="share of the features tested with a drifted test")
    input_drifted = serializers.BooleanField(help_text="drift_share at or above MONITORING_DRIFT_SHARE")
    features_without_data = serializers.ListField(child=serializers.CharField())
    performance = serializers.DictField()
    alerts = serializers.ListField(child=serializers.DictField())


class MonitoringSerializer(serializers.Serializer):
    reports = ReportSerializer(many=True)


MONITORING_EXAMPLE = OpenApiExample(
    "the fraud model's latest check", response_only=True,
    value={"reports": [{
        "app": "fraud", "model_version": 12, "checked_at": "2026-11-28T05:00:02+00:00",
        "as_of": "2026-11-28T05:00:00+00:00",
        "windows": {"reference": ["2026-10-27T04:00:00+00:00", "2026-11-24T04:00:00+00:00"],
                    "current": ["2026-11-21T05:00:00+00:00", "2026-11-28T05:00:00+00:00"]},
        "freshness": {"model_as_of": "2026-11-24T04:00:00+00:00", "activated_at": "2026-11-24T04:12:40+00:00",
                      "age_days": 4.04, "schedule_days": 1, "stale": True,
                      "last_event_at": "2026-11-28T04:59:51+00:00", "last_order_at": "2026-11-28T04:58:12+00:00",
                      "last_run": {"id": 311, "status": "failed", "created_at": "2026-11-28T04:00:00+00:00",
                                   "finished_at": "2026-11-28T04:03:10+00:00", "error": "OperationalError: ..."},
                      "run_failed": True, "run_unfinished": False},
        "drift": [
            {"feature": "order amount", "test": "psi", "statistic": 0.31, "threshold": 0.25, "drifted": True,
             "warning": True},
            {"feature": "order amount", "test": "ks", "statistic": 0.12, "p_value": 1e-9, "threshold": 0.0125,
             "drifted": True},
            {"feature": "billing country", "test": "chi_square", "statistic": 4.2, "p_value": 0.38,
             "threshold": 0.0125, "drifted": False},
        ],
        "drift_share": 0.25, "input_drifted": False, "features_without_data": [], "performance": {}, "alerts": [],
    }]},
)
