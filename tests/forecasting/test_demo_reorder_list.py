"""The whole small demo shop, seeded and retrained for real, read through the API: every suggestion is
coherent (the invariants of ``../shared/acceptance/inventory-invariants``), the unfiltered list holds only
the products that need attention, and the demo's purchasing (suppliers, open orders, stock-outs) shows."""
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db.models import F, Sum

from electroshop.mlops.models import ModelVersion
from electroshop.shop.models import Order, OrderLine, Product
from forecasting.models import CategoryForecast, DemandForecast, LostSales, PurchaseOrder, ReorderSuggestion, Supplier
from forecasting.selectors import TOTAL_CATEGORY_ID

END_DATE = dt.date(2026, 12, 6)
URL = "/api/v1/inventory/reorder-suggestions/"


def _every_page(client, query: str) -> tuple[int, list[dict]]:
    rows, offset = [], 0
    while True:
        body = client.get(f"{URL}?limit=1000&offset={offset}{query}").json()
        rows += body["results"]
        offset += len(body["results"])
        if not body["results"] or offset >= body["count"]:
            return body["count"], rows


@pytest.mark.slow
@pytest.mark.django_db
def test_the_small_demo_shops_suggestions_are_coherent(tmp_path, staff_client, settings):
    # the accuracy table's baselines (AutoETS: most of a retrain's time here) play no part in the advice
    settings.ELECTROSHOP = {"FORECAST_BASELINE_SAMPLE": 0}
    call_command("seed_demo", scale="small", end_date=END_DATE, ground_truth=tmp_path / "truth.json", verbosity=0)
    call_command("retrain", "forecasting", "--sync", "--as-of", END_DATE.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())

    total, everything = _every_page(staff_client, "&all=true")
    assert total == len(everything) == ReorderSuggestion.objects.count() == 200
    incoherent = []
    for row in everything:
        position = row["on_hand"] + row["on_order"]
        if row["reorder_now"] != (position <= row["reorder_point"] + 1e-9):
            incoherent.append(f"{row['sku']}: reorder_now {row['reorder_now']}, position {position}, "
                              f"ROP {row['reorder_point']}")
        if row["reorder_now"] and (row["suggested_quantity"] < row["minimum_order_quantity"]
                                   or row["suggested_quantity"] % max(row["pack_size"], 1)
                                   or row["suggested_quantity"] <= 0):
            incoherent.append(f"{row['sku']}: {row['suggested_quantity']} vs MOQ {row['minimum_order_quantity']} "
                              f"pack {row['pack_size']}")
        if not row["reorder_now"] and row["suggested_quantity"]:
            incoherent.append(f"{row['sku']}: {row['suggested_quantity']} suggested without reorder_now")
        if not row["reason"].strip():
            incoherent.append(f"{row['sku']}: no reason")
    assert incoherent == []

    count, attention = _every_page(staff_client, "")
    assert [r["sku"] for r in attention] == [r["sku"] for r in everything if r["needs_attention"]]
    assert 0 < count < total
    for row in everything:
        expected = bool(row["reorder_now"] or row["stockout_date"] or "overstock: " in row["reason"]
                        or "dead stock: " in row["reason"])
        assert row["needs_attention"] == expected, row

    # The demo's purchasing: suppliers with variable lead times, open orders arriving after the origin.
    assert Supplier.objects.filter(lead_time_std_days__gt=0).count() >= 3
    assert PurchaseOrder.objects.filter(status="partly_received").exists()
    open_arrivals = [r for r in everything if r["next_arrival_on"]]
    assert open_arrivals and all(r["on_order"] > 0 and "on order arriving" in r["reason"] for r in open_arrivals)
    assert LostSales.objects.exists()

    # The forecasts of EVERY product: no flat zero for an active, in-stock product whose category sold in
    # the last 90 days; ordered bands; the shop (category 0) the sum of its products' means.
    version = ModelVersion.objects.get(app="forecasting", kind="demand", status=ModelVersion.Status.ACTIVE)
    rows = DemandForecast.objects.filter(model_version=version)
    assert rows.values("product_id").distinct().count() == Product.objects.count()
    assert not rows.filter(lo95__gt=F("lo80")).exists() and not rows.filter(lo80__gt=F("hi80")).exists()
    assert not rows.filter(hi80__gt=F("hi95")).exists()
    since = END_DATE - dt.timedelta(days=90)
    selling = set(OrderLine.objects.filter(order__created_at__date__gte=since, order__created_at__date__lt=END_DATE)
                  .exclude(order__status__in=[Order.Status.CANCELLED, Order.Status.REFUNDED])
                  .values_list("product__category_id", flat=True))
    totals = dict(rows.values_list("product_id").annotate(units=Sum("mean")))
    flat_zero = [p.sku for p in Product.objects.filter(is_active=True, stock__on_hand__gt=0, category_id__in=selling)
                 if totals[p.pk] <= 0]
    assert flat_zero == []
    shop = dict(CategoryForecast.objects.filter(model_version=version, category_id=TOTAL_CATEGORY_ID)
                .values_list("date", "mean"))
    by_day = dict(rows.values_list("date").annotate(units=Sum("mean")))
    assert shop.keys() == by_day.keys()
    assert all(shop[d] == pytest.approx(by_day[d], rel=1e-6, abs=1e-6) for d in shop)
