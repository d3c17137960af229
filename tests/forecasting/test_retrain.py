"""A real ``retrain forecasting --sync --as-of`` on a small synthetic shop, read back through the API
and the admin; and the same pipeline through Celery (eager) in chunks."""
import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from electroshop.mlops.models import ModelVersion, TrainingRun, TrainingRunChunk
from electroshop.shop.models import Order, OrderLine
from forecasting import services
from forecasting.models import DemandForecast, LostSales, PurchaseOrder, ReorderSuggestion, StockAlert
from tests.factories import CustomerFactory

from .conftest import AS_OF, at


@pytest.fixture
def small_chunks(settings):
    settings.ELECTROSHOP = {"FORECAST_FILL_CHUNK_SIZE": 2}  # four products: two chunks to pool


@pytest.mark.django_db
def test_retrain_sync_as_of_produces_an_active_version_served_by_the_api(
        synthetic_shop, small_chunks, staff_client, staff_session_client):
    # An order on the as-of day itself must not be seen by a model that treats that day as today.
    order = Order.objects.create(number="FUTURE", customer=CustomerFactory(), created_at=at(AS_OF, 9))
    OrderLine.objects.create(order=order, product=synthetic_shop["products"]["CASE-2"], quantity=5000, unit_price=1)
    # PH/1 (~6 a day at 10.00) was out of stock for three days a month ago and sold nothing then.
    phone = synthetic_shop["products"]["PH/1"]
    out = [AS_OF - timedelta(days=30 + k) for k in range(3)]
    OrderLine.objects.filter(product=phone, order__created_at__date__in=out).delete()
    for day in out:
        services.record_stock_level(product_id=phone.pk, on_hand=0, day=day)

    call_command("retrain", "forecasting", "--sync", "--as-of", AS_OF.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())

    version = ModelVersion.objects.get(app="forecasting", kind="demand")
    assert version.status == ModelVersion.Status.ACTIVE
    assert version.metrics["origin"] == "2026-05-01" and version.metrics["products"] == 4
    assert {"engine", "engine_sample", "seasonal_naive", "auto_ets"} <= set(version.metrics["backtest"])
    assert all(version.metrics["backtest"][m]["wrmsse"] > 0 for m in ("engine", "seasonal_naive", "auto_ets"))
    assert 0 <= version.metrics["backtest"]["engine"]["coverage95"] <= 1
    assert TrainingRunChunk.objects.filter(run__model_version=version).count() == 2
    assert DemandForecast.objects.filter(model_version=version).count() == 4 * 28

    body = staff_client.get("/api/v1/forecasts/products/PH/1/?horizon=28").json()
    assert body["source"] == "model" and body["model_version"] == version.version
    assert body["origin"] == "2026-05-01" and body["points"][0]["date"] == "2026-05-01"
    assert [p["date"] for p in body["points"]] == [(AS_OF + timedelta(days=k)).isoformat() for k in range(28)]
    assert all(p["lo95"] <= p["lo80"] <= p["hi80"] <= p["hi95"] for p in body["points"])  # quantiles: mean may lie outside
    assert 2 < sum(p["mean"] for p in body["points"]) / 28 < 12          # sells ~6 a day
    case = staff_client.get("/api/v1/forecasts/products/CASE-2/").json()
    assert max(p["mean"] for p in case["points"]) < 50                   # the 5000 on the as-of day is unseen

    phones = staff_client.get(f"/api/v1/forecasts/categories/{synthetic_shop['phones'].pk}/").json()
    whole = staff_client.get("/api/v1/forecasts/categories/0/").json()
    assert phones["source"] == whole["source"] == "model"
    assert sum(p["mean"] for p in whole["points"]) > sum(p["mean"] for p in phones["points"]) > 0

    risks = staff_client.get("/api/v1/inventory/stockout-risks/?within_days=14").json()["results"]
    assert "PH/1" in [r["sku"] for r in risks]                            # 20 on hand, ~6 a day
    reorder = staff_client.get("/api/v1/inventory/reorder-suggestions/?all=true").json()
    assert reorder["count"] == 4 and reorder["results"][0]["urgency"] == "critical"
    assert all(r["reason"] and r["reorder_now"] == (r["suggested_quantity"] > 0) for r in reorder["results"])
    attention = staff_client.get("/api/v1/inventory/reorder-suggestions/").json()["results"]
    assert [r["sku"] for r in attention] == [r["sku"] for r in reorder["results"] if r["needs_attention"]]
    assert "CASE-2" not in [r["sku"] for r in attention]                 # 200 on hand, ~3 a day: nothing to do
    ph = next(r for r in reorder["results"] if r["sku"] == "PH/1")
    assert ph["suggested_quantity"] % 10 == 0 and ph["suggested_quantity"] >= 10   # packs of 10
    assert ph["abc_class"] == "A"
    old = next(r for r in reorder["results"] if r["sku"] == "OLD-4")   # sold only in its first two weeks
    assert old["suggested_quantity"] == 0 and old["urgency"] == "none"
    assert ReorderSuggestion.objects.get(model_version=version, sku="OLD-4").days_since_last_sale > 90
    assert StockAlert.objects.filter(model_version=version, kind="stockout_risk", sku="PH/1").exists()

    # Lost sales on the stock-out days: about 6 a day expected, none sold.
    lost = LostSales.objects.filter(model_version=version)
    assert sorted(lost.values_list("date", flat=True)) == sorted(out)
    assert all(row.sold_units == 0 and 2 < row.lost_units < 12 and row.lost_revenue == pytest.approx(
        row.lost_units * 10, abs=0.01) for row in lost)
    body = staff_client.get("/api/v1/inventory/lost-sales/").json()
    assert [(r["sku"], r["stockout_days"]) for r in body["results"]] == [("PH/1", 3)]
    assert body["results"][0]["lost_units"] == pytest.approx(sum(r.lost_units for r in lost), abs=0.01)
    assert staff_client.get("/api/v1/inventory/lost-sales/?days=7").json()["count"] == 0   # older than a week
    assert staff_client.get("/api/v1/inventory/lost-sales/?days=0").status_code == 400
    page = staff_session_client.get("/admin/forecasting/lostsales/").content.decode()
    assert "<svg" in page and "PH/1" in page

    # Admin: the dashboard with accuracy and the product chart, the reorder list, CSV and PO drafts.
    page = staff_session_client.get("/admin/forecasting/forecastingdashboard/?sku=PH/1")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "stock-out" in html
    assert "Seasonal naive" in html and "seasonal_naive" not in html  # labelled, not the raw key
    changelist = "/admin/forecasting/reordersuggestion/"
    assert staff_session_client.get(changelist).status_code == 200
    ids = [str(pk) for pk in ReorderSuggestion.objects.filter(model_version=version).values_list("pk", flat=True)]
    export = staff_session_client.post(changelist, {"action": "export_csv", "_selected_action": ids})
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 3 and rows[0]["urgency"] == "critical" and rows[0]["reason"]  # the list needing attention
    export = staff_session_client.post(changelist + "?show=all", {"action": "export_csv", "_selected_action": ids})
    assert len(list(csv.DictReader(io.StringIO(export.content.decode())))) == 4        # the whole catalogue
    staff_session_client.post(changelist, {"action": "create_purchase_order_draft", "_selected_action": ids})
    drafts = {d.supplier: d for d in PurchaseOrder.objects.all()}
    ordered = {r.sku: r.suggested_quantity for r in ReorderSuggestion.objects.filter(suggested_quantity__gt=0)}
    lines = {line.sku: line.quantity for d in drafts.values() for line in d.lines.all()}
    assert lines == ordered and set(drafts) <= {"Acme", "CaseCo"}


