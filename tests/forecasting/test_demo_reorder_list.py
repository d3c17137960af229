"""The whole small demo shop, seeded and retrained for real, read through the API: every suggestion is
coherent (the invariants of ``../shared/acceptance/inventory-invariants``), the unfiltered list holds only
the products that need attention, and the demo's purchasing (suppliers, open orders, stock-outs) shows."""
import datetime as dt
import io

import pytest
from django.core.management import call_command

from forecasting.models import LostSales, PurchaseOrder, ReorderSuggestion, Supplier

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
