"""Merchant screens: the demand model (accuracy next to the baselines, per-product chart with the
projected stock and its stock-out date, retrain), the reorder list (reasons, CSV export, purchase-order
drafts), stock alerts, service-level targets and the stock-out log. Purchase orders, suppliers and lost
sales: ``admin_inventory``."""
import csv

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from electroshop.admin_lists import BigTableAdmin
from electroshop.mlops.dashboard import ModelDashboardAdmin, ReadOnlyAdminMixin, metrics_over_versions, version_rows
from electroshop.mlops.formatting import format_number
from electroshop.mlops.models import ModelVersion
from electroshop.seam import get_adapter, reads

from . import issued, purchasing, selectors
from .charts import bias_chart, category_chart, product_chart
from .models import (
    ForecastEvent,
    ForecastingDashboard,
    ForecastOverride,
    ReorderSuggestion,
    ServiceLevelTarget,
    StockAlert,
    StockSnapshot,
)

ACCURACY_CHART_METRICS = ("wape_engine", "wape_seasonal_naive", "wape_auto_ets")
VERSION_TABLE_METRICS = ("products", "wrmsse_engine", "wrmsse_seasonal_naive", "wrmsse_auto_ets", "wape_engine")
REASON_LIST_CHARS = 90
CSV_COLUMNS = ("sku", "name", "supplier", "urgency", "stockout_date", "on_hand", "on_order", "next_arrival_on",
               "lead_time_days", "lead_time_std_days", "reorder_point", "safety_stock", "suggested_quantity",
               "unit_price", "pack_size", "minimum_order_quantity", "service_level", "abc_class", "xyz_class",
               "demand_class", "daily_demand", "days_of_cover", "reason")


def accuracy_rows(version: ModelVersion | None) -> list[dict]:
    """The version's backtest scores, engine first, then the baselines."""
    if version is None:
        return []
    backtest = version.metrics.get("backtest", {})
    order = ["engine"] + sorted(m for m in backtest if m != "engine")
    return [{"method": m, **backtest[m]} for m in order if m in backtest]


@admin.register(ForecastingDashboard)
class ForecastingDashboardAdmin(ModelDashboardAdmin):
    """One screen: accuracy of the active version next to the baselines, charts, versions, retrain."""

    app = "forecasting"

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        versions = list(ModelVersion.objects.filter(app=selectors.APP, kind=selectors.KIND).order_by("-version"))
        active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
        sku = request.GET.get("sku", "").strip()
        chart, chart_error = None, ""
        if active is not None:
            if sku:
                product_id = reads.product_id_for_sku(sku)
                chart = product_chart(version_id=active.pk, product_id=product_id, sku=sku) if product_id else None
                if chart is None:
                    chart_error = f"No forecast for SKU {sku!r} in v{active.version}."
            else:
                chart = category_chart(version_id=active.pk, category_id=selectors.TOTAL_CATEGORY_ID,
                                       title="Whole shop: units sold and forecast")
        context = {
            **self.admin_site.each_context(request),
            "title": "Demand forecast model",
            "opts": self.model._meta,
            "active": active,
            "accuracy": accuracy_rows(active),
            "accuracy_chart": metrics_over_versions(versions, ACCURACY_CHART_METRICS,
                                                    title="Backtest WAPE by version (lower is better)"),
            "version_rows": version_rows(versions, VERSION_TABLE_METRICS),
            "version_metrics": VERSION_TABLE_METRICS,
            "sku": sku,
            "chart": chart,
            "chart_error": chart_error,
            "alerts": selectors.stock_alerts(limit=50),
            "override_report": (active.metrics or {}).get("overrides") if active else None,
            **bias_context(),
            "retrain_url": self.retrain_url(request),
            "reorder_url": reverse("admin:forecasting_reordersuggestion_changelist"),
            "overrides_url": reverse("admin:forecasting_forecastoverride_changelist"),
        }
        return TemplateResponse(request, "admin/forecasting/dashboard.html", context)



