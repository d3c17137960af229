"""Guards against bad input and double counting: bounded lead times and period days, overrides far in the
future, no duplicate drafts, orders without an expected date, stock-out days left out of the bias, and
a system check of FORECAST_COUNTRY."""
from datetime import date, timedelta

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from electroshop.shop.models import Order, OrderLine
from forecasting import checks, inventory, issued
from forecasting.ml.overrides import apply_overrides
from forecasting.models import IssuedForecast, PurchaseOrder, StockSnapshot, Supplier, SupplierProduct
from tests.factories import CustomerFactory, ProductFactory

from .conftest import at
from .test_inventory_advice import flat_forecast
from .test_purchasing import advise, two_suppliers  # noqa: F401 (a fixture)

ORDERS = "/api/v1/inventory/purchase-orders/"
SUPPLIERS = "/api/v1/inventory/suppliers/"


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "field"), [
    ({"lead_time_days": 10**12}, "lead_time_days"), ({"lead_time_days": 366}, "lead_time_days"),
    ({"lead_time_std_days": 1e12}, "lead_time_std_days"), ({"lead_time_std_days": -1}, "lead_time_std_days"),
])
def test_supplier_lead_times_are_bounded_in_the_api(staff_client, body, field):
    answer = staff_client.post(SUPPLIERS, {"name": "Slow", **body}, format="json")
    assert answer.status_code == 400 and list(answer.json()) == [field]
    assert staff_client.post(SUPPLIERS, {"name": "Slow", "lead_time_days": 365, "lead_time_std_days": 365},
                             format="json").status_code == 201


@pytest.mark.django_db
def test_supplier_lead_times_are_bounded_in_the_models():
    with pytest.raises(ValidationError) as error:
        Supplier(name="Slow", lead_time_days=10**12, lead_time_std_days=400).full_clean()
    assert set(error.value.message_dict) == {"lead_time_days", "lead_time_std_days"}
    supplier = Supplier.objects.create(name="Fine")
    with pytest.raises(ValidationError) as error:
        SupplierProduct(supplier=supplier, product_id=1, lead_time_days=10**12).full_clean()
    assert set(error.value.message_dict) == {"lead_time_days"}


@pytest.mark.django_db
def test_sending_with_a_lead_time_saved_before_the_bound_is_a_400_naming_it(two_suppliers, staff_client):  # noqa: F811
    phone = two_suppliers["phone"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0))])
    order_id = staff_client.post(ORDERS, {"product_ids": [phone.pk]}, format="json").json()["results"][0]["id"]
    Supplier.objects.filter(pk=two_suppliers["acme"].pk).update(lead_time_days=2**31 - 1)   # skips the validators (the largest a column holds)
    answer = staff_client.post(f"{ORDERS}{order_id}/send/")
    assert answer.status_code == 400 and list(answer.json()) == ["lead_time_days"]
    assert PurchaseOrder.objects.get(pk=order_id).status == "draft"
    # the retrain's terms are clipped to a year
    terms = inventory.purchasing_terms({phone.pk: inventory.get_adapter().stock_levels([phone.pk])[phone.pk]})
    assert terms[phone.pk].lead_time_days == 365


@pytest.mark.django_db
def test_every_product_to_reorder_is_drafted_once(two_suppliers, staff_client):  # noqa: F811
    phone, cable = two_suppliers["phone"], two_suppliers["cable"]
    advise([(phone, flat_forecast(phone.pk, mean=10.0, sigma=3.0)),
            (cable, flat_forecast(cable.pk, mean=10.0, sigma=3.0))])
    assert staff_client.post(ORDERS, {"product_ids": [phone.pk]}, format="json").status_code == 201
    rest = staff_client.post(ORDERS, {}, format="json")                  # the phone is on a draft already
    assert rest.status_code == 201
    assert [[line["sku"] for line in d["lines"]] for d in rest.json()["results"]] == [["CB-1"]]
    again = staff_client.post(ORDERS, {}, format="json")
    assert again.status_code == 400 and "already on a draft" in again.json()["product_ids"][0]
    chosen = staff_client.post(ORDERS, {"product_ids": [phone.pk]}, format="json")
    assert chosen.status_code == 400 and "PH-1" in chosen.json()["product_ids"][0]
    # a sent order is in the suggestion's on-order stock: its products may be drafted again
    phone_order = PurchaseOrder.objects.filter(lines__product_id=phone.pk).get()
    assert staff_client.post(f"{ORDERS}{phone_order.pk}/send/").status_code == 200
    assert staff_client.post(ORDERS, {"product_ids": [phone.pk]}, format="json").status_code == 201
    assert PurchaseOrder.objects.filter(lines__product_id=phone.pk).count() == 2


