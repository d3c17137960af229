"""The legacy shop's own writes: plain SQL, as its ERP does, without Django model signals.

So the plugin hears of them, each write sends the seam signals (``electroshop.seam.signals``)
inside its transaction: a new order (fraud scoring, the customer's live list), a stock change (the
stock-out log, cached product cards), a new or changed item (cached product reads, text neighbours).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Iterable

from django.db import connection, transaction

from electroshop.seam import signals

from .models import Item, SalesHeader, WarehouseStock

HEADER_SQL = (
    "INSERT INTO sales_header (hdr_id, doc_no, client_no, doc_date, status_cd, gross_total, currency_code, "
    "contact_email, bill_country, ship_country, ship_address, pay_type) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
LINE_SQL = "INSERT INTO sales_line (hdr_id, line_no, item_no, qty, unit_net) VALUES (%s, %s, %s, %s, %s)"
# Rows: (item_no, item_code, title, blurb, grp_id, brand_text, list_price, is_live, added_on, attrs_json, vendor,
# lead_days, case_qty, min_order_qty).
ITEM_SQL = (
    "INSERT INTO inv_item (item_no, item_code, title, blurb, grp_id, brand_text, list_price, is_live, added_on, "
    "attrs_json, vendor, lead_days, case_qty, min_order_qty) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def sql_time(moment: datetime) -> str:
    """A timestamp as the ERP writes it: UTC, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass
class LegacyOrder:
    hdr_id: int
    doc_no: str
    client_no: int | None
    placed_at: datetime
    lines: list[tuple[int, int, Decimal]]  # (item_no, qty, unit price)
    status: str = SalesHeader.Status.PAID.value
    email: str = ""
    country: str = ""
    ship_address: str = ""
    pay_type: str = "card"
    currency: str = "EUR"
    total: Decimal = field(init=False)

    def __post_init__(self) -> None:
        self.total = sum((Decimal(price) * qty for _, qty, price in self.lines), Decimal("0"))


def write_orders(orders: Iterable[LegacyOrder]) -> None:
    """Insert the orders and their lines (two batched statements)."""
    orders = list(orders)
    headers = [(o.hdr_id, o.doc_no, o.client_no, sql_time(o.placed_at), o.status, o.total, o.currency, o.email,
                o.country, o.country, o.ship_address, o.pay_type) for o in orders]
    lines = [(o.hdr_id, n, item_no, qty, Decimal(price))
             for o in orders for n, (item_no, qty, price) in enumerate(o.lines, start=1)]
    with connection.cursor() as cursor:
        cursor.executemany(HEADER_SQL, headers)
        cursor.executemany(LINE_SQL, lines)


def record_order(order: LegacyOrder) -> None:
    """Order entry: the order is written, then the plugin is told (it acts once the transaction commits)."""
    with transaction.atomic():
        write_orders([order])
        signals.order_placed.send(sender=SalesHeader, order_id=order.hdr_id, customer_id=order.client_no)
        signals.order_changed.send(sender=SalesHeader, customer_ids=[order.client_no])


def set_warehouse_stock(*, item_no: int, warehouse_code: str, on_hand: int) -> None:
    """A stock count in one warehouse; the plugin hears the item's total over all warehouses."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE wh_stock SET qty_on_hand = %s WHERE item_no = %s AND wh_code = %s",
                       [on_hand, item_no, warehouse_code])
        cursor.execute("SELECT SUM(qty_on_hand), SUM(qty_on_order) FROM wh_stock WHERE item_no = %s", [item_no])
        total_on_hand, total_on_order = cursor.fetchone()
        if total_on_hand is None:  # no warehouse holds the item: not stock-managed, nothing counted
            raise ValueError(f"item {item_no} has no stock in any warehouse")
        signals.stock_changed.send(sender=WarehouseStock, levels={item_no: (total_on_hand, total_on_order)})


def add_item(row: tuple) -> None:
    """A new item (an ITEM_SQL row)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(ITEM_SQL, row)
        signals.catalog_changed.send(sender=Item, product_ids=[row[0]])


def set_list_price(*, item_no: int, price: Decimal) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE inv_item SET list_price = %s WHERE item_no = %s", [price, item_no])
        signals.catalog_changed.send(sender=Item, product_ids=[item_no])
