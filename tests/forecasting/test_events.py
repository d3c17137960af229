"""Merchant-entered events: the API (list / create / delete, bad input named in a 400), the admin, and a
recurring past campaign whose uplift the forecast carries to a future event day."""
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from forecasting.models import DemandForecast, ForecastEvent
from tests.factories import CategoryFactory, ProductFactory

from .test_engine_inputs import retrain, write_orders

URL = "/api/v1/forecasts/events/"


@pytest.fixture
def shop(db):
    phones = CategoryFactory(name="Phones")
    return {"phones": phones, "phone": ProductFactory(sku="A/B-1", category=phones)}


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "url"), [("get", URL), ("post", URL), ("delete", URL + "1/")])
def test_permissions(shop, method, url, client, customer_client):
    assert getattr(client, method)(url).status_code in (401, 403)
    assert getattr(customer_client, method)(url).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(("change", "field"), [
    ({"sku": "NOPE"}, "sku"),
    ({"sku": "A/B-1", "product_id": 1}, "sku"),                        # both
    ({"product_id": 987654}, "product_id"),
    ({"product_id": 2**64}, "product_id"),
    ({"category_id": 987654}, "category_id"),
    ({"category_id": "x"}, "category_id"),
    ({"sku": "A/B-1", "category": True}, "category_id"),               # a product and a category
    ({"name": None}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"kind": "party"}, "kind"),
    ({"starts_on": "2026-13-01"}, "starts_on"),
    ({"starts_on": "1066-10-14"}, "starts_on"),
    ({"ends_on": "2026-11-26"}, "ends_on"),                            # before it starts
    ({"ends_on": "2999-12-31"}, "ends_on"),
])
def test_bad_event_input_is_a_400_naming_the_field(shop, staff_client, change, field):
    body = {"name": "Black Friday", "starts_on": "2026-11-27", "ends_on": "2026-11-30", **change}
    if body.pop("category", None):
        body["category_id"] = shop["phones"].pk
    body = {k: v for k, v in body.items() if v is not None}
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not ForecastEvent.objects.exists()


@pytest.mark.django_db
def test_create_list_filter_and_delete_events(shop, staff_client):
    category = staff_client.post(URL, {"category_id": shop["phones"].pk, "name": "Black Friday",
                                       "starts_on": "2026-11-27", "ends_on": "2026-11-30"}, format="json")
    assert category.status_code == 201, category.content
    body = category.json()
    assert body == {"id": body["id"], "name": "Black Friday", "kind": "campaign", "scope": "category",
                    "product_id": None, "sku": None, "category_id": shop["phones"].pk, "starts_on": "2026-11-27",
                    "ends_on": "2026-11-30"}
    launch = staff_client.post(URL, {"sku": "A/B-1", "name": "Launch", "kind": "launch", "starts_on": "2026-05-04",
                                     "ends_on": "2026-05-04"}, format="json").json()
    assert launch["scope"] == "product" and launch["product_id"] == shop["phone"].pk and launch["sku"] == "A/B-1"
    whole = staff_client.post(URL, {"name": "Summer sale", "kind": "other", "starts_on": "2026-07-01",
                                    "ends_on": "2026-07-14"}, format="json").json()
    assert whole["scope"] == "shop" and whole["product_id"] is None and whole["category_id"] is None

    listed = staff_client.get(URL).json()
    assert listed["count"] == 3 and [r["name"] for r in listed["results"]] == ["Black Friday", "Summer sale", "Launch"]
    assert [r["name"] for r in staff_client.get(URL + "?sku=A/B-1").json()["results"]] == ["Launch"]
    assert staff_client.get(URL + "?sku=NOPE").json() == {"count": 0, "results": []}
    assert [r["name"] for r in staff_client.get(f"{URL}?category_id={shop['phones'].pk}").json()["results"]] == [
        "Black Friday"]
    assert [r["name"] for r in staff_client.get(URL + "?active_on=2026-07-10").json()["results"]] == ["Summer sale"]
    assert staff_client.get(URL + "?active_on=soon").status_code == 400

    deleted = staff_client.delete(f"{URL}{body['id']}/")
    assert deleted.status_code == 200 and deleted.json() == body
    assert staff_client.delete(f"{URL}{body['id']}/").status_code == 404
    assert staff_client.delete(f"{URL}{2**70}/").status_code == 404
    assert staff_client.get(URL).json()["count"] == 2


