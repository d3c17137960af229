"""The base of each AI app's "model" admin screen: read-only, staff only, with "Retrain now".

An app subclasses ``ModelDashboardAdmin``, sets ``app`` and implements ``changelist_view`` (its
versions, metrics and charts); the retrain button posts to ``admin:<app>_retrain``.
"""
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse

from . import services


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

    def retrain_url(self) -> str:
        return reverse(f"admin:{self.app}_retrain")

    def retrain_view(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            run = services.enqueue_retrain(app=self.app, as_of=None,
                                           triggered_by=f"admin:{request.user.get_username()}")
            self.message_user(request, f"Retrain queued (run {run.pk}); progress and errors show under "
                                       "Training runs.", messages.SUCCESS)
        return HttpResponseRedirect(self.changelist_url())