def bias_context(rows: int = 15) -> dict:
    """The bias block: issued forecast minus actual units over the last FORECAST_BIAS_WEEKS weeks, per
    category (chart and table) and the products with the largest bias in units."""
    head, frame = issued.issued_bias()
    categories = issued.bias_rows(frame, level="category", limit=rows)[1]
    weeks = head["weeks"]
    return {"bias_weeks": weeks, "bias_window": (head["start"], head["end"]), "bias_categories": categories,
            "bias_products": issued.bias_rows(frame, level="product", limit=rows)[1],
            "bias_chart": bias_chart(title=f"Bias by category, last {weeks} weeks (issued - actual, % of actual)",
                                     rows=categories)}


class ActiveVersionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only lists of the active version's cached rows."""

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(model_version_id=selectors.current_version_id())


class AttentionFilter(admin.SimpleListFilter):
    """By default the products that need attention (order now, stock-out within the horizon, overstock,
    dead stock); "whole catalogue" shows every stocked product."""

    title = "show"
    parameter_name = "show"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("all", "whole catalogue")]

    def choices(self, changelist):
        yield {"selected": self.value() is None, "query_string": changelist.get_query_string(remove=["show"]),
               "display": "needs attention"}
        yield {"selected": self.value() == "all", "query_string": changelist.get_query_string({"show": "all"}),
               "display": "whole catalogue"}

    def queryset(self, request: HttpRequest, queryset):
        return queryset if self.value() == "all" else queryset.filter(needs_attention=True)


@admin.register(ReorderSuggestion)
class ReorderSuggestionAdmin(ActiveVersionAdmin):
    list_display = ("sku", "name", "urgency", "stockout_date", "on_hand", "on_order", "reorder_point_shown",
                    "suggested_quantity", "unit_price", "reason_shown", "supplier", "abc_class", "xyz_class", "chart_link")
    list_filter = (AttentionFilter, "urgency", "abc_class", "xyz_class", "reorder_now", "supplier")
    search_fields = ("sku", "name", "supplier")
    ordering = ("-urgency", "stockout_date", "sku")
    actions = ["export_csv", "create_purchase_order_draft"]
    list_per_page = 100

    @admin.display(description="reorder point", ordering="reorder_point")
    def reorder_point_shown(self, obj: ReorderSuggestion) -> str:
        return format_number(obj.reorder_point)

    @admin.display(description="reason")
    def reason_shown(self, obj: ReorderSuggestion) -> str:
        """The reason's first words in the list (a long reason squeezed every other column); the whole
        reason on hover, on the suggestion's page, in the CSV and the API."""
        short = obj.reason
        if len(short) > REASON_LIST_CHARS:
            short = short[:REASON_LIST_CHARS].rsplit(" ", 1)[0] + " …"
        # a column wide enough to read, so the row stays a few lines high (the list scrolls sideways)
        return format_html('<span title="{}" style="display:inline-block;min-width:22em">{}</span>', obj.reason, short)

    @admin.display(description="chart")
    def chart_link(self, obj: ReorderSuggestion) -> str:
        url = reverse("admin:forecasting_forecastingdashboard_changelist")
        return format_html('<a href="{}?sku={}">chart</a>', url, obj.sku)

    @admin.action(description="Export selected as CSV")
    def export_csv(self, request: HttpRequest, queryset) -> HttpResponse:
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="reorder-suggestions.csv"'
        writer = csv.writer(response)
        writer.writerow(CSV_COLUMNS)
        for row in queryset.order_by("-urgency", "stockout_date", "sku"):
            writer.writerow([row.get_urgency_display() if c == "urgency" else getattr(row, c) for c in CSV_COLUMNS])
        return response

    @admin.action(description="Create purchase order draft(s) from selected (one per supplier)")
    def create_purchase_order_draft(self, request: HttpRequest, queryset) -> None:
        drafts = purchasing.create_drafts(suggestions=list(queryset.filter(suggested_quantity__gt=0)),
                                          created_by=request.user.get_username())
        if not drafts:
            self.message_user(request, "Nothing to order in the selection.", messages.WARNING)
            return
        self.message_user(request, f"Created {len(drafts)} purchase order draft(s): "
                                   + ", ".join(f"#{d.pk} {d.supplier or '(no supplier)'}" for d in drafts))