@pytest.mark.django_db
def test_admin_adds_events_by_sku_by_category_or_for_the_whole_shop(shop, staff_session_client):
    add = "/admin/forecasting/forecastevent/add/"
    answer = staff_session_client.post(add, {"name": "Launch", "kind": "launch", "sku": "A/B-1", "category_id": "",
                                             "starts_on": "2026-05-04", "ends_on": "2026-05-05"}, follow=True)
    assert "takes effect at the next retrain" in answer.content.decode()
    assert ForecastEvent.objects.get(name="Launch").product_id == shop["phone"].pk
    staff_session_client.post(add, {"name": "Phones week", "kind": "campaign", "sku": "",
                                    "category_id": shop["phones"].pk, "starts_on": "2026-06-01",
                                    "ends_on": "2026-06-07"})
    staff_session_client.post(add, {"name": "Sale", "kind": "other", "sku": "", "category_id": "",
                                    "starts_on": "2026-07-01", "ends_on": "2026-07-01"})
    rows = {e.name: e for e in ForecastEvent.objects.all()}
    assert rows["Phones week"].category_id == shop["phones"].pk and rows["Phones week"].product_id is None
    assert rows["Sale"].scope == "shop"
    for bad, message in (({"sku": "NOPE"}, "No product with SKU"), ({"category_id": 987654}, "No category with id"),
                         ({"sku": "A/B-1", "category_id": shop["phones"].pk}, "not both"),
                         ({"ends_on": "2999-12-31"}, "less than or equal to")):
        body = {"name": "Bad", "kind": "campaign", "sku": "", "category_id": "", "starts_on": "2026-05-04",
                "ends_on": "2026-05-05", **bad}
        page = staff_session_client.post(add, body)
        assert page.status_code == 200 and message in page.content.decode(), bad
    assert not ForecastEvent.objects.filter(name="Bad").exists()
    listing = staff_session_client.get("/admin/forecasting/forecastevent/").content.decode()
    assert "product A/B-1" in listing and "whole shop" in listing and "with subcategories" in listing


@pytest.mark.django_db
def test_a_recurring_past_campaign_lifts_the_forecast_on_a_future_campaign_day(settings):
    """Two years of a shop whose Phones category (with its subcategory Cases) ran a three-day campaign every
    23 days (so on no fixed weekday or day of the month), selling three times as much; the next one
    (12-14 May 2026) is entered for the forecast window: its days are forecast well above the same
    weekdays outside it. (The synthetic_shop fixture's 120 days are too short: the engine then reads the
    past campaigns as days of the month.)"""
    settings.ELECTROSHOP = {"FORECAST_COUNTRY": ""}
    as_of, days = date(2026, 4, 27), 730
    start = as_of - timedelta(days=days)
    phones = CategoryFactory(name="Phones")
    cases, cables = CategoryFactory(name="Cases", parent=phones), CategoryFactory(name="Cables")
    firsts = [start + timedelta(days=k) for k in range(5, days - 3, 23)]
    campaign = {first + timedelta(days=d) for first in firsts for d in range(3)}
    future = date(2026, 5, 12)
    rng = np.random.default_rng(5)
    daily = {}
    for i, (category, rate) in enumerate(((phones, 6.0), (cases, 3.0), (phones, 4.0), (cables, 5.0))):
        product = ProductFactory(sku=f"EV-{i}", category=category, price=Decimal("5.00"))
        uplift = 3.0 if category != cables else 1.0
        daily[product] = rng.poisson([rate * (uplift if start + timedelta(days=k) in campaign else 1.0)
                                      for k in range(days)])
    write_orders(daily, start)
    for first in [*firsts, future]:
        ForecastEvent.objects.create(name=f"Phones days {first}", category_id=phones.pk, starts_on=first,
                                     ends_on=first + timedelta(days=2))

    version = retrain(as_of)
    rows = pd.DataFrame(DemandForecast.objects.filter(model_version=version).values("product_id", "date", "mean"))
    ids = [p.pk for p in daily]
    by_day = rows[rows["product_id"].isin(ids[:3])].groupby("date")["mean"].sum()       # Phones and Cases
    event_day, same_weekdays = date(2026, 5, 13), [date(2026, 4, 29), date(2026, 5, 6), date(2026, 5, 20)]
    assert all(d.weekday() == event_day.weekday() for d in same_weekdays)
    assert by_day[event_day] > 1.8 * np.mean([by_day[d] for d in same_weekdays])
    cable = rows[rows["product_id"] == ids[3]].set_index("date")["mean"]                # not in the campaign
    assert cable[event_day] < 1.3 * np.mean([cable[d] for d in same_weekdays])
