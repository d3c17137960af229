"""The base of each AI app's "model" admin screen: read-only, staff only, with "Retrain now" (for
those with the registry's permission to manage models, :data:`MANAGE_MODELS_PERMISSION`).

An app subclasses ``ModelDashboardAdmin``, sets ``app`` and implements ``changelist_view`` (its
versions, metrics and charts); the retrain button posts to ``admin:<app>_retrain``. The helpers
below give every dashboard the same versions table and "metrics over versions" chart.
"""
from collections.abc import Sequence

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.safestring import SafeString

from . import services
from .charts import ChartData, Series, line_chart
from .formatting import PERCENT_METRICS, format_metric, metric_label
from .models import ModelVersion, TrainingRun


def numeric_metric_names(versions: Sequence[ModelVersion]) -> list[str]:
    """The keys of every numeric metric any of the versions has, sorted (the versions table's columns)."""
    return sorted({key for v in versions for key, value in v.metrics.items()
                   if isinstance(value, (int, float)) and not isinstance(value, bool)})


def version_rows(versions: Sequence[ModelVersion], names: Sequence[str]) -> list[tuple[ModelVersion, list[str]]]:
    """(version, its value of each metric, formatted) for the versions table, newest first."""
    return [(v, [format_metric(name, v.metrics.get(name)) for name in names])
            for v in sorted(versions, key=lambda v: -v.version)]


def metrics_over_versions(versions: Sequence[ModelVersion], keys: Sequence[str], *, title: str) -> SafeString:
    """A line per metric key (labelled), one point per version, oldest first."""
    ordered = sorted(versions, key=lambda v: v.version)
    series = [Series(name=metric_label(key), values=[v.metrics.get(key) for v in ordered]) for key in keys]
    return line_chart(ChartData(title=title, labels=[f"v{v.version}" for v in ordered],
                                series=[s for s in series if any(x is not None for x in s.values)],
                                percent=all(key.startswith(PERCENT_METRICS) for key in keys)))


# Activating, rolling back and retraining models: the registry's and every dashboard's "retrain now".
MANAGE_MODELS_PERMISSION = "mlops.change_modelversion"


def can_manage_models(request: HttpRequest) -> bool:
    """Whether the signed-in user may activate, roll back and retrain models."""
    return request.user.has_perm(MANAGE_MODELS_PERMISSION)


def retrain_from_admin(model_admin: admin.ModelAdmin, request: HttpRequest, app: str) -> None:
    """"Retrain now": a TrainingRun first, the task on commit, the outcome reported to the merchant
    (``message_user``). The caller checks :func:`can_manage_models`."""
    problem = services.trainer_missing_message(app)
    if problem is not None:
        model_admin.message_user(request, f"Cannot retrain: {problem}", messages.ERROR)
        return
    with transaction.atomic():
        run = services.enqueue_retrain(app=app, as_of=None, triggered_by=f"admin:{request.user.get_username()}"[:100])
    run.refresh_from_db()  # with no broker the task has already run, at commit
    if run.status == TrainingRun.Status.FAILED:
        model_admin.message_user(request, f"Retrain of {app} failed (run {run.pk}): {run.error}", messages.ERROR)
    elif run.status == TrainingRun.Status.SUCCEEDED:
        model_admin.message_user(request, f"Retrained {app} (run {run.pk}).", messages.SUCCESS)
    else:
        model_admin.message_user(request, f"Retrain of {app} queued as run {run.pk}; follow it under Training runs.")


class ReadOnlyAdminMixin:
    """Screens over rows only the workers write: merchants look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class ModelDashboardAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    app: str = ""

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.is_active and request.user.is_staff

    def get_urls(self):
        return [path("retrain/", self.admin_site.admin_view(self.retrain_view), name=f"{self.app}_retrain")] \
            + super().get_urls()

    def changelist_url(self) -> str:
        return reverse(f"admin:{self.model._meta.app_label}_{self.model._meta.model_name}_changelist")

    def retrain_url(self, request: HttpRequest) -> str | None:
        """Where the "Retrain now" button posts; None (no button) for a user who may not retrain."""
        return reverse(f"admin:{self.app}_retrain") if can_manage_models(request) else None

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        """POSTed by the dashboard's "Retrain now": the registry's permission, the registry's retrain."""
        if not can_manage_models(request):
            raise PermissionDenied
        if request.method == "POST":
            retrain_from_admin(self, request, self.app)
        return HttpResponseRedirect(self.changelist_url())
