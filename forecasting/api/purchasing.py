"""Purchase orders and suppliers: thin views over ``forecasting.purchasing`` (mounted under /api/v1/inventory/).

Bad input is a 400 whose body names the field (``forecasting.purchasing`` raises Django's
``ValidationError`` with a dict; the API's exception handler shapes it); an unknown order is a 404.
"""
from django.db.models import Count
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from electroshop.api.schema import NOT_FOUND

from .. import purchasing
from ..models import PurchaseOrder, Supplier
from .views import ERRORS, MAX_ID, MerchantView

# --- serializers -------------------------------------------------------------------------------------


class PurchaseOrderLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()
    received_quantity = serializers.IntegerField()
    remaining = serializers.IntegerField()
    unit_cost = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    pack_size = serializers.IntegerField()
    stockout_date = serializers.DateField(allow_null=True, help_text="the suggestion's projected stock-out")


class PurchaseOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    supplier = serializers.CharField()
    supplier_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.values)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    expected_on = serializers.DateField(allow_null=True, help_text="expected arrival (set when sent)")
    note = serializers.CharField()
    lines = PurchaseOrderLineSerializer(many=True)


class PurchaseOrderListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = PurchaseOrderSerializer(many=True)


class PurchaseOrderQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PurchaseOrder.Status.values, required=False)
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


class CreateDraftsSerializer(serializers.Serializer):
    product_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, allow_empty=False,
        max_length=10_000, help_text="order these products' suggested quantities; omitted: every product the "
                                     "active forecast says to reorder now")


class DraftsSerializer(serializers.Serializer):
    results = PurchaseOrderSerializer(many=True, help_text="one draft per supplier")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000,
                                 help_text="added to the order's note (e.g. the supplier's reference)")


class ReceiveLineSerializer(serializers.Serializer):
    product_id = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    sku = serializers.CharField(required=False, max_length=64)
    quantity = serializers.IntegerField(min_value=1, max_value=10**9)

    def validate(self, attrs: dict) -> dict:
        if ("product_id" in attrs) == ("sku" in attrs):
            raise serializers.ValidationError({"product_id": ["give either product_id or sku"]})
        return attrs


class ReceiveSerializer(serializers.Serializer):
    lines = ReceiveLineSerializer(many=True, required=False, allow_empty=False,
                                  help_text="units received per line; omitted: everything that remains")


class PriceBreakSerializer(serializers.Serializer):
    min_quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.FloatField(min_value=0, required=False, help_text="the unit price from min_quantity on")
    discount_percent = serializers.FloatField(min_value=0, max_value=100, required=False,
                                              help_text="or: percent off each product's unit cost")

    def validate(self, attrs: dict) -> dict:
        if ("unit_price" in attrs) == ("discount_percent" in attrs):
            raise serializers.ValidationError({"unit_price": ["give either unit_price or discount_percent"]})
        return attrs


class SupplierSerializer(serializers.ModelSerializer):
    price_breaks = PriceBreakSerializer(many=True, required=False, help_text="unit price from a quantity on")
    products = serializers.IntegerField(read_only=True, source="product_count", help_text="linked products")

    class Meta:
        model = Supplier
        fields = ["id", "name", "email", "lead_time_days", "lead_time_std_days", "minimum_order_quantity",
                  "pack_size", "price_breaks", "note", "products"]

    def validate_price_breaks(self, value: list[dict]) -> list[dict]:
        quantities = [b["min_quantity"] for b in value]
        if len(set(quantities)) != len(quantities):
            raise serializers.ValidationError("each min_quantity at most once")
        return sorted(value, key=lambda b: b["min_quantity"])


class SupplierListSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = SupplierSerializer(many=True)


class PageQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**7)


LINE = {"product_id": 412, "sku": "PH-0412", "name": "Nova X2 Phone 128GB", "quantity": 80, "received_quantity": 30,
        "remaining": 50, "unit_cost": "182.50", "pack_size": 10, "stockout_date": "2026-05-04"}
ORDER = {"id": 17, "supplier": "EuroTech Wholesale", "supplier_id": 2, "status": "partly_received",
         "created_by": "merchant", "created_at": "2026-05-01T08:12:00Z", "sent_at": "2026-05-01T08:20:00Z",
         "expected_on": "2026-05-11", "note": "", "lines": [LINE]}
