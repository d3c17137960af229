"""Through a real ``retrain forecasting --sync``: categories are the sum of their products, a new
in-stock product gets its category's analogue forecast, overrides reach the endpoint, the reorder
advice and the issued forecasts, and the override report scores them against actual units."""
import io
from datetime import timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Order, OrderLine, Stock
from forecasting import issued
from forecasting.models import CategoryForecast, DemandForecast, IssuedForecast, ReorderSuggestion
from tests.factories import CustomerFactory, ProductFactory

from .conftest import AS_OF, at


def retrain(as_of=AS_OF):
    call_command("retrain", "forecasting", "--sync", "--as-of", as_of.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())
    return ModelVersion.objects.get(app="forecasting", kind="demand", status=ModelVersion.Status.ACTIVE)


@pytest.fixture
def shop(synthetic_shop):
    """The synthetic shop plus three products under Phones: NEW-5 and NEW-6 listed three days before the
    origin, unsold, NEW-5 in stock and NEW-6 not; NEW-7 listed two weeks before, selling 1 a day since."""
    phones = synthetic_shop["phones"]
    customer = CustomerFactory()
    for sku, on_hand, age in (("NEW-5", 30, 3), ("NEW-6", 0, 3), ("NEW-7", 30, 14)):
        product = ProductFactory(sku=sku, category=phones, price=Decimal("10.00"),
                                 created_at=at(AS_OF - timedelta(days=age), 8))
        Stock.objects.create(product=product, on_hand=on_hand, lead_time_days=7)
        synthetic_shop["products"][sku] = product
    for k in range(1, 15):
        order = Order.objects.create(number=f"N7-{k}", customer=customer, created_at=at(AS_OF - timedelta(days=k)))
        OrderLine.objects.create(order=order, product=synthetic_shop["products"]["NEW-7"], quantity=1, unit_price=10)
    return synthetic_shop


def means(version, product):
    return np.array(DemandForecast.objects.filter(model_version=version, product_id=product.pk).order_by("date")
                    .values_list("mean", flat=True))


@pytest.mark.django_db
def test_categories_are_the_sum_of_their_products_and_a_new_product_is_forecast_from_its_category(
        shop, staff_client):
    version = retrain()
    products = shop["products"]
    subtree = {shop["phones"].pk: ["PH/1", "CASE-2", "NEW-5", "NEW-6", "NEW-7"], shop["cases"].pk: ["CASE-2"],
               shop["cables"].pk: ["CABLE-3", "OLD-4"], 0: list(products)}
    for category_id, skus in subtree.items():
        rows = list(CategoryForecast.objects.filter(model_version=version, category_id=category_id).order_by("date"))
        assert len(rows) == 28
        total = sum(means(version, products[sku]) for sku in skus)
        assert [r.mean for r in rows] == pytest.approx(total.tolist())
        assert all(r.lo95 <= r.lo80 <= r.hi80 <= r.hi95 for r in rows)
    # each day, the whole shop's interval is wider than any one product's (summed variances, covariance scale >= 1)
    shop_rows = CategoryForecast.objects.filter(model_version=version, category_id=0).order_by("date")
    widest: dict = {}
    for r in DemandForecast.objects.filter(model_version=version):
        widest[r.date] = max(widest.get(r.date, 0.0), r.hi95 - r.lo95)
    assert all(r.hi95 - r.lo95 >= widest[r.date] for r in shop_rows)
    assert version.metrics["covariance_scale"]["shop"] >= 1.0

    new = staff_client.get("/api/v1/forecasts/products/NEW-5/").json()
    assert new["source"] == "model"
    daily = [p["mean"] for p in new["points"]]
    assert min(daily) > 0 and 2.0 < np.mean(daily) < 8.0        # Phones' products sell ~6 and ~3 a day
    assert all(p["lo95"] <= p["lo80"] <= p["hi80"] <= p["hi95"] for p in new["points"])
    label = ReorderSuggestion.objects.get(model_version=version, sku="NEW-5").model
    assert label.startswith("analogue x0.89") and "category" in label     # 3 of 28 days of its own history
    out_of_stock = ReorderSuggestion.objects.get(model_version=version, sku="NEW-6")
    assert not out_of_stock.model.startswith("analogue")                   # not in stock: no analogue
    # two weeks of its own history: half the analogue's, half its own (it sells 1 a day, Phones ~4.5)
    half = ReorderSuggestion.objects.get(model_version=version, sku="NEW-7")
    assert half.model.startswith("analogue x0.50")
    assert 1.0 < np.mean(means(version, products["NEW-7"])) < np.mean(daily)


