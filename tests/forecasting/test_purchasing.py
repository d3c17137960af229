"""Suppliers' terms, purchase orders from draft to received (stock, on order and the stock log through the
seam), the API's answers to bad input, and the deliveries the advice counts on."""
from datetime import timedelta

import pandas as pd
import pytest
from django.test import override_settings
from django.utils import timezone

from electroshop.seam import ShopAdapter
from electroshop.shop.adapter import BuiltinShopAdapter
from electroshop.shop.models import Stock
from forecasting import inventory, purchasing
from forecasting.models import (PurchaseOrder, ReorderSuggestion, StockReceipt, StockSnapshot, Supplier,
                                SupplierProduct)
from tests.factories import ProductFactory

from .conftest import activate, make_active_version
from .test_inventory_advice import ORIGIN, flat_forecast

URL = "/api/v1/inventory/purchase-orders/"


class StockReadOnlyAdapter(BuiltinShopAdapter):
    adjust_stock = ShopAdapter.adjust_stock  # the contract's default: the shop takes no stock writes


def advise(products_and_forecasts, *, origin=ORIGIN):
    version = make_active_version(origin=origin)
    frames = pd.concat([f for _, f in products_and_forecasts])
    suggestions, _ = inventory.inventory_rows(
        version_id=version.pk, origin=origin, horizon=28, forecasts=frames,
        product_ids=[p.pk for p, _ in products_and_forecasts], abc={}, xyz={}, demand_class={}, model_label={},
        last_sale={})
    ReorderSuggestion.objects.bulk_create(suggestions)
    activate(version)
    return {s.sku: s for s in ReorderSuggestion.objects.filter(model_version=version)}


@pytest.fixture
def two_suppliers(db):
    """Two products short of stock, each from its own supplier (10 a day, little on hand)."""
    acme = Supplier.objects.create(name="Acme", lead_time_days=6, lead_time_std_days=1.0, minimum_order_quantity=10,
                                   pack_size=5)
    cableco = Supplier.objects.create(name="CableCo", lead_time_days=3, minimum_order_quantity=1, pack_size=1)
    phone, cable = ProductFactory(sku="PH-1", name="Phone"), ProductFactory(sku="CB-1", name="Cable")
    Stock.objects.create(product=phone, on_hand=12, on_order=0, lead_time_days=20)
    Stock.objects.create(product=cable, on_hand=3, on_order=0, lead_time_days=20)
    SupplierProduct.objects.create(supplier=acme, product_id=phone.pk, unit_cost="100.00")
    SupplierProduct.objects.create(supplier=cableco, product_id=cable.pk)
    return {"phone": phone, "cable": cable, "acme": acme, "cableco": cableco}


@pytest.mark.django_db
def test_terms_come_from_the_link_then_the_supplier_then_the_shop():
    supplier = Supplier.objects.create(name="Acme", lead_time_days=12, lead_time_std_days=2.0,
                                       minimum_order_quantity=20, pack_size=5,
                                       price_breaks=[{"min_quantity": 100, "unit_price": 9.0}])
    linked, plain = ProductFactory(), ProductFactory()
    Stock.objects.create(product=linked, lead_time_days=9, pack_size=3, minimum_order_quantity=6, supplier="ShopCo")
    Stock.objects.create(product=plain, lead_time_days=9, pack_size=3, minimum_order_quantity=6, supplier="ShopCo")
    SupplierProduct.objects.create(supplier=supplier, product_id=linked.pk, lead_time_days=4, unit_cost="10.00")
    stock = {pid: level for pid, level in BuiltinShopAdapter().stock_levels([linked.pk, plain.pk]).items()}
    terms = inventory.purchasing_terms(stock, {linked.pk: "ShopCo", plain.pk: "ShopCo"})
    assert terms[linked.pk] == inventory.Terms(supplier="Acme", supplier_id=supplier.pk, lead_time_days=4,
                                               lead_time_std_days=2.0, minimum_order_quantity=20, pack_size=5,
                                               unit_cost=10.0, price_breaks=[{"min_quantity": 100, "unit_price": 9.0}])
    assert terms[plain.pk] == inventory.Terms(supplier="ShopCo", supplier_id=None, lead_time_days=9,
                                              lead_time_std_days=0.0, minimum_order_quantity=6, pack_size=3,
                                              unit_cost=None, price_breaks=[])


