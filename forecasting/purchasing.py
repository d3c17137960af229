"""Purchase orders: drafted from reorder suggestions, sent, received in parts, or cancelled.

Lifecycle (``PurchaseOrder.Status``): draft -> sent -> partly received -> received; a draft or an
open order may be cancelled. Stock moves only through the shop seam (``ShopAdapter.adjust_stock``):

* send: ``sent_at`` = now, ``expected_on`` = today + the order's lead time (its supplier's, else the
  longest of its products' purchasing terms, see ``forecasting.inventory``); each line's quantity is
  added to the product's on order;
* receive: per line, at most what remains; the units move from on order to on hand and a
  ``StockReceipt`` is written; the order becomes partly received, or received when nothing remains;
* cancel: a sent or partly received order's remaining quantities are taken back off on order.

Every stock change is logged in the day's ``StockSnapshot`` (``services.record_stock_level``).

Bad requests (sending a non-draft, receiving more than remains, an unknown product...) raise Django's
``ValidationError`` with a dict naming the field: the API turns it into a 400 body, the admin into
a message. A shop whose adapter cannot write stock gets the same, naming ``stock``.
"""
from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from electroshop.seam import get_adapter
from electroshop.seam.adapter import StockWriteNotSupported

from . import selectors
from .inventory import purchasing_terms
from .models import PurchaseOrder, PurchaseOrderLine, ReorderSuggestion, StockReceipt, Supplier, SupplierProduct
from .services import record_stock_level

Status = PurchaseOrder.Status
OPEN = (Status.SENT, Status.PARTLY_RECEIVED)


def _adjust(product_id: int, *, on_hand: int = 0, on_order: int = 0):
    """Change the product's stock through the seam and log the new level in today's StockSnapshot."""
    try:
        level = get_adapter().adjust_stock(product_id, on_hand=on_hand, on_order=on_order)
    except StockWriteNotSupported as exc:
        raise ValidationError({"stock": [str(exc)]}) from exc
    record_stock_level(product_id=product_id, on_hand=level.on_hand, on_order=level.on_order)
    return level


def _on_drafts(product_ids: list[int]) -> set[int]:
    """The products among these already on a draft purchase order."""
    return set(PurchaseOrderLine.objects.filter(order__status=Status.DRAFT, product_id__in=product_ids)
               .values_list("product_id", flat=True))


@transaction.atomic
def create_drafts(*, suggestions: list[ReorderSuggestion], created_by: str) -> list[PurchaseOrder]:
    """One draft per supplier with the suggestions' quantities (whole packs, at least the minimum order)
    and unit prices. Suggestions without a quantity, and products already on a draft, are skipped (sent
    orders need no such care: their quantities are in the suggestion's on-order stock already)."""
    drafted = _on_drafts([s.product_id for s in suggestions])
    by_supplier: dict[str, list[ReorderSuggestion]] = {}
    for suggestion in suggestions:
        if suggestion.suggested_quantity > 0 and suggestion.product_id not in drafted:
            by_supplier.setdefault(suggestion.supplier, []).append(suggestion)
    links = dict(SupplierProduct.objects.filter(product_id__in=[s.product_id for s in suggestions])
                 .values_list("product_id", "supplier_id"))
    named = dict(Supplier.objects.filter(name__in=list(by_supplier)).values_list("name", "pk"))
    drafts = []
    for supplier, rows in sorted(by_supplier.items()):
        supplier_id = links.get(rows[0].product_id) or named.get(supplier)
        draft = PurchaseOrder.objects.create(supplier=supplier, supplier_ref_id=supplier_id,
                                             model_version_id=rows[0].model_version_id, created_by=created_by)
        PurchaseOrderLine.objects.bulk_create([
            PurchaseOrderLine(order=draft, product_id=r.product_id, sku=r.sku, name=r.name,
                              quantity=r.suggested_quantity, pack_size=r.pack_size, stockout_date=r.stockout_date,
                              unit_cost=round(r.unit_price, 2) if r.unit_price is not None else None)
            for r in rows])
        drafts.append(draft)
    return drafts


def drafts_from_active_suggestions(*, product_ids: list[int] | None, created_by: str) -> list[PurchaseOrder]:
    """Drafts from the active version's suggestions: these products' (each must have a quantity to
    order), or else every product to reorder now."""
    version_id = selectors.current_version_id()
    if version_id is None:
        raise ValidationError({"product_ids": ["no active forecast: retrain forecasting first"]})
    suggestions = ReorderSuggestion.objects.filter(model_version_id=version_id)
    if product_ids is None:
        chosen = list(suggestions.filter(reorder_now=True, suggested_quantity__gt=0))
        if not chosen:
            raise ValidationError({"product_ids": ["no product needs reordering now"]})
        drafted = _on_drafts([s.product_id for s in chosen])
        if len(drafted) == len({s.product_id for s in chosen}):
            raise ValidationError({"product_ids": ["every product to reorder now is already on a draft order"]})
        return create_drafts(suggestions=chosen, created_by=created_by)
    chosen = list(suggestions.filter(product_id__in=product_ids))
    found = {s.product_id: s for s in chosen}
    missing = [pid for pid in product_ids if pid not in found]
    if missing:
        raise ValidationError({"product_ids": [f"no reorder suggestion for product(s) {missing[:10]}"]})
    empty = [found[pid].sku for pid in product_ids if found[pid].suggested_quantity <= 0]
    if empty:
        raise ValidationError({"product_ids": [f"nothing to order for {empty[:10]} (no suggested quantity)"]})
    drafted = sorted(found[pid].sku for pid in _on_drafts(product_ids))
    if drafted:
        raise ValidationError({"product_ids": [f"already on a draft order: {drafted[:10]}"]})
    return create_drafts(suggestions=chosen, created_by=created_by)


