"""Admin screens for the shop's tables.

Big tables (orders, order lines, events, reviews) use ``raw_id_fields`` instead of select boxes and
``list_select_related`` for the foreign keys they show, so list and change pages stay fast with
millions of rows; their ``show_full_result_count`` is off (no COUNT(*) of the whole table).
"""
from django.contrib import admin

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
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "brand", "price", "currency", "is_active", "created_at"]
    list_select_related = ["category", "brand"]
    list_filter = ["is_active", "currency", "brand", "created_at"]
    search_fields = ["=sku", "name"]  # exact SKU match: SKUs are case-sensitive
    raw_id_fields = ["category", "brand"]
    date_hierarchy = "created_at"
    inlines = [StockInline]
    show_full_result_count = False


@admin.register(Stock)
class StockAdmin(admin.ModelAdmin):
    list_display = ["product", "on_hand", "on_order", "lead_time_days", "pack_size", "minimum_order_quantity", "supplier", "updated_at"]
    list_select_related = ["product"]
    list_filter = ["supplier", "lead_time_days"]
    search_fields = ["=product__sku", "product__name", "supplier"]
    raw_id_fields = ["product"]
    readonly_fields = ["updated_at"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["id", "email", "name", "country", "created_at", "marketing_consent", "personalization_consent"]
    list_filter = ["country", "marketing_consent", "personalization_consent", "signup_source"]
    search_fields = ["=id", "email", "name"]
    raw_id_fields = ["user"]
    date_hierarchy = "created_at"
    show_full_result_count = False


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    raw_id_fields = ["product"]
    fields = ["product", "quantity", "unit_price"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "customer", "created_at", "status", "total", "currency", "billing_country"]
    list_select_related = ["customer"]
    list_filter = ["status", "currency", "billing_country", "created_at"]
    search_fields = ["=number", "=customer__id", "email", "customer__email"]
    raw_id_fields = ["customer"]
    date_hierarchy = "created_at"
    inlines = [OrderLineInline]
    show_full_result_count = False


@admin.register(OrderLine)
class OrderLineAdmin(admin.ModelAdmin):
    list_display = ["order", "product", "quantity", "unit_price"]
    list_select_related = ["order", "product"]
    list_filter = ["order__status"]
    search_fields = ["=order__number", "=product__sku"]
    raw_id_fields = ["order", "product"]
    show_full_result_count = False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "event_type", "customer_id", "session_id", "product", "device", "traffic_source", "recommendation_id"]
    list_select_related = ["product"]
    list_filter = ["event_type", "device", "traffic_source"]
    search_fields = ["=session_id", "=customer__id", "=product__sku", "=recommendation_id", "=dedupe_key"]
    raw_id_fields = ["customer", "product"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["product", "customer_id", "rating", "title", "status", "created_at"]
    list_select_related = ["product"]
    list_filter = ["status", "rating", "created_at"]
    search_fields = ["=product__sku", "title", "text"]
    raw_id_fields = ["product", "customer"]
    date_hierarchy = "created_at"
    show_full_result_count = False


@admin.register(Promotion)
class PromotionAdmin(admin.ModelAdmin):
    list_display = ["name", "product", "category", "starts_on", "ends_on", "discount_percent"]
    list_select_related = ["product", "category"]
    list_filter = ["starts_on", "ends_on"]
    search_fields = ["name", "=product__sku", "category__path"]
    raw_id_fields = ["product", "category"]
    date_hierarchy = "starts_on"
