import datetime as dt, io
import pytest
from django.core.management import call_command
from django.db.models import Sum
from electroshop.shop.models import Product
from forecasting.models import DemandForecast, ReorderSuggestion

@pytest.mark.django_db
def test_measure(tmp_path, settings):
    settings.ELECTROSHOP = {"FORECAST_BASELINE_SAMPLE": 0}
    call_command("seed_demo", scale="small", end_date=dt.date(2026, 12, 6), ground_truth=tmp_path / "t.json", verbosity=0)
    call_command("retrain", "forecasting", "--sync", "--as-of", "2026-12-06", stdout=io.StringIO(), stderr=io.StringIO())
    totals = dict(DemandForecast.objects.values_list("product_id").annotate(u=Sum("mean")))
    act = Product.objects.filter(is_active=True, stock__on_hand__gt=0)
    zero = [p.sku for p in act if totals[p.pk] <= 0]
    labels = list(ReorderSuggestion.objects.filter(model__startswith="category-rate").values_list("sku", "model"))
    print("\nMEASURE active in-stock", act.count(), "all-zero", len(zero), zero, "category-rate", len(labels))
    for s, m in labels: print("MEASURE", s, m, round(totals[Product.objects.get(sku=s).pk], 3))