ORDER_EXAMPLE = OpenApiExample("partly received", value=ORDER, response_only=True)
ORDER_LIST_EXAMPLE = OpenApiExample("orders", value={"count": 1, "results": [ORDER]}, response_only=True)
DRAFTS_EXAMPLE = OpenApiExample("drafts", response_only=True, value={"results": [
    {**ORDER, "status": "draft", "sent_at": None, "expected_on": None, "lines": [
        {**LINE, "received_quantity": 0, "remaining": 80}]}]})
CREATE_CHOSEN = OpenApiExample("these products", value={"product_ids": [412, 413]}, request_only=True)
CREATE_ALL = OpenApiExample("every product to reorder now", value={}, request_only=True)
RECEIVE_EXAMPLE = OpenApiExample("a partial receipt", request_only=True, value={
    "lines": [{"product_id": 412, "quantity": 30}, {"sku": "CB-0007", "quantity": 12}]})
RECEIVE_ALL = OpenApiExample("everything that remains", value={}, request_only=True)
SEND_EXAMPLE = OpenApiExample("with a note", value={"note": "confirmed by phone, ref. ET-5512"}, request_only=True)
CANCEL_EXAMPLE = OpenApiExample("with a note", value={"note": "supplier out of stock"}, request_only=True)
BAD_RECEIPT = OpenApiExample("more than remains", response_only=True, status_codes=["400"],
                             value={"lines": ["PH-0412: 60 is more than the 50 that remain to be received"]})
SUPPLIER = {"id": 2, "name": "EuroTech Wholesale", "email": "orders@eurotech.example", "lead_time_days": 10,
            "lead_time_std_days": 2.5, "minimum_order_quantity": 5, "pack_size": 1,
            "price_breaks": [{"min_quantity": 50, "unit_price": 9.5}], "note": "", "products": 48}
SUPPLIER_EXAMPLE = OpenApiExample("supplier", value=SUPPLIER, response_only=True)
SUPPLIER_LIST_EXAMPLE = OpenApiExample("suppliers", value={"count": 1, "results": [SUPPLIER]}, response_only=True)
SUPPLIER_CREATE = OpenApiExample("new supplier", request_only=True, value={
    "name": "Cable King", "lead_time_days": 5, "lead_time_std_days": 1, "minimum_order_quantity": 20, "pack_size": 10,
    "price_breaks": [{"min_quantity": 100, "unit_price": 1.8}]})
ORDER_ID = OpenApiParameter("order_id", int, OpenApiParameter.PATH, description="the purchase order's id")


def order_body(order: PurchaseOrder) -> dict:
    lines = sorted(order.lines.all(), key=lambda line: line.sku)
    return {"id": order.pk, "supplier": order.supplier, "supplier_id": order.supplier_ref_id, "status": order.status,
            "created_by": order.created_by, "created_at": order.created_at, "sent_at": order.sent_at,
            "expected_on": order.expected_on, "note": order.note,
            "lines": [{"product_id": line.product_id, "sku": line.sku, "name": line.name, "quantity": line.quantity,
                       "received_quantity": line.received_quantity,
                       "remaining": line.quantity - line.received_quantity, "unit_cost": line.unit_cost,
                       "pack_size": line.pack_size, "stockout_date": line.stockout_date} for line in lines]}


def _order(order_id: int) -> PurchaseOrder:
    order = PurchaseOrder.objects.prefetch_related("lines").filter(pk=order_id).first() if order_id <= MAX_ID else None
    if order is None:
        raise Http404(f"no purchase order with id {order_id}")
    return order


def _answer(order_id: int) -> Response:
    return Response(PurchaseOrderSerializer(order_body(_order(order_id))).data)


# --- views -------------------------------------------------------------------------------------------


