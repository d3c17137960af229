"""Merchant screens: preview any customer's list with reasons, hide/pin/boost products,
repeat-purchase categories, tuning, and the model's versions with their evaluation and a chart."""
from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from electroshop.mlops.dashboard import ModelDashboardAdmin, metrics_over_versions, numeric_metric_names, version_rows
from electroshop.mlops.models import ModelVersion
from electroshop.mlops.selectors import versions_for

from . import merchandising, selectors
from .charts import methods_chart
from .models import MerchandisingRule, RecommendationDashboard, RecommendationSettings, RepeatPurchaseCategory

CHART_METRICS = ("validation_ndcg@10_hybrid_heldout", "validation_ndcg@10_ease", "validation_ndcg@10_als",
                 "validation_ndcg@10_item_knn")


class MerchandisingRuleForm(forms.ModelForm):
    """A rule by SKU (or, for a boost, by category), checked and resolved through the shop seam."""

    class Meta:
        model = MerchandisingRule
        fields = ("action", "sku", "category_id", "boost", "note", "is_active")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            target = merchandising.rule_target(action=data["action"], sku=data.get("sku", ""),
                                               category_id=data.get("category_id"), rule_id=self.instance.pk)
        except merchandising.RuleError as exc:
            for field, message in exc.errors.items():
                self.add_error(field, message)
            return data
        data["sku"] = target.sku
        self.instance.product_id = target.product_id
        return data


@admin.register(MerchandisingRule)
class MerchandisingRuleAdmin(admin.ModelAdmin):
    form = MerchandisingRuleForm
    list_display = ("target", "action", "boost", "category_id", "is_active", "note", "created_at")
    list_filter = ("action", "is_active")
    search_fields = ("sku", "note")
    list_editable = ("is_active",)

    @admin.display(description="SKU / category", ordering="sku")
    def target(self, obj: MerchandisingRule) -> str:
        if obj.product_id is None:
            return f"category {obj.category_id} and its subcategories"
        return obj.sku or f"product {obj.product_id}"  # a rule saved before rules took SKUs


@admin.register(RepeatPurchaseCategory)
class RepeatPurchaseCategoryAdmin(admin.ModelAdmin):
    list_display = ("category_id", "note")
    search_fields = ("category_id", "note")


@admin.register(RecommendationSettings)
class RecommendationSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "half_life_days", "max_per_category", "diversity_lambda", "regression_tolerance",
                    "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not RecommendationSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


def serving_notes(versions: list[ModelVersion]) -> list[str]:
    """What the active and the newest version serve, in the activation gate's own words."""
    shown = [v for v in versions if v.status == ModelVersion.Status.ACTIVE] + versions[-1:]
    notes = []
    for version in dict.fromkeys(shown):
        serving = version.metrics.get("serving")
        if serving:
            notes.append(f"v{version.version} ({version.status}): {serving['message']}")
    return notes


@admin.register(RecommendationDashboard)
class RecommendationDashboardAdmin(ModelDashboardAdmin):
    """One screen: versions with metrics and a chart, a preview form, and "retrain now"."""

    app = "recommendations"

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        versions = versions_for(app=selectors.APP, kind=selectors.KIND)
        active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
        preview, preview_error, customer_id = None, "", request.GET.get("customer", "").strip()
        if customer_id:
            if customer_id.isdigit() and int(customer_id) < 2**63:
                preview = selectors.recommendations_for_customer(customer_id=int(customer_id), limit=20)
                if preview is None:
                    preview_error = f"No customer with id {customer_id}."
            else:
                preview_error = "A customer id is a whole number."
        metric_names = numeric_metric_names(versions)
        context = {
            **self.admin_site.each_context(request),
            "title": "Recommendation model",
            "opts": self.model._meta,
            "active": active,
            "version_rows": version_rows(versions, metric_names),
            "metric_names": metric_names,
            "chart": metrics_over_versions(versions, CHART_METRICS, title="Validation NDCG@10 by version"),
            "methods_chart": methods_chart(active),
            "serving": serving_notes(versions),
            "customer": customer_id,
            "preview": preview,
            "preview_error": preview_error,
            "retrain_url": self.retrain_url(request),
        }
        return TemplateResponse(request, "admin/recommendations/dashboard.html", context)
