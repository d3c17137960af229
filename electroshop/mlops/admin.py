"""The model registry in the admin: read-only versions and runs, with activate / roll back / retrain.

Every action calls a registry service and reports with ``message_user``; retraining creates a
TrainingRun first and enqueues the task when the transaction commits.
"""
import json
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from . import services
from .dashboard import can_manage_models, retrain_from_admin
from .formatting import HEADLINE_METRICS, format_duration, format_metric, metric_label
from .models import ModelVersion, TrainingRun
from .registry import KNOWN_APPS


def _value(key: str, value: Any) -> str:
    """A stored metric or parameter value as the admin writes it: numbers formatted, dicts as nested tables."""
    if isinstance(value, dict):
        return _json_table(value)
    if isinstance(value, list):
        return format_html("<pre style='margin:0'>{}</pre>", json.dumps(value, indent=2, default=str))
    if value is None or isinstance(value, (int, float)):
        return format_metric(key, value)
    return str(value)


def _json_table(data: Any) -> str:
    """A dict as a two-column table of labelled keys (see formatting.metric_label) and formatted values."""
    if not data:
        return "—"
    if not isinstance(data, dict):
        return _value("", data)
    rows = format_html_join(
        "", "<tr><th style='text-align:left'>{}</th><td>{}</td></tr>",
        ((metric_label(key), _value(key, value)) for key, value in sorted(data.items())),
    )
    return format_html("<table>{}</table>", rows)


def headline(version: ModelVersion, limit: int = 3) -> str:
    """A version's headline metrics (else its first numeric ones), labelled, for a list column."""
    metrics = version.metrics or {}
    keys = [k for k in HEADLINE_METRICS.get(version.app, ()) if k in metrics] or sorted(
        k for k, v in metrics.items() if isinstance(v, (int, float)) and not isinstance(v, bool))
    return format_html_join(mark_safe("<br>"), "{}: <strong>{}</strong>",
                            ((metric_label(k), format_metric(k, metrics[k])) for k in keys[:limit])) or "—"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        """Activating, rolling back and retraining: for those allowed to change model versions."""
        return can_manage_models(request)


class _RetrainMixin:
    """"Retrain now" for the apps of the selected rows, or by the list's buttons."""

    def _retrain(self, request: HttpRequest, app: str) -> None:
        retrain_from_admin(self, request, app)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("retrain/<str:app>/", self.admin_site.admin_view(require_POST(self.retrain_view)),
                 name="%s_%s_retrain" % info),
            *super().get_urls(),
        ]

    def retrain_view(self, request: HttpRequest, app: str):
        """POSTed by the "Retrain" buttons of the list (works before any version exists)."""
        if not self.has_manage_permission(request):
            raise PermissionDenied
        if app not in KNOWN_APPS:
            self.message_user(request, f"Unknown app {app!r}.", messages.ERROR)
        else:
            self._retrain(request, app)
        return HttpResponseRedirect(reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist"))

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None):
        extra_context = {**(extra_context or {}), "retrain_apps": KNOWN_APPS if self.has_manage_permission(request) else ()}
        return super().changelist_view(request, extra_context)


