"""The forecast and inventory endpoints: permissions, validation, fallback, cheap reads."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from electroshop.shop.models import Order, OrderLine, Stock
from forecasting.models import CategoryForecast, DemandForecast, ReorderSuggestion
from forecasting.selectors import seasonal_naive_points
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory

from .conftest import activate, at, make_active_version

ORIGIN = date(2026, 5, 1)
ENDPOINTS = ["/api/v1/forecasts/products/A/B-1/", "/api/v1/forecasts/categories/0/",
             "/api/v1/inventory/reorder-suggestions/", "/api/v1/inventory/stockout-risks/"]


@pytest.fixture
def catalog(db):
    category = CategoryFactory(name="Phones")
    product = ProductFactory(sku="A/B-1", category=category)  # a SKU with a slash
    Stock.objects.create(product=product, on_hand=3)
    return {"product": product, "category": category}


def cached_version(product, category):
    version = make_active_version(origin=ORIGIN)
    for k in range(28):
        day = ORIGIN + timedelta(days=k)
        DemandForecast.objects.create(model_version=version, product_id=product.pk, date=day, mean=2.5, lo80=1,
                                      hi80=4, lo95=0.5, hi95=5)
        CategoryForecast.objects.create(model_version=version, category_id=category.pk, date=day, mean=7, lo80=5,
                                        hi80=9, lo95=4, hi95=10)
    activate(version)
    return version


@pytest.mark.django_db
@pytest.mark.parametrize("url", ENDPOINTS)
def test_permissions(catalog, url, anon_client, customer_client, staff_client, staff_session_client):
    assert anon_client.get(url).status_code in (401, 403)
    assert customer_client.get(url).status_code == 403
    assert staff_client.get(url).status_code == 200
    assert staff_session_client.get(url).status_code == 200


@pytest.fixture
def anon_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "parameter"), [
    ("/api/v1/forecasts/products/A/B-1/?horizon=0", "horizon"),
    ("/api/v1/forecasts/products/A/B-1/?horizon=29", "horizon"),
    ("/api/v1/forecasts/products/A/B-1/?horizon=abc", "horizon"),
    ("/api/v1/forecasts/categories/0/?horizon=-3", "horizon"),
    ("/api/v1/inventory/reorder-suggestions/?abc=D", "abc"),
    ("/api/v1/inventory/reorder-suggestions/?xyz=1", "xyz"),
    ("/api/v1/inventory/reorder-suggestions/?urgency=panic", "urgency"),
    ("/api/v1/inventory/reorder-suggestions/?limit=0", "limit"),
    ("/api/v1/inventory/reorder-suggestions/?offset=-1", "offset"),
    ("/api/v1/inventory/stockout-risks/?within_days=0", "within_days"),
    ("/api/v1/inventory/stockout-risks/?within_days=1e400", "within_days"),
])
def test_bad_parameters_get_a_400_naming_the_parameter(catalog, staff_client, url, parameter):
    response = staff_client.get(url)
    assert response.status_code == 400
    assert list(response.json()) == [parameter]


@pytest.mark.django_db
def test_unknown_product_and_category_are_404(catalog, staff_client):
    assert staff_client.get("/api/v1/forecasts/products/NOPE/").status_code == 404
    assert staff_client.get("/api/v1/forecasts/products/a/b-1/").status_code == 404  # SKUs are case-sensitive
    assert staff_client.get("/api/v1/forecasts/categories/987654/").status_code == 404


@pytest.mark.django_db
def test_fallback_without_a_model_is_seasonal_naive_and_says_so(catalog, staff_client):
    product = catalog["product"]
    today = timezone.localdate()
    for k in range(1, 29):  # the last four weeks: weekday + 1 units a day
        day = today - timedelta(days=k)
        order = Order.objects.create(number=f"F{k}", customer=CustomerFactory(), created_at=at(day))
        OrderLine.objects.create(order=order, product=product, quantity=day.weekday() + 1, unit_price=1)
    body = staff_client.get("/api/v1/forecasts/products/A/B-1/?horizon=10").json()
    assert body["source"] == "fallback" and body["model_version"] is None and body["sku"] == "A/B-1"
    assert body["origin"] == today.isoformat()
    assert len(body["points"]) == 10
    for point in body["points"]:
        weekday = date.fromisoformat(point["date"]).weekday()
        assert point["mean"] == weekday + 1
        # a perfectly weekly series: no weekly error, so Poisson-like count quantiles (variance = mean)
        bounds = [point[k] for k in ("lo95", "lo80", "hi80", "hi95")]
        assert bounds == sorted(bounds) and all(b == int(b) for b in bounds)
        assert point["lo95"] < point["mean"] < point["hi95"] and point["hi80"] > point["lo80"]
    noisy = seasonal_naive_points([(today - timedelta(days=k), 10 if k % 2 else 0) for k in range(1, 29)],
                                  origin=today, horizon=14)
    assert all(p["hi95"] - p["lo95"] >= 10 for p in noisy if p["mean"] > 0)   # the weekly differences' spread
    assert noisy[7]["hi95"] - noisy[7]["lo95"] >= noisy[0]["hi95"] - noisy[0]["lo95"]  # widening by week
    category = staff_client.get(f"/api/v1/forecasts/categories/{catalog['category'].pk}/?horizon=7").json()
    assert category["source"] == "fallback" and sorted(p["mean"] for p in category["points"]) == list(range(1, 8))


@pytest.mark.django_db
def test_a_product_missing_from_the_active_version_falls_back(catalog, staff_client):
    cached_version(catalog["product"], catalog["category"])
    ProductFactory(sku="NEW-1")
    body = staff_client.get("/api/v1/forecasts/products/NEW-1/").json()
    assert body["source"] == "fallback" and body["model_version"] is None
    assert all(p["mean"] == 0 for p in body["points"])


@pytest.mark.django_db
def test_cached_forecast_is_read_in_few_queries(catalog, staff_client, django_assert_max_num_queries):
    version = cached_version(catalog["product"], catalog["category"])
    url = "/api/v1/forecasts/products/A/B-1/?horizon=7"
    staff_client.get(url)  # warms the token, the cached SKU, the active version and the product's points
    with django_assert_max_num_queries(0):  # a version's forecast never changes: served from the cache
        body = staff_client.get(url).json()
    assert body == {"sku": "A/B-1", "model_version": version.version, "origin": "2026-05-01", "source": "model",
                    "points": [{"date": (ORIGIN + timedelta(days=k)).isoformat(), "mean": 2.5, "lo80": 1.0,
                                "hi80": 4.0, "lo95": 0.5, "hi95": 5.0} for k in range(7)]}
    assert len(staff_client.get("/api/v1/forecasts/products/A/B-1/?horizon=28").json()["points"]) == 28
    category_url = f"/api/v1/forecasts/categories/{catalog['category'].pk}/"
    staff_client.get(category_url)
    with django_assert_max_num_queries(2):
        body = staff_client.get(category_url).json()
    assert body["source"] == "model" and len(body["points"]) == 28 and body["points"][0]["mean"] == 7


@pytest.mark.django_db
def test_reorder_list_filters_and_reads_in_few_queries(catalog, staff_client, django_assert_max_num_queries):
    version = cached_version(catalog["product"], catalog["category"])
    common = dict(model_version=version, origin=ORIGIN, on_order=0, lead_time_days=7, service_level=0.95,
                  daily_demand=1, lead_time_demand=7, safety_stock=2, reorder_point=9, order_up_to=16,
                  inventory_position=3, reorder_now=True)
    ReorderSuggestion.objects.create(product_id=1, sku="X1", on_hand=3, suggested_quantity=13, urgency=2,
                                     abc_class="A", xyz_class="X", stockout_date=ORIGIN + timedelta(days=3),
                                     needs_attention=True, reason="order 13 now", **common)
    ReorderSuggestion.objects.create(product_id=2, sku="X2", on_hand=3, suggested_quantity=0, urgency=0,
                                     abc_class="C", xyz_class="Z", reason="overstock", needs_attention=True, **common)
    ReorderSuggestion.objects.create(product_id=3, sku="X3", on_hand=30, suggested_quantity=0, urgency=0,
                                     abc_class="C", xyz_class="Z", reason="no order needed", **common)
    staff_client.get("/api/v1/inventory/reorder-suggestions/")
    with django_assert_max_num_queries(3):  # the token, the count, the page
        body = staff_client.get("/api/v1/inventory/reorder-suggestions/?abc=A").json()
    assert [r["sku"] for r in body["results"]] == ["X1"] and body["count"] == 1
    assert body["results"][0]["urgency"] == "high" and body["results"][0]["reason"] == "order 13 now"
    attention = staff_client.get("/api/v1/inventory/reorder-suggestions/").json()
    assert [r["sku"] for r in attention["results"]] == ["X1", "X2"] and attention["count"] == 2
    everything = staff_client.get("/api/v1/inventory/reorder-suggestions/?all=true").json()
    assert [r["sku"] for r in everything["results"]] == ["X1", "X2", "X3"] and everything["count"] == 3
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/?urgency=high").json()["count"] == 1
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/?reorder_only=true").json()["count"] == 1
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/?xyz=Z").json()["results"][0]["sku"] == "X2"
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/?all=maybe").json() == {
        "all": ["Must be a valid boolean."]}
