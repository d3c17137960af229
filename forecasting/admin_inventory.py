"""Merchant screens of the inventory workflow: purchase orders (send, receive all or in part, cancel),
suppliers with their linked products, and the sales lost to stock-outs (chart and table).

Registered by importing this module from ``forecasting/admin.py``; the logic is ``forecasting.purchasing``.
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from electroshop.mlops.charts import BarData, bar_chart
from electroshop.mlops.dashboard import ReadOnlyAdminMixin

from . import purchasing, selectors
from .models import LostSales, PurchaseOrder, PurchaseOrderLine, StockReceipt, Supplier, SupplierProduct

LOST_SALES_DAYS = 90


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())


class PurchaseOrderLineInline(admin.TabularInline):
    model = PurchaseOrderLine
    extra = 0
    fields = ("sku", "name", "quantity", "received_quantity", "remaining", "unit_cost", "pack_size", "stockout_date")
    readonly_fields = ("sku", "name", "received_quantity", "remaining", "stockout_date")

    @admin.display(description="remaining")
    def remaining(self, obj: PurchaseOrderLine) -> int:
        return obj.quantity - obj.received_quantity if obj.pk else 0

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # lines come from suggestions

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # A draft's quantities and costs may be edited; a sent order's lines move only by receipts.
        return obj is None or obj.status == PurchaseOrder.Status.DRAFT

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is not None and obj.status == PurchaseOrder.Status.DRAFT


class ReceiveForm(forms.Form):
    """One quantity field per open line (blank or 0: nothing received)."""

    def __init__(self, *args, lines: list[PurchaseOrderLine], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for line in lines:
            remaining = line.quantity - line.received_quantity
            self.fields[f"line_{line.product_id}"] = forms.IntegerField(
                label=f"{line.sku} {line.name} ({remaining} of {line.quantity} remain)", required=False,
                min_value=0, max_value=remaining)

    def quantities(self) -> dict[int, int]:
        return {int(name.removeprefix("line_")): value for name, value in self.cleaned_data.items() if value}


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    list_display = ("pk", "supplier", "status", "lines_shown", "expected_on", "sent_at", "created_by", "created_at",
                    "receive_link")
    list_filter = ("status", "supplier")
    search_fields = ("supplier", "lines__sku")
    readonly_fields = ("status", "sent_at", "expected_on", "model_version", "created_by", "created_at")
    fields = ("supplier", "supplier_ref", "note", *readonly_fields)
    inlines = [PurchaseOrderLineInline]
    actions = ["send_orders", "receive_all", "cancel_orders"]

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).prefetch_related("lines")

    @admin.display(description="lines")
    def lines_shown(self, obj: PurchaseOrder) -> str:
        lines = list(obj.lines.all())
        received = sum(line.received_quantity for line in lines)
        return f"{len(lines)} lines, {received:,} of {sum(line.quantity for line in lines):,} units received"

    @admin.display(description="receive")
    def receive_link(self, obj: PurchaseOrder) -> str:
        if obj.status not in purchasing.OPEN:
            return ""
        return format_html('<a href="{}">receive…</a>', reverse("admin:forecasting_purchaseorder_receive",
                                                                args=[obj.pk]))

    def _each(self, request: HttpRequest, queryset, action, done: str) -> None:
        ok, failed = 0, []
        for order in queryset:
            try:
                action(order_id=order.pk)
                ok += 1
            except ValidationError as exc:
                failed.append(f"#{order.pk}: {_errors(exc)}")
        if ok:
            self.message_user(request, f"{ok} purchase order(s) {done}.")
        if failed:
            self.message_user(request, "Not done: " + " | ".join(failed), messages.ERROR)

    @admin.action(description="Send selected drafts (their quantities go on order)")
    def send_orders(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, purchasing.send, "sent")

    @admin.action(description="Receive everything that remains on the selected orders")
    def receive_all(self, request: HttpRequest, queryset) -> None:
        def receive(*, order_id: int) -> None:
            purchasing.receive(order_id=order_id, received_by=request.user.get_username())

        self._each(request, queryset, receive, "received")

    @admin.action(description="Cancel selected orders (remaining quantities come off on order)")
    def cancel_orders(self, request: HttpRequest, queryset) -> None:
        self._each(request, queryset, purchasing.cancel, "cancelled")

    def get_urls(self):
        return [path("<int:order_id>/receive/", self.admin_site.admin_view(self.receive_view),
                     name="forecasting_purchaseorder_receive")] + super().get_urls()

    def receive_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        """A partial (or full) receipt: the units received per line."""
        order = get_object_or_404(PurchaseOrder, pk=order_id)
        if not self.has_change_permission(request, order):
            return HttpResponseRedirect(reverse("admin:forecasting_purchaseorder_changelist"))
        lines = [line for line in order.lines.order_by("sku") if line.quantity > line.received_quantity]
        form = ReceiveForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            try:
                purchasing.receive(order_id=order.pk, quantities=form.quantities(),
                                   received_by=request.user.get_username())
            except ValidationError as exc:
                self.message_user(request, _errors(exc), messages.ERROR)
            else:
                self.message_user(request, f"Received into stock: {sum(form.quantities().values()):,} units.")
                return HttpResponseRedirect(reverse("admin:forecasting_purchaseorder_change", args=[order.pk]))
        context = {**self.admin_site.each_context(request), "title": f"Receive {order}", "opts": self.model._meta,
                   "order": order, "form": form, "lines": lines}
        return TemplateResponse(request, "admin/forecasting/purchaseorder/receive.html", context)


@admin.register(StockReceipt)
class StockReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log of receipts: which order line brought how many units, when, received by whom."""

    list_display = ("received_at", "order_link", "sku", "quantity", "received_by")
    search_fields = ("line__sku", "=line__order__id")
    list_select_related = ("line", "line__order")

    @admin.display(description="SKU", ordering="line__sku")
    def sku(self, obj: StockReceipt) -> str:
        return obj.line.sku

    @admin.display(description="purchase order")
    def order_link(self, obj: StockReceipt) -> str:
        return format_html('<a href="{}">{}</a>', reverse("admin:forecasting_purchaseorder_change",
                                                          args=[obj.line.order_id]), obj.line.order)