def order_lead_time_days(order: PurchaseOrder) -> int:
    """The supplier's lead time, else the longest of the lines' products' purchasing terms."""
    if order.supplier_ref is not None:
        return int(order.supplier_ref.lead_time_days)
    product_ids = [line.product_id for line in order.lines.all()]
    terms = purchasing_terms(get_adapter().stock_levels(product_ids))
    return max((t.lead_time_days for t in terms.values()), default=0)


def _locked(order_id: int) -> PurchaseOrder:
    try:
        return PurchaseOrder.objects.select_for_update(of=("self",)).select_related("supplier_ref").get(pk=order_id)
    except PurchaseOrder.DoesNotExist as exc:
        raise ValidationError({"order": [f"no purchase order {order_id}"]}) from exc


def _add_note(order: PurchaseOrder, note: str) -> None:
    if note:
        order.note = f"{order.note}\n{note}".strip()
        order.save(update_fields=["note"])


@transaction.atomic
def send(*, order_id: int, today: date | None = None, note: str = "") -> PurchaseOrder:
    """Send a draft: its quantities go on order, arriving today + the lead time. ``note``: added to the order's."""
    order = _locked(order_id)
    if order.status != Status.DRAFT:
        raise ValidationError({"status": [f"only a draft can be sent; this order is {order.get_status_display()}"]})
    lines = list(order.lines.all())
    if not lines:
        raise ValidationError({"lines": ["the order has no lines"]})
    lead_time = order_lead_time_days(order)
    try:
        expected_on = (today or timezone.localdate()) + timedelta(days=lead_time)
    except OverflowError as exc:  # rows saved before the 365-day bound
        raise ValidationError({"lead_time_days": [f"the supplier's lead time of {lead_time} days is out of range"]}) from exc
    for line in lines:
        _adjust(line.product_id, on_order=line.quantity)
    order.status = Status.SENT
    order.sent_at = timezone.now()
    order.expected_on = expected_on
    order.save(update_fields=["status", "sent_at", "expected_on"])
    _add_note(order, note)
    return order


@transaction.atomic
def receive(*, order_id: int, quantities: dict[int, int] | None = None, received_by: str = "") -> PurchaseOrder:
    """Receive units of an open order: ``quantities`` = {product_id: units}, or None for everything that
    remains. Each product's units move from on order to on hand and are logged."""
    order = _locked(order_id)
    if order.status not in OPEN:
        raise ValidationError({"status": [f"only a sent or partly received order can be received; this order is "
                                          f"{order.get_status_display()}"]})
    lines = {line.product_id: line for line in order.lines.select_for_update()}
    if quantities is None:
        quantities = {pid: line.quantity - line.received_quantity for pid, line in lines.items()
                      if line.quantity > line.received_quantity}
    errors = []
    for product_id, quantity in quantities.items():
        line = lines.get(product_id)
        if line is None:
            errors.append(f"product {product_id} is not on this order")
        elif quantity <= 0:
            errors.append(f"{line.sku}: the quantity must be positive, got {quantity}")
        elif quantity > line.quantity - line.received_quantity:
            errors.append(f"{line.sku}: {quantity} is more than the {line.quantity - line.received_quantity} "
                          f"that remain to be received")
    if errors or not quantities:
        raise ValidationError({"lines": errors or ["nothing to receive"]})
    now = timezone.now()
    for product_id, quantity in quantities.items():
        line = lines[product_id]
        _adjust(product_id, on_hand=quantity, on_order=-quantity)
        line.received_quantity += quantity
        line.save(update_fields=["received_quantity"])
        StockReceipt.objects.create(line=line, product_id=product_id, quantity=quantity, received_at=now,
                                    received_by=received_by)
    done = all(line.received_quantity >= line.quantity for line in lines.values())
    order.status = Status.RECEIVED if done else Status.PARTLY_RECEIVED
    order.save(update_fields=["status"])
    return order


@transaction.atomic
def cancel(*, order_id: int, note: str = "") -> PurchaseOrder:
    """Cancel a draft, or an open order whose remaining quantities are taken back off on order."""
    order = _locked(order_id)
    if order.status not in (Status.DRAFT, *OPEN):
        raise ValidationError({"status": [f"a {order.get_status_display()} order cannot be cancelled"]})
    if order.status in OPEN:
        for line in order.lines.all():
            remaining = line.quantity - line.received_quantity
            if remaining > 0:
                _adjust(line.product_id, on_order=-remaining)
    order.status = Status.CANCELLED
    order.save(update_fields=["status"])
    _add_note(order, note)
    return order
