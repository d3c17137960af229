"""The demo shop's purchasing: suppliers with their terms, product links, open purchase orders and stock-outs.

Written after the shop's rows (same transaction), deterministically from the seed:

* **Suppliers**: the generator's four (``catalog.SUPPLIERS``) with a mean lead time (the middle of the
  generator's range) and its variability, a minimum order, a pack size and volume discounts
  (``discount_percent`` price breaks off each product's unit cost).
* **Product links**: every stocked product to its supplier, with its own pack size and minimum order
  (the generator's, per product) and a unit cost of 60% of its price; the lead time is the supplier's.
* **Purchase orders** explain the stock on order: the products with stock on order are grouped by
  supplier into orders of up to 8 lines, sent within the last lead time (so each is expected after the
  end of the history); about one in three is partly received (some lines got part of their quantity,
  with receipts; on hand already holds those units). Two older orders per supplier are fully received.
* **Stock-outs**: a product with nothing on hand has been out of stock since the day after its last
  sale (at most the last 14 days): logged as ``StockSnapshot`` out-of-stock days, the censored days
  forecasting learns around and whose lost sales it estimates.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
from django.db.models import Max
from django.utils import timezone

from electroshop.demo import catalog as cat
from electroshop.demo.generator import DAY, DemoData
from electroshop.shop.models import OrderLine
from forecasting.models import PurchaseOrder, PurchaseOrderLine, StockReceipt, StockSnapshot, Supplier, SupplierProduct

# name -> (lead time std days, minimum order, pack size, price breaks, e-mail)
SUPPLIER_TERMS = {
    "Northwind Distribution": (1.0, 1, 1, [{"min_quantity": 50, "discount_percent": 4}], "orders@northwind.example"),
    "EuroTech Wholesale": (2.5, 5, 1, [{"min_quantity": 20, "discount_percent": 3},
                                       {"min_quantity": 100, "discount_percent": 6}], "sales@eurotech.example"),
    "Shenzhen Direct": (8.0, 20, 10, [{"min_quantity": 200, "discount_percent": 10}], "export@szdirect.example"),
    "Brand Direct UK": (1.5, 2, 1, [], "trade@branddirect.example"),
}
LINES_PER_ORDER = 8
STOCKOUT_LOG_DAYS = 14


def delete_purchasing_history() -> None:
    """Delete the purchasing rows that point at shop products (what ``seed_demo --reset`` does with the shop)."""
    for model in (StockReceipt, PurchaseOrderLine, PurchaseOrder, SupplierProduct, Supplier, StockSnapshot):
        model.objects.all().delete()


def _when(end_ts: int, days_before: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(end_ts - days_before * DAY, tz=dt.UTC)


def write_purchasing_history(*, data: DemoData, seed: int) -> dict[str, int]:
    """Suppliers, links, purchase orders and stock-out days of the generated shop; returns row counts."""
    rng = np.random.default_rng(seed + 7)
    suppliers = {}
    for name, low, high in cat.SUPPLIERS:
        std, moq, pack, breaks, email = SUPPLIER_TERMS[name]
        suppliers[name] = Supplier.objects.create(name=name, email=email, lead_time_days=(low + high) // 2,
                                                  lead_time_std_days=std, minimum_order_quantity=moq,
                                                  pack_size=pack, price_breaks=breaks)
    stock, products = data.stock, data.products
    price = dict(zip(np.asarray(products["id"]).tolist(), np.asarray(products["price"]).tolist()))  # pence
    sku = dict(zip(np.asarray(products["id"]).tolist(), list(products["sku"])))
    name = dict(zip(np.asarray(products["id"]).tolist(), list(products["name"])))
    rows = list(zip(np.asarray(stock["product_id"]).tolist(), stock["supplier"], np.asarray(stock["on_hand"]).tolist(),
                    np.asarray(stock["on_order"]).tolist(), np.asarray(stock["pack_size"]).tolist(),
                    np.asarray(stock["minimum_order_quantity"]).tolist()))
    SupplierProduct.objects.bulk_create([
        SupplierProduct(supplier=suppliers[supplier], product_id=pid, supplier_sku=f"{supplier[:3].upper()}-{pid}",
                        unit_cost=round(price[pid] * 0.6 / 100, 2), pack_size=pack, minimum_order_quantity=moq)
        for pid, supplier, _, _, pack, moq in rows], batch_size=2000)

    orders = lines = receipts = 0
    for supplier_name, supplier in suppliers.items():
        lead = supplier.lead_time_days
        mine = [r for r in rows if r[1] == supplier_name]
        open_rows = [r for r in mine if r[3] > 0]
        for start in range(0, len(open_rows), LINES_PER_ORDER):
            chunk = open_rows[start:start + LINES_PER_ORDER]
            sent_days_ago = int(rng.integers(0, max(lead, 1)))
            partly = rng.random() < 0.35
            order = PurchaseOrder.objects.create(
                supplier=supplier_name, supplier_ref=supplier, created_by="demo",
                status=PurchaseOrder.Status.PARTLY_RECEIVED if partly else PurchaseOrder.Status.SENT,
                created_at=_when(data.end_ts, sent_days_ago + 1), sent_at=_when(data.end_ts, sent_days_ago),
                expected_on=(_when(data.end_ts, sent_days_ago) + dt.timedelta(days=lead)).date())
            orders += 1
            for k, (pid, _, _, on_order, pack, _) in enumerate(chunk):
                received = int(pack * rng.integers(1, 4)) if partly and k % 2 == 0 else 0
                line = PurchaseOrderLine.objects.create(
                    order=order, product_id=pid, sku=sku[pid], name=name[pid][:300], quantity=on_order + received,
                    received_quantity=received, unit_cost=round(price[pid] * 0.6 / 100, 2), pack_size=pack)
                lines += 1
                if received:
                    StockReceipt.objects.create(line=line, product_id=pid, quantity=received, received_by="demo",
                                                received_at=_when(data.end_ts, max(sent_days_ago - 1, 0) * 0.5))
                    receipts += 1
        for back in (1, 2):  # older orders, received in full
            chunk = [mine[i] for i in rng.choice(len(mine), size=min(4, len(mine)), replace=False)] if mine else []
            if not chunk:
                continue
            sent_days_ago = lead + 20 * back
            order = PurchaseOrder.objects.create(
                supplier=supplier_name, supplier_ref=supplier, created_by="demo", status=PurchaseOrder.Status.RECEIVED,
                created_at=_when(data.end_ts, sent_days_ago + 1), sent_at=_when(data.end_ts, sent_days_ago),
                expected_on=(_when(data.end_ts, sent_days_ago) + dt.timedelta(days=lead)).date())
            orders += 1
            for pid, _, _, _, pack, moq in chunk:
                quantity = max(moq, pack * int(rng.integers(1, 6)))
                line = PurchaseOrderLine.objects.create(
                    order=order, product_id=pid, sku=sku[pid], name=name[pid][:300], quantity=quantity,
                    received_quantity=quantity, unit_cost=round(price[pid] * 0.6 / 100, 2), pack_size=pack)
                StockReceipt.objects.create(line=line, product_id=pid, quantity=quantity, received_by="demo",
                                            received_at=_when(data.end_ts, sent_days_ago - lead))
                lines += 1
                receipts += 1
    snapshots = _stockout_days(rows=rows, end_ts=data.end_ts)
    return {"suppliers": len(suppliers), "orders": orders, "lines": lines, "receipts": receipts,
            "stockout_days": snapshots}


def _stockout_days(*, rows: list[tuple], end_ts: int) -> int:
    """Out-of-stock days of the products with nothing on hand: from the day after their last sale."""
    out = [pid for pid, _, on_hand, *_ in rows if on_hand <= 0]
    end = dt.datetime.fromtimestamp(end_ts, tz=dt.UTC).date()
    last_sale = dict(OrderLine.objects.filter(product_id__in=out).values("product_id")
                     .annotate(last=Max("order__created_at")).values_list("product_id", "last"))
    on_order = {pid: o for pid, _, _, o, *_ in rows}
    snapshots = []
    for pid in out:
        first = end - dt.timedelta(days=STOCKOUT_LOG_DAYS)
        if pid in last_sale:
            first = max(first, timezone.localdate(last_sale[pid]) + dt.timedelta(days=1))
        day = first
        while day < end:
            snapshots.append(StockSnapshot(product_id=pid, date=day, on_hand=0, on_order=on_order[pid],
                                           out_of_stock=True))
            day += dt.timedelta(days=1)
    StockSnapshot.objects.bulk_create(snapshots, batch_size=5000, ignore_conflicts=True)
    return len(snapshots)