def test_an_order_without_an_expected_day_arrives_after_the_lead_time_from_the_origin():
    origin = date(2011, 11, 12)                                          # an --as-of run: not today
    arrivals = inventory.expected_deliveries(on_order=30, orders=[(None, 10), (date(2011, 11, 14), 5)],
                                             origin=origin, lead_time_days=6)
    assert arrivals == [(date(2011, 11, 14), 5), (date(2011, 11, 18), 10), (date(2011, 11, 18), 15)]


@pytest.mark.django_db
@pytest.mark.parametrize(("ends_on", "status"), [("2999-12-31", 400), ("2200-01-01", 201)])
def test_override_periods_are_bounded(staff_client, ends_on, status):
    ProductFactory(sku="A-1")
    answer = staff_client.post("/api/v1/forecasts/overrides/", {"sku": "A-1", "starts_on": "2026-05-04",
                                                                 "ends_on": ends_on, "percent": 30}, format="json")
    assert answer.status_code == status
    if status == 400:
        assert list(answer.json()) == ["ends_on"]


def test_an_override_ending_after_2262_is_applied():
    forecasts = pd.DataFrame({"series_id": 1, "date": pd.date_range("2026-05-01", periods=3), "mean": 4.0,
                              "variance": 4.0})
    overrides = pd.DataFrame({"product_id": [1], "starts_on": [date(2026, 5, 2)], "ends_on": [date(2300, 1, 1)],
                              "units_per_day": [None], "percent": [50.0]})
    out = apply_overrides(forecasts, overrides)
    assert out["mean"].tolist() == [4.0, 6.0, 6.0] and out["overridden"].tolist() == [False, True, True]
    overrides["ends_on"] = [date(2200, 1, 1)]
    assert apply_overrides(forecasts, overrides)["mean"].tolist() == [4.0, 6.0, 6.0]


@pytest.mark.django_db
def test_stock_out_days_are_left_out_of_the_bias():
    """10 days issued at 5 a day; 4 sold a day on the 7 days in stock, nothing on the 3 out of stock."""
    product = ProductFactory(sku="OOS-1")
    customer = CustomerFactory()
    today = timezone.localdate()
    for k in range(1, 11):
        day = today - timedelta(days=k)
        IssuedForecast.objects.create(product_id=product.pk, date=day, origin=day - timedelta(days=1), mean=5.0,
                                      model_mean=5.0, overridden=k <= 2)
        if k in (2, 5, 6):
            StockSnapshot.objects.create(product_id=product.pk, date=day, on_hand=0, on_order=0, out_of_stock=True)
        else:
            order = Order.objects.create(number=f"OOS{k}", customer=customer, created_at=at(day))
            OrderLine.objects.create(order=order, product=product, quantity=4, unit_price=1)
    _, frame = issued.issued_bias(weeks=2)
    count, rows = issued.bias_rows(frame, level="product", limit=10)
    assert count == 1 and rows[0]["days"] == 7
    assert rows[0]["issued_units"] == 35.0 and rows[0]["actual_units"] == 28.0 and rows[0]["bias_units"] == 7.0
    report = issued.issued_with_actuals(start=today - timedelta(days=10), end=today, overridden_only=True)
    assert report["date"].dt.date.tolist() == [today - timedelta(days=1)]   # day 2 was out of stock


def test_forecast_country_is_checked_at_start_up(settings):
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": "XX"}
    errors = checks.check_forecast_country()
    assert [e.id for e in errors] == ["forecasting.E001"] and "'XX'" in errors[0].msg
    for country in ("GB", ""):
        settings.ELECTROSHOP = {"FORECAST_COUNTRY": country}
        assert checks.check_forecast_country() == []