@pytest.mark.django_db
def test_overrides_reach_the_endpoint_the_reorder_advice_and_the_override_report(shop, staff_client,
                                                                                 staff_session_client):
    products = shop["products"]
    created = staff_client.post("/api/v1/forecasts/overrides/", {
        "sku": "PH/1", "starts_on": AS_OF.isoformat(), "ends_on": (AS_OF + timedelta(days=6)).isoformat(),
        "units_per_day": 20, "note": "TV advert"}, format="json")
    assert created.status_code == 201 and created.json()["product_id"] == products["PH/1"].pk
    staff_client.post("/api/v1/forecasts/overrides/", {
        "product_id": products["CASE-2"].pk, "starts_on": (AS_OF - timedelta(days=5)).isoformat(),
        "ends_on": (AS_OF + timedelta(days=60)).isoformat(), "percent": -50}, format="json")
    version = retrain()

    phone = staff_client.get("/api/v1/forecasts/products/PH/1/").json()["points"]
    assert [p["mean"] for p in phone[:7]] == [20.0] * 7 and all(p["mean"] < 20 for p in phone[7:])
    assert all(p["lo95"] <= p["lo80"] <= p["hi80"] <= p["hi95"] for p in phone)
    rows = list(DemandForecast.objects.filter(model_version=version, product_id=products["PH/1"].pk).order_by("date"))
    assert all(2 < r.model_mean < 12 for r in rows[:7]) and all(r.model_mean is None for r in rows[7:])
    case = DemandForecast.objects.filter(model_version=version, product_id=products["CASE-2"].pk)
    assert all(r.mean == pytest.approx(0.5 * r.model_mean) for r in case)
    # the reorder advice is computed on the served (overridden) forecast
    advice = ReorderSuggestion.objects.get(model_version=version, sku="PH/1")
    assert advice.daily_demand == pytest.approx(np.mean([r.mean for r in rows]))
    assert advice.lead_time_demand >= 7 * 20 - 1e-6                  # a 7-day lead time at 20 a day
    # the category sums are of the overridden forecasts
    phones = CategoryForecast.objects.filter(model_version=version, category_id=shop["phones"].pk).order_by("date")
    served = sum(means(version, products[s]) for s in ("PH/1", "CASE-2", "NEW-5", "NEW-6", "NEW-7"))
    assert [r.mean for r in phones] == pytest.approx(served.tolist())

    # issued: the first 7 days of every product, flagged where overridden
    assert IssuedForecast.objects.count() == 7 * len(products)
    ph_issued = IssuedForecast.objects.filter(product_id=products["PH/1"].pk)
    assert all(r.overridden and r.mean == 20 and r.origin == AS_OF for r in ph_issued)
    assert not IssuedForecast.objects.filter(product_id=products["CABLE-3"].pk, overridden=True).exists()
    assert version.metrics["overrides"]["n"] == 0              # nothing issued before this origin yet

    # a week of actual sales: the phone sold 8 a day, the cases 1 a day
    customer = CustomerFactory()
    for k in range(7):
        for sku, units in (("PH/1", 8), ("CASE-2", 1)):
            order = Order.objects.create(number=f"A{sku}{k}", customer=customer,
                                         created_at=at(AS_OF + timedelta(days=k)))
            OrderLine.objects.create(order=order, product=products[sku], quantity=units, unit_price=1)
    report = issued.override_report(until=AS_OF + timedelta(days=30))
    case_issued = list(IssuedForecast.objects.filter(product_id=products["CASE-2"].pk))
    model = sum(r.model_mean for r in ph_issued) + sum(r.model_mean for r in case_issued)
    assert report["n"] == 14 and report["products"] == 2 and report["actual_units"] == 7 * 8 + 7 * 1
    assert report["override"]["bias_units"] == pytest.approx(7 * 20 + sum(r.mean for r in case_issued) - 63, abs=1e-3)
    assert report["model"]["bias_units"] == pytest.approx(model - 63, abs=1e-3)
    wape = (sum(abs(20 - 8) for _ in range(7)) + sum(abs(r.mean - 1) for r in case_issued)) / 63
    assert report["override"]["wape"] == pytest.approx(wape, abs=1e-4)
    assert report["start"] == AS_OF.isoformat() and report["end"] == (AS_OF + timedelta(days=6)).isoformat()

    # the next retrain scores them in its metrics, and the admin's accuracy block shows them
    later = retrain(AS_OF + timedelta(days=7))
    assert later.metrics["overrides"] == report
    html = staff_session_client.get("/admin/forecasting/forecastingdashboard/").content.decode()
    assert "Merchant overrides, scored separately" in html and "with the override" in html
    assert IssuedForecast.objects.filter(origin=AS_OF).count() == 7 * len(products)      # the older week is kept
    assert IssuedForecast.objects.filter(origin=AS_OF + timedelta(days=7)).count() == 7 * len(products)