class SupplierProductInline(admin.TabularInline):
    model = SupplierProduct
    extra = 1
    fields = ("product_id", "supplier_sku", "unit_cost", "lead_time_days", "minimum_order_quantity", "pack_size")


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ("name", "lead_time_days", "lead_time_std_days", "minimum_order_quantity", "pack_size",
                    "price_breaks", "email")
    search_fields = ("name", "email")
    inlines = [SupplierProductInline]


@admin.register(LostSales)
class LostSalesAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The active version's lost sales: a chart of lost revenue per day, the products that lost most, and the rows."""

    list_display = ("date", "sku", "expected_units", "sold_units", "lost_units", "lost_revenue")
    search_fields = ("sku",)
    list_filter = ("date",)
    change_list_template = "admin/forecasting/lostsales/change_list.html"

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).filter(model_version_id=selectors.current_version_id())

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        days = selectors.lost_sales_by_day(days=LOST_SALES_DAYS)
        chart = bar_chart(BarData(title=f"Revenue lost to stock-outs per day (last {LOST_SALES_DAYS} days)",
                                  labels=[d.strftime("%m-%d") for d, _, _ in days],
                                  values=[revenue for _, _, revenue in days], colors=None))
        _, _, count, top = selectors.lost_sales_totals(days=LOST_SALES_DAYS, limit=20)
        extra = {"lost_chart": chart, "lost_top": top, "lost_products": count,
                 "lost_units": sum(u for _, u, _ in days), "lost_revenue": sum(r for _, _, r in days)}
        return super().changelist_view(request, {**(extra_context or {}), **extra})