@pytest.mark.django_db
def test_a_supplier_with_variable_lead_times_needs_more_safety_stock():
    steady = Supplier.objects.create(name="Steady", lead_time_days=10, lead_time_std_days=0.0)
    shaky = Supplier.objects.create(name="Shaky", lead_time_days=10, lead_time_std_days=4.0)
    a, b = ProductFactory(sku="A"), ProductFactory(sku="B")
    for product, supplier in ((a, steady), (b, shaky)):
        Stock.objects.create(product=product, on_hand=500, lead_time_days=10)
        SupplierProduct.objects.create(supplier=supplier, product_id=product.pk)
    rows = advise([(a, flat_forecast(a.pk, mean=5.0, sigma=3.0)), (b, flat_forecast(b.pk, mean=5.0, sigma=3.0))])
    assert rows["A"].lead_time_demand == rows["B"].lead_time_demand == pytest.approx(50.0)
    # lead-time variance adds (5 a day x 4 days)^2 = 400 to the 10 x 9 = 90 of the demand itself
    assert rows["B"].safety_stock > rows["A"].safety_stock + 15
    assert rows["B"].lead_time_std_days == 4.0 and rows["B"].supplier == "Shaky"


@pytest.mark.django_db
def test_purchase_order_lifecycle_moves_stock_through_the_seam(two_suppliers, staff_client):
    phone, cable = two_suppliers["phone"], two_suppliers["cable"]
    rows = advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0)),
                   (cable, flat_forecast(cable.pk, mean=10.0, sigma=3.0))])
    assert rows["PH-1"].reorder_now and rows["PH-1"].suggested_quantity % 5 == 0
    assert rows["PH-1"].unit_price == 100.0 and rows["CB-1"].unit_price is None

    # Drafts from every reorder-now suggestion: one per supplier, with the suggested quantities.
    created = staff_client.post(URL, {}, format="json")
    assert created.status_code == 201
    drafts = {d["supplier"]: d for d in created.json()["results"]}
    assert set(drafts) == {"Acme", "CableCo"} and all(d["status"] == "draft" for d in drafts.values())
    phone_line = drafts["Acme"]["lines"][0]
    assert (phone_line["sku"], phone_line["quantity"], phone_line["unit_cost"]) == (
        "PH-1", rows["PH-1"].suggested_quantity, "100.00")
    order_id, ordered = drafts["Acme"]["id"], phone_line["quantity"]

    # Send: on order through the seam, expected after the supplier's lead time, logged.
    sent = staff_client.post(f"{URL}{order_id}/send/").json()
    today = timezone.localdate()
    assert sent["status"] == "sent" and sent["expected_on"] == (today + timedelta(days=6)).isoformat()
    assert Stock.objects.get(product=phone).on_order == ordered
    assert StockSnapshot.objects.get(product_id=phone.pk, date=today).on_order == ordered
    again = staff_client.post(f"{URL}{order_id}/send/")
    assert again.status_code == 400 and list(again.json()) == ["status"]

    # A partial receipt by SKU: from on order to on hand, a receipt, the day's log.
    part = staff_client.post(f"{URL}{order_id}/receive/", {"lines": [{"sku": "PH-1", "quantity": 5}]}, format="json")
    assert part.status_code == 200 and part.json()["status"] == "partly_received"
    assert part.json()["lines"][0]["received_quantity"] == 5 and part.json()["lines"][0]["remaining"] == ordered - 5
    stock = Stock.objects.get(product=phone)
    assert (stock.on_hand, stock.on_order) == (12 + 5, ordered - 5)
    snapshot = StockSnapshot.objects.get(product_id=phone.pk, date=today)
    assert (snapshot.on_hand, snapshot.on_order) == (17, ordered - 5)
    assert list(StockReceipt.objects.values_list("product_id", "quantity")) == [(phone.pk, 5)]

    too_many = staff_client.post(f"{URL}{order_id}/receive/",
                                 {"lines": [{"product_id": phone.pk, "quantity": ordered}]}, format="json")
    assert too_many.status_code == 400
    assert too_many.json() == {"lines": [f"PH-1: {ordered} is more than the {ordered - 5} that remain to be received"]}
    assert Stock.objects.get(product=phone).on_hand == 17                  # nothing moved

    rest = staff_client.post(f"{URL}{order_id}/receive/", {}, format="json").json()   # everything that remains
    assert rest["status"] == "received" and rest["lines"][0]["remaining"] == 0
    stock = Stock.objects.get(product=phone)
    assert (stock.on_hand, stock.on_order) == (12 + ordered, 0)
    assert staff_client.post(f"{URL}{order_id}/cancel/").status_code == 400   # received: too late

    # Cancel a sent order: its remaining quantity comes off on order.
    cable_order = drafts["CableCo"]["id"]
    staff_client.post(f"{URL}{cable_order}/send/")
    assert Stock.objects.get(product=cable).on_order > 0
    cancelled = staff_client.post(f"{URL}{cable_order}/cancel/").json()
    assert cancelled["status"] == "cancelled" and Stock.objects.get(product=cable).on_order == 0

    listed = staff_client.get(f"{URL}?status=received").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == order_id
    assert staff_client.get(f"{URL}{order_id}/").json()["lines"][0]["received_quantity"] == ordered


