"""Overrides and bias endpoints: permissions, bad input named in a 4xx, list / create / delete; bias per
product and per category on a synthetic shop with issued forecasts and actual sales; the admin screens."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from electroshop.shop.models import Order, OrderLine
from forecasting import issued
from forecasting.models import ForecastOverride, IssuedForecast
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory

from .conftest import at

URL = "/api/v1/forecasts/overrides/"
GOOD = {"sku": "A/B-1", "starts_on": "2026-05-04", "ends_on": "2026-05-10", "percent": 30}


@pytest.fixture
def product(db):
    return ProductFactory(sku="A/B-1")


@pytest.fixture
def anon_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), [("get", URL), ("post", URL), ("delete", URL + "1/"),
                                             ("get", "/api/v1/forecasts/bias/")])
def test_permissions(product, method, url, anon_client, customer_client):
    assert getattr(anon_client, method)(url).status_code in (401, 403)
    assert getattr(customer_client, method)(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"sku": None}, "sku"),                                            # neither sku nor product_id
    ({"sku": "NOPE"}, "sku"),
    ({"product_id": 1}, "sku"),                                        # both
    ({"sku": None, "product_id": 987654}, "product_id"),
    ({"sku": None, "product_id": 2**64}, "product_id"),
    ({"sku": None, "product_id": "x"}, "product_id"),
    ({"starts_on": "2026-13-01"}, "starts_on"),
    ({"starts_on": None}, "starts_on"),
    ({"ends_on": "2026-05-03"}, "ends_on"),                            # before it starts
    ({"percent": None}, "units_per_day"),                              # neither a value nor a percent
    ({"units_per_day": 5}, "units_per_day"),                           # both
    ({"percent": None, "units_per_day": -1}, "units_per_day"),
    ({"percent": None, "units_per_day": "many"}, "units_per_day"),
    ({"percent": None, "units_per_day": "nan"}, "units_per_day"),
    ({"percent": None, "units_per_day": "1e400"}, "units_per_day"),
    ({"percent": -150}, "percent"),
    ({"percent": "Infinity"}, "percent"),
    ({"note": "x" * 301}, "note"),
])
def test_bad_override_input_is_a_400_naming_the_field(product, staff_client, change, field):
    body = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ForecastOverride.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_an_object_is_a_400(product, staff_client):
    assert staff_client.post(URL, [GOOD], format="json").status_code == 400
    assert staff_client.post(URL, "{not json", content_type="application/json").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "field"), [
    (URL + "?limit=0", "limit"), (URL + "?active_on=yesterday", "active_on"), (URL + "?offset=-1", "offset"),
    ("/api/v1/forecasts/bias/?level=store", "level"), ("/api/v1/forecasts/bias/?weeks=0", "weeks"),
    ("/api/v1/forecasts/bias/?weeks=18", "weeks"), ("/api/v1/forecasts/bias/?limit=abc", "limit"),
])
def test_bad_query_parameters_are_a_400_naming_them(product, staff_client, url, field):
    response = staff_client.get(url)
    assert response.status_code == 400 and list(response.json()) == [field]


@pytest.mark.django_db
def test_create_list_filter_and_delete_overrides(product, staff_client):
    other = ProductFactory(sku="C-2")
    created = staff_client.post(URL, {**GOOD, "note": "TV advert"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["product_id"] == product.pk and body["sku"] == "A/B-1" and body["percent"] == 30
    assert body["units_per_day"] is None and body["created_by"] == "backend"
    staff_client.post(URL, {"product_id": other.pk, "starts_on": "2026-06-01", "ends_on": "2026-06-30",
                            "units_per_day": 0}, format="json")
    listed = staff_client.get(URL).json()
    assert listed["count"] == 2 and [r["sku"] for r in listed["results"]] == ["C-2", "A/B-1"]   # latest period first
    assert [r["sku"] for r in staff_client.get(URL + "?sku=A/B-1").json()["results"]] == ["A/B-1"]
    assert staff_client.get(URL + "?sku=NOPE").json() == {"count": 0, "results": []}
    assert [r["sku"] for r in staff_client.get(URL + "?active_on=2026-06-15").json()["results"]] == ["C-2"]
    deleted = staff_client.delete(f"{URL}{body['id']}/")
    assert deleted.status_code == 200 and deleted.json() == body
    assert staff_client.delete(f"{URL}{body['id']}/").status_code == 404
    assert staff_client.delete(f"{URL}{2**70}/").status_code == 404
    assert staff_client.get(URL).json()["count"] == 1


@pytest.fixture
def bias_shop(db):
    """Child category (A, C) inside Parent (B). Over the last 14 days: A issued 5 a day, sold 4; B issued
    2, sold 3; C issued 0.5, sold nothing. The first week A was issued 1 a day (outside a 1-week window)."""
    parent = CategoryFactory(name="Parent")
    child = CategoryFactory(name="Child", parent=parent)
    products = {"A": ProductFactory(sku="A", category=child, price=Decimal("1.00")),
                "B": ProductFactory(sku="B", category=parent, price=Decimal("1.00")),
                "C": ProductFactory(sku="C", category=child, price=Decimal("1.00"))}
    today = timezone.localdate()
    customer = CustomerFactory()
    for k in range(1, 15):
        day = today - timedelta(days=k)
        for sku, forecast, sold in (("A", 5.0 if k <= 7 else 1.0, 4), ("B", 2.0, 3), ("C", 0.5, 0)):
            IssuedForecast.objects.create(product_id=products[sku].pk, date=day, origin=day - timedelta(days=1),
                                          mean=forecast, model_mean=forecast)
            if sold:
                order = Order.objects.create(number=f"{sku}{k}", customer=customer, created_at=at(day))
                OrderLine.objects.create(order=order, product=products[sku], quantity=sold, unit_price=1)
    return {"products": products, "parent": parent, "child": child, "today": today}


@pytest.mark.django_db
def test_bias_per_product_and_per_category(bias_shop, staff_client):
    body = staff_client.get("/api/v1/forecasts/bias/?level=product&weeks=1").json()
    today = bias_shop["today"]
    assert body["start"] == (today - timedelta(days=7)).isoformat()
    assert body["end"] == (today - timedelta(days=1)).isoformat()
    rows = {r["sku"]: r for r in body["results"]}
    assert rows["A"] == {"id": bias_shop["products"]["A"].pk, "sku": "A", "name": rows["A"]["name"],
                         "issued_units": 35.0, "actual_units": 28.0, "bias_units": 7.0, "bias_percent": 25.0, "days": 7}
    assert rows["B"]["bias_units"] == -7.0 and rows["B"]["bias_percent"] == pytest.approx(-33.33)
    assert rows["C"]["bias_units"] == 3.5 and rows["C"]["bias_percent"] is None      # nothing sold
    assert body["count"] == 3 and body["results"][-1]["sku"] == "C"        # the largest bias in units first

    categories = staff_client.get("/api/v1/forecasts/bias/?level=category&weeks=1").json()
    by_id = {r["id"]: r for r in categories["results"]}
    child, parent = by_id[bias_shop["child"].pk], by_id[bias_shop["parent"].pk]
    assert child["name"] == "Parent/Child" and child["bias_units"] == 10.5 and child["bias_percent"] == 37.5
    assert parent["name"] == "Parent" and parent["issued_units"] == 52.5 and parent["actual_units"] == 49.0
    assert parent["bias_units"] == 3.5 and by_id[0]["name"] == "whole shop" and by_id[0]["bias_units"] == 3.5
    # two weeks: A's first week was under-forecast (1 issued, 4 sold a day)
    two = {r["sku"]: r for r in staff_client.get("/api/v1/forecasts/bias/?weeks=2").json()["results"]}
    assert two["A"]["bias_units"] == 7.0 - 21.0 and two["A"]["days"] == 14


@pytest.mark.django_db
def test_bias_without_issued_forecasts_is_empty(db, staff_client):
    body = staff_client.get("/api/v1/forecasts/bias/").json()
    assert body["results"] == [] and body["count"] == 0 and body["weeks"] == 4


@pytest.mark.django_db
def test_issued_forecasts_keep_the_newest_origin_and_are_pruned(db):
    import pandas as pd

    today = timezone.localdate()
    frame = pd.DataFrame({"product_id": [1, 1], "date": pd.to_datetime([today, today + timedelta(days=1)]),
                          "mean": [3.0, 4.0], "model_mean": [float("nan"), 2.0]})
    issued.record_issued_forecasts(forecasts=frame, origin=today)
    older = frame.assign(mean=[9.0, 9.0], model_mean=[float("nan")] * 2)
    issued.record_issued_forecasts(forecasts=older, origin=today - timedelta(days=1))   # an older origin: kept out
    rows = {r.date: r for r in IssuedForecast.objects.all()}
    assert rows[today].mean == 3.0 and rows[today].model_mean == 3.0 and not rows[today].overridden
    assert rows[today + timedelta(days=1)].overridden and rows[today + timedelta(days=1)].model_mean == 2.0
    newer = frame.assign(mean=[5.0, 6.0])
    issued.record_issued_forecasts(forecasts=newer, origin=today + timedelta(days=1))
    assert sorted(IssuedForecast.objects.values_list("mean", flat=True)) == [5.0, 6.0]
    assert issued.prune_issued_forecasts(today=today + timedelta(days=121)) == 1


@pytest.mark.django_db
def test_admin_shows_bias_and_manages_overrides_by_sku(bias_shop, staff_session_client):
    page = staff_session_client.get("/admin/forecasting/forecastingdashboard/")
    html = page.content.decode()
    # four weeks hold all 14 days: Child issued 42 (A) + 7 (C), sold 56: -12.5%
    assert page.status_code == 200 and "Bias by category" in html and "Parent/Child: -12.5%" in html
    add = staff_session_client.post("/admin/forecasting/forecastoverride/add/", {
        "sku": "A", "starts_on": "2026-05-01", "ends_on": "2026-05-07", "units_per_day": "12", "note": "fair"})
    assert add.status_code == 302
    override = ForecastOverride.objects.get()
    assert override.product_id == bias_shop["products"]["A"].pk and override.created_by == "merchant"
    bad = staff_session_client.post("/admin/forecasting/forecastoverride/add/", {
        "sku": "NOPE", "starts_on": "2026-05-01", "ends_on": "2026-04-07", "percent": "5", "units_per_day": "1"})
    assert bad.status_code == 200 and "No product with SKU" in bad.content.decode()
    listing = staff_session_client.get("/admin/forecasting/forecastoverride/")
    assert listing.status_code == 200 and ">A<" in listing.content.decode()


@pytest.mark.django_db
def test_a_new_product_created_since_the_retrain_falls_back_to_its_category_not_to_zeros(staff_client):
    """Between its creation and the next retrain a product is not in the served version: the fallback
    gives an active, in-stock, recently created, unsold product its category's sellers' mean."""
    from electroshop.shop.models import Stock

    phones = CategoryFactory(name="Phones")
    sellers = [ProductFactory(sku=f"S{rate}", category=phones) for rate in (2, 4)]
    today = timezone.localdate()
    customer = CustomerFactory()
    for k in range(1, 120):
        for product, rate in zip(sellers, (2, 4)):
            order = Order.objects.create(number=f"{product.sku}-{k}", customer=customer,
                                         created_at=at(today - timedelta(days=k)))
            OrderLine.objects.create(order=order, product=product, quantity=rate, unit_price=1)
    fresh = ProductFactory(sku="FRESH", category=phones, created_at=at(today - timedelta(days=2), 8))
    gone = ProductFactory(sku="EMPTY", category=phones, created_at=at(today - timedelta(days=2), 8))
    old = ProductFactory(sku="OLD", category=phones, created_at=at(today - timedelta(days=60), 8))
    for product, on_hand in ((fresh, 10), (gone, 0), (old, 10)):
        Stock.objects.create(product=product, on_hand=on_hand)

    body = staff_client.get("/api/v1/forecasts/products/FRESH/?horizon=7").json()
    assert body["source"] == "fallback" and [p["mean"] for p in body["points"]] == [3.0] * 7   # (2 + 4) / 2
    assert all(p["lo95"] <= p["lo80"] <= p["hi80"] <= p["hi95"] for p in body["points"])
    for sku in ("EMPTY", "OLD"):  # out of stock; listed two months ago and never sold: no analogue
        assert all(p["mean"] == 0 for p in staff_client.get(f"/api/v1/forecasts/products/{sku}/").json()["points"])
