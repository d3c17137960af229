"""Inventory advice of a forecast chunk: purchasing terms, expected deliveries, reorder suggestions with
their reasons, stock alerts and lost sales (the Django side of ``forecasting.ml.inventory``).

Purchasing terms, field by field: the product's ``SupplierProduct`` link, else its ``Supplier``, else
the shop's own stock values (``get_adapter().stock_levels()``: lead time, pack size, minimum order;
the supplier's name from the product summary). Lead-time variability comes from the supplier only
(0 without one).

Expected deliveries: each open purchase order (sent or partly received) brings its lines' remaining
quantities on its ``expected_on`` day; stock on order that no open order explains (the shop's own
``on_order`` beyond them) is assumed to arrive at the end of the lead time. The inventory position
is on hand plus all of it, and the suggestion's ``on_order`` is that total.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db.models import F
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter
from electroshop.seam.adapter import StockLevel

from . import selectors
from .inputs import HISTORY_DAYS  # a product never sold in the history window counts from its launch
from .ml.hierarchy import variance_of
from .ml.inventory import lost_sales, reorder_advice
from .models import (
    MAX_LEAD_TIME_DAYS,
    LostSales,
    PurchaseOrder,
    PurchaseOrderLine,
    ReorderSuggestion,
    StockAlert,
    Supplier,
    SupplierProduct,
    Urgency,
)

OVERSTOCK_DAYS = 90         # stock beyond the order-up-to level + this many days of demand
DEAD_STOCK_DAYS = 90        # no sale for this many days (and almost no forecast demand)
LOST_SALES_DAYS = 90        # stock-out days of this many days before the origin are estimated
OPEN_STATUSES = (PurchaseOrder.Status.SENT, PurchaseOrder.Status.PARTLY_RECEIVED)


@dataclass(frozen=True)
class Terms:
    """How a product is bought: the merged purchasing terms (see the module docstring)."""

    supplier: str
    supplier_id: int | None
    lead_time_days: int
    lead_time_std_days: float
    minimum_order_quantity: int
    pack_size: int
    unit_cost: float | None
    price_breaks: list


def purchasing_terms(stock: dict[int, StockLevel], shop_suppliers: dict[int, str] | None = None) -> dict[int, Terms]:
    """product_id -> Terms for the products of ``stock``. One query."""
    shop_suppliers = shop_suppliers or {}
    links = {link.product_id: link for link in
             SupplierProduct.objects.filter(product_id__in=list(stock)).select_related("supplier")}
    out = {}
    for product_id, level in stock.items():
        link = links.get(product_id)
        supplier: Supplier | None = link.supplier if link else None

        def pick(name: str, shop_value):
            for source in (link, supplier):
                value = getattr(source, name, None) if source is not None else None
                if value is not None:
                    return value
            return shop_value

        out[product_id] = Terms(
            supplier=supplier.name if supplier else shop_suppliers.get(product_id, ""),
            supplier_id=supplier.pk if supplier else None,
            # clipped: rows saved before the bound (or the shop's own field) must not blow up the day grids
            lead_time_days=min(int(pick("lead_time_days", level.lead_time_days)), MAX_LEAD_TIME_DAYS),
            lead_time_std_days=min(float(supplier.lead_time_std_days), MAX_LEAD_TIME_DAYS) if supplier else 0.0,
            minimum_order_quantity=max(int(pick("minimum_order_quantity", level.minimum_order_quantity)), 1),
            pack_size=max(int(pick("pack_size", level.pack_size)), 1),
            unit_cost=float(link.unit_cost) if link is not None and link.unit_cost is not None else None,
            price_breaks=list(supplier.price_breaks or []) if supplier else [],
        )
    return out


def open_arrivals(product_ids) -> dict[int, list[tuple[date | None, int]]]:
    """product_id -> [(expected_on or None, remaining quantity)] of the open purchase orders' lines. One query."""
    rows = (PurchaseOrderLine.objects.filter(product_id__in=list(product_ids), order__status__in=OPEN_STATUSES,
                                             quantity__gt=F("received_quantity"))
            .values_list("product_id", "order__expected_on", "quantity", "received_quantity"))
    out: dict[int, list[tuple[date | None, int]]] = {}
    for product_id, expected_on, quantity, received in rows:
        out.setdefault(product_id, []).append((expected_on, quantity - received))
    return out