@pytest.mark.django_db
def test_an_established_in_stock_product_forecast_at_zero_gets_its_own_rate_shrunk_to_its_categorys(
        synthetic_shop, staff_client):
    """IDLE-8 listed 200 days, never sold; SLOW-9 listed 100 days, sold 5 units 90 days ago; both in stock
    under Phones, whose sellers sell ~4.5 a day. IDLE-10 never sold and is out of stock: left at zero."""
    phones, customer = synthetic_shop["phones"], CustomerFactory()
    products = {}
    for sku, on_hand, age in (("IDLE-8", 10, 200), ("SLOW-9", 10, 100), ("IDLE-10", 0, 200)):
        products[sku] = ProductFactory(sku=sku, category=phones, price=Decimal("10.00"),
                                       created_at=at(AS_OF - timedelta(days=age), 8))
        Stock.objects.create(product=products[sku], on_hand=on_hand, lead_time_days=7)
    order = Order.objects.create(number="S9-1", customer=customer, created_at=at(AS_OF - timedelta(days=90)))
    OrderLine.objects.create(order=order, product=products["SLOW-9"], quantity=5, unit_price=10)
    version = retrain()

    sellers = np.mean([np.mean(means(version, synthetic_shop["products"][s])) for s in ("PH/1", "CASE-2")])
    idle, slow = means(version, products["IDLE-8"]), means(version, products["SLOW-9"])
    label = ReorderSuggestion.objects.get(model_version=version, sku="IDLE-8").model
    assert label.startswith("category-rate x") and "recent: category" in label
    # a year without a sale: small but not zero (the category counts as 28 days against its own days)
    assert 0 < idle.min() and idle.max() < sellers * 28 / 100
    assert len(set(idle.round(9))) == 1                                   # a flat rate
    # a few units sold: about its own rate (5 in 100 days = 0.05 a day), pulled up a little by the category
    assert ReorderSuggestion.objects.get(model_version=version, sku="SLOW-9").model.startswith("category-rate")
    assert 0.05 < slow[0] < 0.05 + sellers * 28 / 128 + 1e-9
    assert means(version, products["IDLE-10"]).sum() == 0                 # out of stock: the engine's zero
    points = staff_client.get("/api/v1/forecasts/products/IDLE-8/").json()["points"]
    assert all(p["lo95"] <= p["lo80"] <= p["hi80"] <= p["hi95"] and p["mean"] > 0 for p in points)
