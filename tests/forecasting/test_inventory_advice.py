"""Stock-out date and reorder arithmetic, hand-checked, end to end: service -> cached rows -> API."""
from datetime import date, timedelta

import pandas as pd
import pytest

from electroshop.shop.models import Stock
from forecasting import inventory, selectors
from forecasting.models import ReorderSuggestion, ServiceLevelTarget, StockAlert
from tests.factories import CategoryFactory, ProductFactory

from .conftest import activate, at, make_active_version

ORIGIN = date(2026, 5, 1)


def flat_forecast(product_id: int, *, mean: float, sigma: float, days: int = 28) -> pd.DataFrame:
    half = 1.959964 * sigma  # bands for show: the service reads the variance column
    return pd.DataFrame({"series_id": product_id, "date": pd.date_range(ORIGIN, periods=days), "mean": mean,
                         "variance": sigma ** 2, "lo80": mean, "hi80": mean, "lo95": mean - half,
                         "hi95": mean + half})


def advise(products_and_forecasts, *, abc=None, last_sale=None):
    version = make_active_version(origin=ORIGIN)
    frames = pd.concat([f for _, f in products_and_forecasts])
    ids = [p.pk for p, _ in products_and_forecasts]
    suggestions, alerts = inventory.inventory_rows(
        version_id=version.pk, origin=ORIGIN, horizon=28, forecasts=frames, product_ids=ids,
        abc=abc or {}, xyz={}, demand_class={}, model_label={}, last_sale=last_sale or {})
    ReorderSuggestion.objects.bulk_create(suggestions)
    StockAlert.objects.bulk_create(alerts)
    activate(version)
    return version


@pytest.mark.django_db
def test_certain_demand_pack_size_and_minimum_order(staff_client):
    # 10 a day with no spread beyond a count's own (Poisson); 35 on hand, 20 on order arriving after the
    # 5-day lead time (no purchase order explains them).
    product = ProductFactory(sku="BOX/10", name="Box")
    Stock.objects.create(product=product, on_hand=35, on_order=20, lead_time_days=5, pack_size=12,
                         minimum_order_quantity=50, supplier="Acme")
    advise([(product, flat_forecast(product.pk, mean=10.0, sigma=0.0))], abc={product.pk: "A"})

    body = staff_client.get("/api/v1/inventory/reorder-suggestions/").json()
    row = body["results"][0]
    # Cumulative demand 10, 20, 30, 40: 40 > 35 on day 3, before the order arrives on day 5.
    assert row["stockout_date"] == "2026-05-04"
    assert row["reorder_point"] == 62.0                        # Poisson(5 x 10) at 95%
    assert row["safety_stock"] == pytest.approx(12.0)          # 62 - 50
    assert row["reorder_now"] is True                          # position 35 + 20 = 55 <= 62
    # Order up to Poisson(12 x 10) at 95% = 138 (lead 5 + review 7 days); need 83 >= minimum 50; packs of 12: 84.
    assert row["order_up_to"] == 138.0 and row["suggested_quantity"] == 84
    assert row["urgency"] == "critical"                        # it runs out before an order could arrive
    assert row["next_arrival_on"] == "2026-05-06" and row["needs_attention"] is True
    assert row["reason"] == ("projected stock-out on 4 May, 2 days before the next delivery; 20 on order arriving "
                             "6 May; order 84 now: 55 in stock and on order is at or below the reorder point 62 "
                             "(50 expected over the 5-day lead time + 12 safety stock for 95% service), "
                             "83 needed, rounded up to packs of 12")
    assert body["model_version"] is not None and body["origin"] == "2026-05-01" and body["count"] == 1
    risks = staff_client.get("/api/v1/inventory/stockout-risks/?within_days=3").json()
    assert risks["results"] == []                               # day 3 is not within 3 days (days 0, 1, 2)
    risks = staff_client.get("/api/v1/inventory/stockout-risks/?within_days=4").json()
    assert [r["sku"] for r in risks["results"]] == ["BOX/10"]
    assert StockAlert.objects.get(kind=StockAlert.Kind.STOCKOUT_RISK, sku="BOX/10").message == row["reason"]


@pytest.mark.django_db
def test_uncertain_demand_safety_stock_at_the_service_level(staff_client):
    # 4 a day with variance 8 a day (sigma 2.83, over-dispersed), independent days; lead time 4.
    product = ProductFactory(sku="CAB-1")
    Stock.objects.create(product=product, on_hand=10, on_order=0, lead_time_days=4, pack_size=5,
                         minimum_order_quantity=30)
    advise([(product, flat_forecast(product.pk, mean=4.0, sigma=8 ** 0.5))])
    row = ReorderSuggestion.objects.get()
    assert row.lead_time_demand == pytest.approx(16.0)
    assert row.reorder_point == 26.0                           # negative binomial (mean 16, variance 32) at 95%
    assert row.safety_stock == pytest.approx(10.0)
    assert row.order_up_to == 60.0                             # mean 44, variance 88 over lead 4 + review 7 days
    assert row.suggested_quantity == 50                        # 60 - 10, >= 30, whole packs of 5
    assert row.stockout_date == ORIGIN + timedelta(days=2)     # 4, 8, 12 > 10
    assert row.reorder_now and row.urgency == 3


@pytest.mark.django_db
def test_the_forecast_variance_column_is_read_when_present():
    product = ProductFactory(sku="VAR-1")
    Stock.objects.create(product=product, on_hand=100, lead_time_days=4)
    frame = flat_forecast(product.pk, mean=4.0, sigma=0.0).assign(variance=8.0)  # the band says 0, the column 8
    advise([(product, frame)])
    assert ReorderSuggestion.objects.get().reorder_point == 26.0


@pytest.mark.django_db
def test_service_level_targets_product_over_category_over_default(settings):
    settings.ELECTROSHOP = {"FORECAST_SERVICE_LEVEL": 0.9}
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    own, in_subcategory, plain = ProductFactory(category=cases), ProductFactory(category=cases), ProductFactory()
    ServiceLevelTarget.objects.create(category_id=phones.pk, service_level=0.99)
    ServiceLevelTarget.objects.create(product_id=own.pk, service_level=0.8)
    assert selectors.service_levels([own.pk, in_subcategory.pk, plain.pk]) == {
        own.pk: 0.8, in_subcategory.pk: 0.99, plain.pk: 0.9}


@pytest.mark.django_db
def test_dead_stock_and_overstock_alerts():
    dead, heavy = ProductFactory(sku="DEAD"), ProductFactory(sku="HEAVY")
    never_sold = ProductFactory(sku="NEVER", created_at=at(ORIGIN - timedelta(days=200)))
    new = ProductFactory(sku="NEW", created_at=at(ORIGIN - timedelta(days=10)))  # not sold yet, but just launched
    for product, on_hand in ((dead, 40), (heavy, 5000), (never_sold, 8), (new, 8)):
        Stock.objects.create(product=product, on_hand=on_hand, lead_time_days=7)
    zero = [(p, flat_forecast(p.pk, mean=0.0, sigma=0.0)) for p in (dead, never_sold, new)]
    advise([*zero, (heavy, flat_forecast(heavy.pk, mean=2.0, sigma=1.0))],
           last_sale={dead.pk: ORIGIN - timedelta(days=120), heavy.pk: ORIGIN - timedelta(days=1)})
    kinds = dict(StockAlert.objects.values_list("sku", "kind"))
    assert kinds == {"DEAD": "dead_stock", "NEVER": "dead_stock", "HEAVY": "overstock"}
    assert ReorderSuggestion.objects.get(sku="HEAVY").suggested_quantity == 0