@pytest.mark.django_db
def test_open_orders_arrive_on_their_expected_day_in_the_advice(two_suppliers, staff_client):
    phone = two_suppliers["phone"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])
    order_id = staff_client.post(URL, {"product_ids": [phone.pk]}, format="json").json()["results"][0]["id"]
    # without the supplier on the order, its lead time comes from the product's terms (Acme's 6 days)
    PurchaseOrder.objects.filter(pk=order_id).update(supplier_ref=None)
    purchasing.send(order_id=order_id, today=ORIGIN - timedelta(days=3))   # expected on day 3, 4 May
    quantity = PurchaseOrder.objects.get(pk=order_id).lines.get().quantity
    row = advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])["PH-1"]   # the next retrain
    assert row.on_order == quantity and row.inventory_position == 12 + quantity
    assert row.next_arrival_on == ORIGIN + timedelta(days=3)
    # 12 on hand at 10 a day: short on day 1 (2 May), two days before the delivery
    assert row.stockout_date == ORIGIN + timedelta(days=1)
    assert row.reason.startswith(f"projected stock-out on 2 May, 2 days before the next delivery; {quantity} on "
                                 f"order arriving 4 May; ")


@pytest.mark.django_db
def test_drafts_need_an_active_forecast(staff_client):
    answer = staff_client.post(URL, {}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"product_ids": ["no active forecast: retrain forecasting first"]}


@pytest.mark.django_db
def test_bad_requests_are_4xx_naming_the_field(two_suppliers, staff_client):
    phone = two_suppliers["phone"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])
    assert staff_client.post(URL, {"product_ids": "x"}, format="json").status_code == 400
    missing = staff_client.post(URL, {"product_ids": [987654]}, format="json")
    assert missing.status_code == 400 and "987654" in missing.json()["product_ids"][0]
    order_id = staff_client.post(URL, {"product_ids": [phone.pk]}, format="json").json()["results"][0]["id"]
    draft_receipt = staff_client.post(f"{URL}{order_id}/receive/", {}, format="json")
    assert draft_receipt.status_code == 400 and list(draft_receipt.json()) == ["status"]
    staff_client.post(f"{URL}{order_id}/send/")
    for body, field in (({"lines": [{"quantity": 1}]}, "lines"), ({"lines": [{"sku": "NOPE", "quantity": 1}]}, "lines"),
                        ({"lines": [{"product_id": phone.pk, "quantity": 0}]}, "lines"), ({"lines": []}, "lines"),
                        ({"lines": [{"product_id": 2**70, "quantity": 1}]}, "lines")):
        answer = staff_client.post(f"{URL}{order_id}/receive/", body, format="json")
        assert answer.status_code == 400 and field in answer.json(), body
    assert staff_client.get(f"{URL}999999/").status_code == 404
    assert staff_client.post(f"{URL}999999/send/").status_code == 404
    assert staff_client.get(f"{URL}?status=lost").status_code == 400


