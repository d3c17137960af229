"""Admin screens for the shop's tables.

Big tables (customers, orders, order lines, events, reviews, products) are ``BigTableAdmin``s (a
capped count, see electroshop.admin_lists), use ``raw_id_fields`` instead of select boxes,
``list_select_related`` for the foreign keys they show, date filters instead of a date hierarchy
(which lists the distinct years and months of the whole table), text filters over recent values,
and indexes for their filters with their ordering: each list answers in well under a second with
millions of rows.
"""
from django.contrib import admin

from electroshop.admin_lists import BigTableAdmin, recent_values_filter
from electroshop.mlops.formatting import format_money
from electroshop.shop.models import Brand, Category, Customer, Event, Order, OrderLine, Product, Promotion, Review, Stock


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "name", "slug", "parent"]
    list_select_related = ["parent"]
    search_fields = ["path", "name", "slug"]
    raw_id_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


class StockInline(admin.StackedInline):
    model = Stock
    can_delete = False
    extra = 0
    readonly_fields = ["updated_at"]


@admin.register(Product)
class ProductAdmin(BigTableAdmin):
    list_display = ["sku", "name", "category", "brand", "price_shown", "is_active", "created_at"]
    list_select_related = ["category", "brand"]
    list_filter = ["is_active", "brand", "created_at"]
    search_fields = ["=sku", "name"]  # exact SKU match: SKUs are case-sensitive
    raw_id_fields = ["category", "brand"]
    inlines = [StockInline]

    @admin.display(description="price", ordering="price")
    def price_shown(self, obj: Product) -> str:
        return format_money(obj.price, obj.currency)


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ["product", "on_hand", "on_order", "lead_time_days", "pack_size", "minimum_order_quantity", "supplier", "updated_at"]
    list_select_related = ["product"]
    list_filter = ["supplier", "lead_time_days"]
    search_fields = ["=product__sku", "product__name", "supplier"]
    raw_id_fields = ["product"]
    readonly_fields = ["updated_at"]


@admin.register(Customer)
class CustomerAdmin(BigTableAdmin):
    list_display = ["id", "email", "name", "country", "created_at", "marketing_consent", "personalization_consent"]
    list_filter = [recent_values_filter("country", newest_first="-id"), "marketing_consent",
                   "personalization_consent", recent_values_filter("signup_source", newest_first="-id"), "created_at"]
    search_fields = ["=id", "email", "name"]
    raw_id_fields = ["user"]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]
    fields = ["product", "quantity", "unit_price"]


@admin.register(Order)
class OrderAdmin(BigTableAdmin):
    list_display = ["number", "customer", "created_at", "status", "total_shown", "billing_country"]
    list_select_related = ["customer"]
    list_filter = ["status", recent_values_filter("billing_country", newest_first="-created_at"), "created_at"]
    search_fields = ["=number", "=customer__id", "email", "customer__email"]
    raw_id_fields = ["customer"]
    inlines = [OrderLineInline]

    @admin.display(description="total", ordering="total")
    def total_shown(self, obj: Order) -> str:
        return format_money(obj.total, obj.currency)


@admin.register(OrderLine)
class OrderLineAdmin(BigTableAdmin):
    list_display = ["order", "product", "quantity", "unit_price_shown"]
    list_select_related = ["order", "product"]
    list_filter = ["order__status"]
    search_fields = ["=order__number", "=product__sku"]
    raw_id_fields = ["order", "product"]

    @admin.display(description="unit price", ordering="unit_price")
    def unit_price_shown(self, obj: OrderLine) -> str:
        return format_money(obj.unit_price, obj.order.currency)


@admin.register(Event)
class EventAdmin(BigTableAdmin):
    list_display = ["occurred_at", "event_type", "customer_id", "session_id", "product", "device", "traffic_source", "recommendation_id"]
    list_select_related = ["product"]
    list_filter = ["event_type", recent_values_filter("device", newest_first="-occurred_at"),
                   recent_values_filter("traffic_source", newest_first="-occurred_at"), "occurred_at"]
    search_fields = ["=session_id", "=customer__id", "=product__sku", "=recommendation_id", "=dedupe_key"]
    raw_id_fields = ["customer", "product"]


@admin.register(Review)
class ReviewAdmin(BigTableAdmin):
    list_display = ["product", "customer_id", "rating", "title", "status", "created_at"]
    list_select_related = ["product"]
    list_filter = ["status", "rating", "created_at"]
    search_fields = ["=product__sku", "title", "text"]
    raw_id_fields = ["product", "customer"]


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "category", "starts_on", "ends_on", "discount_percent"]
    list_select_related = ["product", "category"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["name", "=product__sku", "category__path"]
    raw_id_fields = ["product", "category"]
    date_hierarchy = "starts_on"