@pytest.mark.django_db
def test_retrain_through_celery_fans_out_chunks_and_activates(synthetic_shop, small_chunks, eager_celery):
    from electroshop.mlops import services as registry
    from electroshop.mlops.tasks import retrain_task

    first = registry.start_training_run(app="forecasting", kind="demand", as_of=at(AS_OF - timedelta(days=14), 0),
                                        triggered_by="test")
    retrain_task.delay(first.pk, "forecasting", at(AS_OF - timedelta(days=14), 0).isoformat())
    first.refresh_from_db()
    assert first.status == TrainingRun.Status.SUCCEEDED and first.chunks_total == 2
    assert first.model_version.status == ModelVersion.Status.ACTIVE
    assert first.model_version.metrics["origin"] == (AS_OF - timedelta(days=14)).isoformat()
    assert DemandForecast.objects.filter(model_version=first.model_version).values("date").distinct().count() == 28


def test_baseline_sample_is_a_fixed_subset_of_the_chunk():
    from forecasting.services import baseline_sample

    ids = list(range(100, 600))
    sample = baseline_sample(ids, 50)
    assert len(sample) == 50 and set(sample) <= set(ids) and sample == sorted(sample)
    assert sample == baseline_sample(list(reversed(ids)), 50)          # the same products every time
    assert max(sample) - min(sample) > 250                             # spread, not one id range
    assert baseline_sample(ids[:10], 50) == ids[:10] and baseline_sample(ids, 0) == []


@pytest.mark.django_db
def test_baselines_are_backtested_on_the_sample_and_the_engine_on_every_product(synthetic_shop, small_chunks,
                                                                                settings):
    settings.ELECTROSHOP = {"FORECAST_FILL_CHUNK_SIZE": 2, "FORECAST_BASELINE_SAMPLE": 2}
    call_command("retrain", "forecasting", "--sync", "--as-of", AS_OF.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())
    backtest = ModelVersion.objects.get(app="forecasting", kind="demand").metrics["backtest"]
    assert backtest["engine"]["series"] == 4                             # every product, from its holdout
    assert backtest["engine_sample"]["series"] == backtest["auto_ets"]["series"] == 2   # one per chunk
    assert backtest["seasonal_naive"]["series"] == 2
    assert backtest["engine"]["coverage95"] is not None and backtest["auto_ets"]["coverage95"] is None


@pytest.mark.django_db
def test_accuracy_weights_come_from_the_year_before_the_scored_window(synthetic_shop):
    from electroshop.seam import get_adapter
    from forecasting.models import ForecastBacktest

    # a huge sale inside the scored window (the last 28 days before the origin) must not weigh its scores
    order = Order.objects.create(number="BIG", customer=CustomerFactory(), created_at=at(AS_OF - timedelta(days=5), 9))
    OrderLine.objects.create(order=order, product=synthetic_shop["products"]["CABLE-3"], quantity=100, unit_price=10_000)
    call_command("retrain", "forecasting", "--sync", "--as-of", AS_OF.isoformat(), stdout=io.StringIO(),
                 stderr=io.StringIO())
    scored = at(AS_OF - timedelta(days=28), 0)
    before = get_adapter().product_revenue(until=scored.replace(hour=0), since=scored - timedelta(days=365))
    weight = sum(ForecastBacktest.objects.filter(method="engine").values_list("weight", flat=True))
    assert weight == pytest.approx(sum(before.values()))
    assert weight < 1_000_000      # the window's 1,000,000 of revenue is not in it