@pytest.mark.django_db
def test_a_shop_that_cannot_write_stock_gets_a_clear_error(two_suppliers, staff_client):
    phone = two_suppliers["phone"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])
    order_id = staff_client.post(URL, {"product_ids": [phone.pk]}, format="json").json()["results"][0]["id"]
    with override_settings(ELECTROSHOP={"SHOP_ADAPTER": "tests.forecasting.test_purchasing.StockReadOnlyAdapter"}):
        answer = staff_client.post(f"{URL}{order_id}/send/")
    assert answer.status_code == 400
    assert "cannot write stock" in answer.json()["stock"][0]
    assert PurchaseOrder.objects.get(pk=order_id).status == "draft" and Stock.objects.get(product=phone).on_order == 0


@pytest.mark.django_db
def test_suppliers_are_listed_and_created(staff_client):
    body = {"name": "Cable King", "lead_time_days": 5, "lead_time_std_days": 1.5, "minimum_order_quantity": 20,
            "pack_size": 10, "price_breaks": [{"min_quantity": 200, "discount_percent": 10},
                                             {"min_quantity": 100, "unit_price": 1.8}]}
    created = staff_client.post("/api/v1/inventory/suppliers/", body, format="json")
    assert created.status_code == 201
    assert created.json()["price_breaks"] == [{"min_quantity": 100, "unit_price": 1.8},
                                              {"min_quantity": 200, "discount_percent": 10.0}]
    listed = staff_client.get("/api/v1/inventory/suppliers/").json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Cable King"
    assert listed["results"][0]["products"] == 0
    duplicate = staff_client.post("/api/v1/inventory/suppliers/", body, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    bad = staff_client.post("/api/v1/inventory/suppliers/", {"name": "X", "pack_size": 0,
                                                             "price_breaks": [{"min_quantity": 5}]}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"pack_size", "price_breaks"}


@pytest.mark.django_db
def test_admin_sends_receives_in_part_and_cancels(two_suppliers, staff_session_client):
    phone = two_suppliers["phone"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])
    suggestion = ReorderSuggestion.objects.get(sku="PH-1")
    assert "order " in suggestion.reason
    changelist = "/admin/forecasting/reordersuggestion/"
    page = staff_session_client.get(changelist).content.decode()
    assert suggestion.reason.split(";")[0] in page
    staff_session_client.post(changelist, {"action": "create_purchase_order_draft",
                                           "_selected_action": [suggestion.pk]})
    order = PurchaseOrder.objects.get()
    orders = "/admin/forecasting/purchaseorder/"
    staff_session_client.post(orders, {"action": "send_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == "sent"
    receive = f"{orders}{order.pk}/receive/"
    assert "remain" in staff_session_client.get(receive).content.decode()
    staff_session_client.post(receive, {f"line_{phone.pk}": 5})
    order.refresh_from_db()
    assert order.status == "partly_received" and Stock.objects.get(product=phone).on_hand == 17
    assert staff_session_client.get(f"{orders}{order.pk}/change/").status_code == 200
    assert staff_session_client.get(orders).status_code == 200
    staff_session_client.post(orders, {"action": "cancel_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == "cancelled" and Stock.objects.get(product=phone).on_order == 0
    assert staff_session_client.get("/admin/forecasting/stockreceipt/").status_code == 200
    assert staff_session_client.get("/admin/forecasting/supplier/").status_code == 200
    assert staff_session_client.get(f"/admin/forecasting/supplier/{two_suppliers['acme'].pk}/change/"
                                    ).status_code == 200