@admin.register(StockAlert)
class StockAlertAdmin(ActiveVersionAdmin):
    list_display = ("kind", "sku", "stockout_date", "message")
    list_filter = ("kind",)
    search_fields = ("sku", "message")


@admin.register(ServiceLevelTarget)
class ServiceLevelTargetAdmin(admin.ModelAdmin):
    list_display = ("__str__", "product_id", "category_id", "service_level", "note")
    search_fields = ("product_id", "category_id", "note")


@admin.register(StockSnapshot)
class StockSnapshotAdmin(BigTableAdmin):
    """One row per product and day: a big table (a capped count, date filters rather than a date hierarchy)."""

    list_display = ("product_id", "date", "on_hand", "on_order", "out_of_stock")
    list_filter = ("out_of_stock", "date")
    search_fields = ("=product_id",)


class ProductBySkuForm(forms.ModelForm):
    """A model form whose ``product_id`` is given by SKU (``sku_required = False``: may be left blank)."""

    sku_required = True
    sku = forms.CharField(max_length=64, help_text="the product's SKU")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sku"].required = self.sku_required
        if self.instance.pk and self.instance.product_id is not None:
            self.fields["sku"].initial = _sku(self.instance.product_id)

    def clean_sku(self) -> str:
        sku = self.cleaned_data["sku"].strip()
        if not sku and not self.sku_required:
            self.instance.product_id = None
            return sku
        product_id = reads.product_id_for_sku(sku)
        if product_id is None:
            raise forms.ValidationError(f"No product with SKU {sku!r}.")
        self.instance.product_id = product_id
        return sku


def _sku(product_id: int) -> str:
    return get_adapter().product_summaries([product_id]).get(product_id, {}).get("sku", str(product_id))


class ForecastOverrideForm(ProductBySkuForm):
    class Meta:
        model = ForecastOverride
        fields = ("sku", "starts_on", "ends_on", "units_per_day", "percent", "note")


@admin.register(ForecastOverride)
class ForecastOverrideAdmin(admin.ModelAdmin):
    """The merchant's overrides; they take effect at the next retrain."""

    form = ForecastOverrideForm
    list_display = ("sku", "starts_on", "ends_on", "units_per_day", "percent", "note", "created_by", "created_at")
    list_filter = ("starts_on",)
    search_fields = ("=product_id", "note")

    @admin.display(description="SKU")
    def sku(self, obj: ForecastOverride) -> str:
        return _sku(obj.product_id)

    def save_model(self, request: HttpRequest, obj: ForecastOverride, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user.get_username()
        super().save_model(request, obj, form, change)
        self.message_user(request, "The override takes effect at the next retrain.", messages.INFO)


class ForecastEventForm(ProductBySkuForm):
    """A product by SKU, or a category by id (with its subcategories), or neither: the whole shop."""

    sku_required = False

    class Meta:
        model = ForecastEvent
        fields = ("name", "kind", "sku", "category_id", "starts_on", "ends_on")
        help_texts = {"sku": "blank: a category's or the whole shop's event"}

    def clean_category_id(self) -> int | None:
        category_id = self.cleaned_data.get("category_id")
        if category_id is not None and reads.category_subtree_ids(category_id) is None:
            raise forms.ValidationError(f"No category with id {category_id}.")
        return category_id


@admin.register(ForecastEvent)
class ForecastEventAdmin(admin.ModelAdmin):
    """Merchant-entered events (campaigns, launches): known inputs of the forecast from the next retrain."""

    form = ForecastEventForm
    list_display = ("name", "kind", "applies_to", "starts_on", "ends_on")
    list_filter = ("kind", "starts_on")
    search_fields = ("name", "=product_id", "=category_id")

    @admin.display(description="applies to")
    def applies_to(self, obj: ForecastEvent) -> str:
        if obj.product_id is not None:
            return f"product {_sku(obj.product_id)}"
        return f"category {obj.category_id} (with subcategories)" if obj.category_id is not None else "whole shop"

    def save_model(self, request: HttpRequest, obj: ForecastEvent, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self.message_user(request, "The event takes effect at the next retrain.", messages.INFO)


from . import admin_inventory  # noqa: E402,F401  (registers the purchasing screens)