def expected_deliveries(*, on_order: int, orders: list[tuple[date | None, int]], origin: date,
                        lead_time_days: int) -> list[tuple[date, int]]:
    """The open orders' deliveries, plus the shop's on-order stock beyond them at the end of the lead time.
    An order without an expected date arrives at the origin + the lead time (the origin, not today: an
    ``--as-of`` run's origin is in the past)."""
    due = origin + timedelta(days=lead_time_days)
    orders = [(expected_on or due, quantity) for expected_on, quantity in orders]
    unexplained = on_order - sum(q for _, q in orders)
    extra = [(due, unexplained)] if unexplained > 0 else []
    return sorted(orders + extra)


def _urgency(advice, *, origin: date, lead_time_days: int, horizon: int) -> int:
    if advice.stockout_date is not None and advice.stockout_date < origin + timedelta(days=lead_time_days):
        return Urgency.CRITICAL
    if advice.reorder_now:
        return Urgency.HIGH
    if advice.stockout_date is not None and advice.stockout_date < origin + timedelta(days=horizon):
        return Urgency.LOW
    return Urgency.NONE


def _daily(frame: pd.DataFrame | None, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean, variance) of units per day (``variance_of``: the engine's variance column)."""
    if frame is None:
        return np.zeros(horizon), np.zeros(horizon)
    frame = frame.sort_values("date")
    return frame["mean"].to_numpy(float), variance_of(frame)


def inventory_rows(*, version_id: int, origin: date, horizon: int, forecasts: pd.DataFrame,
                   product_ids: list[int], abc: dict[int, str], xyz: dict[int, str], demand_class: dict[int, str],
                   model_label: dict[int, str], last_sale: dict[int, date]) -> tuple[list, list]:
    """ReorderSuggestion and StockAlert rows for the stock-managed products of a chunk."""
    stock = get_adapter().stock_levels(product_ids)
    info = get_adapter().product_summaries(list(stock))
    levels = selectors.service_levels(list(stock))
    terms = purchasing_terms(stock, {pid: card.get("supplier") or "" for pid, card in info.items()})
    orders = open_arrivals(list(stock))
    review = int(electroshop_settings.FORECAST_REVIEW_PERIOD_DAYS)
    by_product = {pid: frame for pid, frame in forecasts.groupby("series_id")}
    suggestions, alerts = [], []
    for product_id, level in stock.items():
        mean, variance = _daily(by_product.get(product_id), horizon)
        term = terms[product_id]
        card = info.get(product_id, {})
        # Never sold in the window: count from the product's launch, so a new product is not "dead".
        listed = (origin - timezone.localdate(card["created_at"])).days if card.get("created_at") else HISTORY_DAYS
        since_sale = (origin - last_sale[product_id]).days if product_id in last_sale else min(listed, HISTORY_DAYS)
        arrivals = expected_deliveries(on_order=level.on_order, orders=orders.get(product_id, []), origin=origin,
                                       lead_time_days=term.lead_time_days)
        advice = reorder_advice(
            on_hand=max(level.on_hand, 0), mean=mean, variance=variance, start=origin, arrivals=arrivals,
            lead_time_days=term.lead_time_days, lead_time_std_days=term.lead_time_std_days, review_days=review,
            service_level=levels[product_id], pack_size=term.pack_size, min_order=term.minimum_order_quantity,
            unit_cost=term.unit_cost, price_breaks=term.price_breaks, overstock_days=OVERSTOCK_DAYS,
            days_since_last_sale=since_sale, dead_days=DEAD_STOCK_DAYS,
            judge_overstock=product_id in last_sale or listed >= DEAD_STOCK_DAYS,  # else too new to judge
        )
        sku = card.get("sku", str(product_id))
        urgency = _urgency(advice, origin=origin, lead_time_days=term.lead_time_days, horizon=horizon)
        on_order = int(round(advice.inventory_position)) - max(level.on_hand, 0)
        suggestions.append(ReorderSuggestion(
            model_version_id=version_id, product_id=product_id, sku=sku, name=card.get("name", "")[:300],
            supplier=term.supplier[:200], origin=origin, on_hand=max(level.on_hand, 0), on_order=on_order,
            lead_time_days=term.lead_time_days, lead_time_std_days=term.lead_time_std_days,
            pack_size=term.pack_size, minimum_order_quantity=term.minimum_order_quantity,
            service_level=levels[product_id], daily_demand=float(np.mean(mean)) if len(mean) else 0.0,
            lead_time_demand=advice.lead_time_demand, safety_stock=advice.safety_stock,
            reorder_point=advice.reorder_point, order_up_to=advice.order_up_to,
            inventory_position=advice.inventory_position, reorder_now=advice.reorder_now,
            suggested_quantity=advice.suggested_order_qty, unit_price=advice.unit_price,
            stockout_date=advice.stockout_date, next_arrival_on=advice.next_arrival,
            days_of_cover=advice.days_of_cover, urgency=urgency, abc_class=abc.get(product_id, "C"),
            xyz_class=xyz.get(product_id, "Z"), demand_class=demand_class.get(product_id, "none"),
            model=model_label.get(product_id, "")[:200], days_since_last_sale=since_sale,
            needs_attention=bool(advice.reorder_now or advice.stockout_date is not None or advice.dead_stock
                                 or advice.overstock),
            reason=advice.reason,
        ))
        if urgency >= Urgency.HIGH and advice.stockout_date is not None:
            alerts.append(StockAlert(model_version_id=version_id, product_id=product_id, sku=sku,
                                     kind=StockAlert.Kind.STOCKOUT_RISK, stockout_date=advice.stockout_date,
                                     message=advice.reason[:300]))
        if advice.dead_stock:
            alerts.append(StockAlert(model_version_id=version_id, product_id=product_id, sku=sku,
                                     kind=StockAlert.Kind.DEAD_STOCK,
                                     message=f"{level.on_hand} on hand, no sale for {since_sale} days"))
        elif advice.overstock:
            cover = f"{advice.days_of_cover:.0f} days of cover" if advice.days_of_cover else "no forecast demand"
            alerts.append(StockAlert(model_version_id=version_id, product_id=product_id, sku=sku,
                                     kind=StockAlert.Kind.OVERSTOCK,
                                     message=f"{int(advice.inventory_position)} in stock and on order: {cover}"))
    return suggestions, alerts


def lost_sales_rows(*, version_id: int, origin: date, history: pd.DataFrame) -> list[LostSales]:
    """LostSales rows of the chunk: the stock-out days of the last ``LOST_SALES_DAYS`` before the origin
    with demand lost, valued at the product's current price."""
    lost = lost_sales(history, origin=origin, window_days=LOST_SALES_DAYS)
    lost = lost[lost["lost"] > 0]
    if lost.empty:
        return []
    cards = get_adapter().product_summaries(sorted(lost["series_id"].unique().tolist()))
    return [LostSales(model_version_id=version_id, product_id=row.series_id,
                      sku=cards.get(row.series_id, {}).get("sku", str(row.series_id))[:64], date=row.date,
                      expected_units=round(row.expected, 4), sold_units=row.sold, lost_units=round(row.lost, 4),
                      lost_revenue=round(row.lost * float(cards.get(row.series_id, {}).get("price") or 0.0), 2))
            for row in lost.itertuples()]