@admin.register(ModelVersion)
class ModelVersionAdmin(_RetrainMixin, ReadOnlyAdmin):
    change_list_template = "admin/mlops/change_list_retrain.html"
    list_display = ("label", "status", "as_of", "headline_metrics", "train_time", "fill_time", "created_at", "activated_at")
    list_filter = ("app", "kind", "status")
    search_fields = ("app", "kind", "notes")
    ordering = ("app", "kind", "-version")
    actions = ["activate", "roll_back", "retrain_now"]
    fields = (
        "app", "kind", "version", "status", "as_of", "data_start", "data_end", "metrics_table", "parameters_table",
        "train_time", "fill_time", "artifact_path", "artifact_sha256", "created_at", "activated_at", "retired_at",
        "notes", "runs",
    )
    readonly_fields = fields

    @admin.display(description="version", ordering="version")
    def label(self, obj: ModelVersion) -> str:
        return obj.label

    @admin.display(description="metrics")
    def headline_metrics(self, obj: ModelVersion) -> str:
        return headline(obj)

    @admin.display(description="metrics")
    def metrics_table(self, obj: ModelVersion) -> str:
        return _json_table(obj.metrics)

    @admin.display(description="parameters")
    def parameters_table(self, obj: ModelVersion) -> str:
        return _json_table(obj.parameters)

    @admin.display(description="training time")
    def train_time(self, obj: ModelVersion) -> str:
        return format_duration(obj.train_seconds)

    @admin.display(description="cache fill time")
    def fill_time(self, obj: ModelVersion) -> str:
        return format_duration(obj.fill_seconds)

    @admin.display(description="training runs")
    def runs(self, obj: ModelVersion) -> str:
        runs = obj.training_runs.all()[:10]
        if not runs:
            return "—"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">{}</a>',
            ((reverse("admin:mlops_trainingrun_change", args=[run.pk]), str(run)) for run in runs),
        )

    @admin.action(description="Activate the selected version", permissions=["manage"])
    def activate(self, request: HttpRequest, queryset):
        versions = list(queryset)
        if len(versions) != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.WARNING)
            return
        try:
            version = services.activate_model_version(version_id=versions[0].pk)
        except services.RegistryError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        self.message_user(request, f"{version.label} is now active.", messages.SUCCESS)

    @admin.action(description="Roll back the selected kind to its previous version", permissions=["manage"])
    def roll_back(self, request: HttpRequest, queryset):
        for app, kind in sorted(set(queryset.values_list("app", "kind"))):
            try:
                version = services.rollback_model_version(app=app, kind=kind)
            except services.RegistryError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(request, f"Rolled {app}.{kind} back to {version.label}.", messages.SUCCESS)

    @admin.action(description="Retrain the selected apps now", permissions=["manage"])
    def retrain_now(self, request: HttpRequest, queryset):
        for app in sorted(set(queryset.values_list("app", flat=True))):
            self._retrain(request, app)


@admin.register(TrainingRun)
class TrainingRunAdmin(_RetrainMixin, ReadOnlyAdmin):
    change_list_template = "admin/mlops/change_list_retrain.html"
    list_display = ("pk", "app", "kind", "status", "progress_percent", "stage", "duration", "triggered_by",
                    "model_version", "created_at")
    list_filter = ("app", "status", "triggered_by")
    search_fields = ("app", "kind", "error", "celery_task_id")
    list_select_related = ("model_version",)
    actions = ["retrain_now"]
    fields = (
        "app", "kind", "status", "progress_percent", "stage", "as_of", "model_version_link", "version_metrics",
        "version_parameters", "duration", "triggered_by", "celery_task_id", "created_at", "started_at",
        "finished_at", "error", "log_text",
    )
    readonly_fields = fields

    @admin.display(description="progress", ordering="progress")
    def progress_percent(self, obj: TrainingRun) -> str:
        return f"{obj.progress * 100:.0f}%"

    @admin.display(description="duration")
    def duration(self, obj: TrainingRun) -> str:
        return format_duration(obj.duration_seconds)

    @admin.display(description="model version")
    def model_version_link(self, obj: TrainingRun) -> str:
        if not obj.model_version_id:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("admin:mlops_modelversion_change", args=[obj.model_version_id]),
                           obj.model_version)

    @admin.display(description="metrics")
    def version_metrics(self, obj: TrainingRun) -> str:
        return _json_table(obj.model_version.metrics) if obj.model_version_id else "—"

    @admin.display(description="parameters")
    def version_parameters(self, obj: TrainingRun) -> str:
        return _json_table(obj.model_version.parameters) if obj.model_version_id else "—"

    @admin.display(description="log")
    def log_text(self, obj: TrainingRun) -> str:
        return format_html("<pre style='white-space:pre-wrap'>{}</pre>", obj.log) if obj.log else "—"

    @admin.action(description="Retrain these runs' apps now", permissions=["manage"])
    def retrain_now(self, request: HttpRequest, queryset):
        for app in sorted(set(queryset.values_list("app", flat=True))):
            self._retrain(request, app)
