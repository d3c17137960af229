"""The legacy shop behind the plugin's seam:
``ELECTROSHOP["SHOP_ADAPTER"] = "tests.hosts.legacy.legacyshop.adapter.LegacyShopAdapter"``.

ModelShopAdapter does the reads over the unmanaged models; this class names them and overrides
only what is shaped differently here: stock is kept per warehouse (summed per item; purchasing
terms are item columns), the brand is a text column, the supplier an item column, cancelled and
returned orders have one-letter codes, and clients have no Django accounts. The shop has no
events, reviews or promotions tables: the plugin keeps events in its own table, and reviews and
promotions stay off (the ShopAdapter defaults).
"""
from __future__ import annotations

from typing import Iterable

from django.db.models import Sum

from electroshop.seam.adapter import StockLevel
from electroshop.seam.orm import ModelShopAdapter

from .models import Client, Item, ItemGroup, SalesHeader, SalesLine, WarehouseStock


class LegacyShopAdapter(ModelShopAdapter):
    product_model = Item
    category_model = ItemGroup
    customer_model = Client
    order_model = SalesHeader
    order_line_model = SalesLine
    stock_model = WarehouseStock
    not_demand_statuses = (SalesHeader.Status.CANCELLED.value, SalesHeader.Status.RETURNED.value)
    brand_lookup = "brand"
    supplier_lookup = "supplier"

    def stock_levels(self, product_ids: Iterable[int] | None = None) -> dict[int, StockLevel]:
        """Stock summed over the item's warehouses; lead time, pack size and minimum order from the item."""
        rows = WarehouseStock.objects.all()
        if product_ids is not None:
            rows = rows.filter(product_id__in=list(product_ids))
        rows = (rows.values("product_id", "product__lead_time_days", "product__pack_size",
                            "product__minimum_order_quantity")
                .annotate(total_on_hand=Sum("on_hand"), total_on_order=Sum("on_order")).order_by())
        return {
            row["product_id"]: StockLevel(
                on_hand=row["total_on_hand"], on_order=row["total_on_order"],
                lead_time_days=row["product__lead_time_days"], pack_size=row["product__pack_size"],
                minimum_order_quantity=row["product__minimum_order_quantity"])
            for row in rows
        }

    def stocked_product_ids(self) -> list[int]:
        """Active items with a row in at least one warehouse."""
        return list(WarehouseStock.objects.filter(product__is_active=True).order_by("product_id")
                    .values_list("product_id", flat=True).distinct())

    def card_stock_sql(self, product_column: str) -> tuple[str, str]:
        """In stock in any warehouse; an item without warehouse rows is not stock-managed (SUM is NULL)."""
        on_hand = (f"SELECT SUM({self._column('s', WarehouseStock, 'on_hand')}) "
                   f"FROM {self._quote(WarehouseStock._meta.db_table)} s "
                   f"WHERE {self._column('s', WarehouseStock, 'product')} = {product_column}")
        return "", f"COALESCE(({on_hand}), 1) > 0"

    def customer_id_for_user(self, user_id: int) -> int | None:
        return None  # clients order through the ERP; no client has a Django account