class PurchaseOrdersView(MerchantView):
    """Purchase orders, newest first (GET); drafts from the reorder suggestions, one per supplier (POST)."""

    @extend_schema(operation_id="inventory_purchase_orders_list", parameters=[PurchaseOrderQuerySerializer],
                   examples=[ORDER_LIST_EXAMPLE],
                   responses={200: PurchaseOrderListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = PurchaseOrderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        orders = PurchaseOrder.objects.order_by("-created_at", "-pk")
        if data.get("status"):
            orders = orders.filter(status=data["status"])
        page = orders.prefetch_related("lines")[data["offset"]:data["offset"] + data["limit"]]
        return Response({"count": orders.count(),
                         "results": PurchaseOrderSerializer([order_body(o) for o in page], many=True).data})

    @extend_schema(request=CreateDraftsSerializer, examples=[CREATE_CHOSEN, CREATE_ALL, DRAFTS_EXAMPLE],
                   responses={201: DraftsSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        body = CreateDraftsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        product_ids = body.validated_data.get("product_ids")
        drafts = purchasing.drafts_from_active_suggestions(
            product_ids=list(dict.fromkeys(product_ids)) if product_ids else None,
            created_by=request.user.get_username())
        return Response({"results": PurchaseOrderSerializer([order_body(d) for d in drafts], many=True).data},
                        status=201)


def _act_with_note(request: Request, order_id: int, act) -> Response:
    """Send or cancel: the order must exist (404), the body is an optional note, the answer the order."""
    _order(order_id)
    body = NoteSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    act(order_id=order_id, note=body.validated_data.get("note", ""))
    return _answer(order_id)


class PurchaseOrderView(MerchantView):
    """One purchase order with its lines (received and remaining quantities)."""

    @extend_schema(parameters=[ORDER_ID], examples=[ORDER_EXAMPLE],
                   responses={200: PurchaseOrderSerializer, **ERRORS, 404: NOT_FOUND})
    def get(self, request: Request, order_id: int) -> Response:
        return _answer(order_id)


class SendPurchaseOrderView(MerchantView):
    """Send a draft: its quantities go on order, expected today + the supplier's lead time."""

    @extend_schema(parameters=[ORDER_ID], request=NoteSerializer, examples=[SEND_EXAMPLE, ORDER_EXAMPLE],
                   responses={200: PurchaseOrderSerializer, **ERRORS, 404: NOT_FOUND})
    def post(self, request: Request, order_id: int) -> Response:
        return _act_with_note(request, order_id, purchasing.send)


class ReceivePurchaseOrderView(MerchantView):
    """Receive units of a sent order (per line, at most what remains; no lines: everything that remains).
    Units move from on order to on hand and are logged."""

    @extend_schema(parameters=[ORDER_ID], request=ReceiveSerializer,
                   examples=[RECEIVE_EXAMPLE, RECEIVE_ALL, ORDER_EXAMPLE, BAD_RECEIPT],
                   responses={200: PurchaseOrderSerializer, **ERRORS, 404: NOT_FOUND})
    def post(self, request: Request, order_id: int) -> Response:
        order = _order(order_id)
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        quantities = None
        if "lines" in body.validated_data:
            by_sku = {line.sku: line.product_id for line in order.lines.all()}
            quantities, unknown = {}, []
            for line in body.validated_data["lines"]:
                product_id = line.get("product_id") or by_sku.get(line.get("sku"))
                if product_id is None:
                    unknown.append(line["sku"])
                    continue
                quantities[product_id] = quantities.get(product_id, 0) + line["quantity"]
            if unknown:
                raise serializers.ValidationError({"lines": [f"SKU(s) not on this order: {unknown[:10]}"]})
        purchasing.receive(order_id=order_id, quantities=quantities, received_by=request.user.get_username())
        return _answer(order_id)


class CancelPurchaseOrderView(MerchantView):
    """Cancel a draft or an open order (its remaining quantities are taken back off on order)."""

    @extend_schema(parameters=[ORDER_ID], request=NoteSerializer, examples=[CANCEL_EXAMPLE, ORDER_EXAMPLE],
                   responses={200: PurchaseOrderSerializer, **ERRORS, 404: NOT_FOUND})
    def post(self, request: Request, order_id: int) -> Response:
        return _act_with_note(request, order_id, purchasing.cancel)


class SuppliersView(MerchantView):
    """Suppliers and their terms (GET); a new supplier (POST). Products are linked in the admin."""

    @extend_schema(parameters=[PageQuerySerializer], examples=[SUPPLIER_LIST_EXAMPLE],
                   responses={200: SupplierListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = PageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        suppliers = Supplier.objects.annotate(product_count=Count("products")).order_by("name")
        page = suppliers[data["offset"]:data["offset"] + data["limit"]]
        return Response({"count": suppliers.count(), "results": SupplierSerializer(page, many=True).data})

    @extend_schema(request=SupplierSerializer, examples=[SUPPLIER_CREATE, SUPPLIER_EXAMPLE],
                   responses={201: SupplierSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        body = SupplierSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        supplier = body.save()
        supplier.product_count = 0
        return Response(SupplierSerializer(supplier).data, status=201)
