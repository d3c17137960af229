"""The admin as a merchant sees it: branded, the overview, every changelist on the demo shop, charts, labels."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from electroshop.mlops import services as registry
from electroshop.shop.models import Event, Order, Product
from forecasting.models import ReorderSuggestion, StockAlert
from fraud import selectors as fraud_selectors
from fraud import services as fraud
from fraud.models import RiskAssessment

pytestmark = pytest.mark.django_db

MAX_QUERIES = 20  # any changelist: session, user, count, page, filters, related rows; never one per row
REC_METRICS = {"validation_ndcg@10_served": 0.0612, "validation_ndcg@10_hybrid_heldout": 0.0612,
               "validation_ndcg@10_ease": 0.0451,
               "evaluation": {"hybrid": {"ndcg@10": 0.0612, "users": 27.0}, "ease": {"ndcg@10": 0.0451, "users": 27.0},
                              "most_popular": {"ndcg@10": 0.0398, "users": 27.0}}}
FC_METRICS = {"origin": "2026-11-30", "horizon": 28, "products": 199, "wape_engine": 0.2345,
              "wape_seasonal_naive": 0.3125, "wrmsse_engine": 0.8123, "wrmsse_seasonal_naive": 1.0432,
              "backtest": {"engine": {"wrmsse": 0.8123, "wape": 0.2345, "coverage80": 0.79, "coverage95": 0.93,
                                      "series": 199}}}
FRAUD_METRICS = {"holdout_auc_roc": 0.9312, "holdout_average_precision": 0.5734, "rows": 1032, "model": "supervised"}


def _active(app: str, kind: str, metrics: dict, *, versions: int = 1):
    for _ in range(versions):
        version = registry.register_model_version(app=app, kind=kind, as_of=timezone.now())
        registry.mark_version_ready(version_id=version.pk, metrics=metrics)
        registry.activate_model_version(version_id=version.pk)
    return version


@pytest.fixture
def demo_shop(tmp_path, settings):
    """The small demo shop, an active version of each model, stock advice and scored orders."""
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    call_command("seed_demo", scale="small", end_date=dt.date(2026, 11, 30), ground_truth=tmp_path / "gt.json",
                 verbosity=0)
    versions = {"recommendations": _active("recommendations", "hybrid", REC_METRICS, versions=2),
                "forecasting": _active("forecasting", "demand", FC_METRICS),
                "fraud": _active("fraud", "order_risk", FRAUD_METRICS)}
    product = Product.objects.order_by("pk").first()
    ReorderSuggestion.objects.create(
        model_version=versions["forecasting"], product_id=product.pk, sku=product.sku, name=product.name,
        origin=dt.date(2026, 11, 30), on_hand=2, on_order=0, lead_time_days=7, service_level=0.95, daily_demand=1.5,
        lead_time_demand=10.5, safety_stock=3.0, reorder_point=13.5, order_up_to=40.0, inventory_position=2.0,
        reorder_now=True, suggested_quantity=38, stockout_date=dt.date(2026, 12, 2), days_of_cover=1.3, urgency=3)
    StockAlert.objects.create(model_version=versions["forecasting"], product_id=product.pk, sku=product.sku,
                              kind="stockout_risk", message="runs out in 2 days", stockout_date=dt.date(2026, 12, 2))
    StockAlert.objects.create(model_version=versions["forecasting"], product_id=product.pk + 1, sku="AAA-DEAD",
                              kind="dead_stock", message="no sale for 140 days")
    for order in Order.objects.order_by("-created_at")[:30]:
        fraud.score_order(order_id=order.pk)
    RiskAssessment.objects.filter(pk__in=RiskAssessment.objects.values("pk")[:3]).update(level="review")
    return versions


def test_every_registered_changelist_renders_with_a_bounded_number_of_queries(admin_client, demo_shop):
    assert admin.site._registry
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        reset_queries()  # the fixture filled the query log: a full log would capture nothing
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert response.status_code == 200, url
        assert 0 < len(queries) <= MAX_QUERIES, f"{url}: {len(queries)} queries"


def test_the_overview_summarises_the_three_apps_and_links_their_screens(admin_client, demo_shop):
    page = admin_client.get("/admin/").content.decode()
    assert "<title>Overview | ElectroShop AI</title>" in page and "ElectroShop AI</a>" in page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert demo_shop["recommendations"].version == 2 and "Active v2" in text  # by number, not row id
    assert "NDCG@10, lists served, held-out window 0.0612" in text and "NDCG@10, hybrid, held-out window 0.0612" in text
    assert "Best single generator (EASE), NDCG@10 0.0451" in text
    assert "WAPE, engine 23.4%" in text and "Average precision (AP), time hold-out 0.573" in text
    assert "1 Products projected to run out within 14 days" in text
    queue = fraud_selectors.review_queue().count()  # the seeded fraud history's open items, and more
    assert queue >= 3 and "1 Stock-out risk alerts" in text and f"{queue} Orders waiting for a fraud review" in text
    for url in ("/admin/recommendations/recommendationdashboard/", "/admin/forecasting/forecastingdashboard/",
                "/admin/fraud/frauddashboard/", "/admin/fraud/reviewqueueitem/",
                "/admin/forecasting/stockalert/?kind__exact=stockout_risk",
                "/admin/mlops/trainingrun/?status__exact=failed"):
        assert f'href="{url}"' in page, url
    assert page.count("<svg") >= 1  # the recommendations trend over its two versions
    assert 'class="app-shop module' in page  # the normal app list stays below


def test_each_model_dashboard_shows_a_chart_with_labelled_metrics(admin_client, demo_shop):
    for url, expected in (("/admin/recommendations/recommendationdashboard/", "NDCG@10, hybrid, held-out window"),
                          ("/admin/forecasting/forecastingdashboard/", "WAPE, engine"),
                          ("/admin/fraud/frauddashboard/", "ROC AUC, time hold-out")):
        page = admin_client.get(url).content.decode()
        assert page.count("<svg") >= 2, url
        assert expected in page, url
        assert "validation_ndcg@10" not in page and "holdout_auc_roc" not in page and "e-0" not in page, url
    registry_page = admin_client.get("/admin/mlops/modelversion/").content.decode()
    assert "NDCG@10, hybrid, held-out window: <strong>0.0612</strong>" in registry_page
    assert "WAPE, engine: <strong>23.4%</strong>" in registry_page
    forecast_page = admin_client.get("/admin/forecasting/forecastingdashboard/").content.decode()
    assert forecast_page.index("runs out in 2 days") < forecast_page.index("no sale for 140 days")  # urgent first
    fraud_page = admin_client.get("/admin/fraud/frauddashboard/").content.decode()
    scored = RiskAssessment.objects.filter(created_at__gte=timezone.now() - dt.timedelta(days=30)).count()
    assert scored >= 30  # the fixture's and the seeded history's recent scores
    assert f"Order risk scores, last 30 days ({scored:,} orders)" in fraud_page and "review 50" in fraud_page


def test_shop_lists_show_money_in_one_format(admin_client, demo_shop):
    Product.objects.filter(pk=Product.objects.order_by("sku").values("pk")[:1]).update(price=Decimal("3524.99"))
    assert "£3,524.99" in admin_client.get("/admin/shop/product/").content.decode()
    order = Order.objects.order_by("-created_at").first()
    assert f"£{order.total:,.2f}" in admin_client.get("/admin/shop/order/").content.decode()


def test_a_big_table_is_never_counted_past_the_cap(admin_client, demo_shop, monkeypatch):
    from electroshop import admin_lists

    monkeypatch.setattr(admin_lists, "COUNT_CAP", 50)
    assert Event.objects.count() > 51
    reset_queries()  # the fixture filled the query log: a full log would capture nothing
    with CaptureQueriesContext(connection) as queries:
        page = admin_client.get("/admin/shop/event/").content.decode()
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 51" in sql.upper() for sql in counts), counts
    assert "more than 50 events" in page and "Show counts" not in page  # no facets: a count per choice
    searched = admin_client.get("/admin/shop/event/", {"event_type__exact": "view"}).content.decode()
    assert "more than 50 results" in searched
    assert "more than" not in admin_client.get("/admin/shop/brand/").content.decode()  # small tables: exact


def test_text_filters_offer_recent_values_and_filter(admin_client, demo_shop):
    device = Event.objects.exclude(device="").values_list("device", flat=True).first()
    page = admin_client.get("/admin/shop/event/").content.decode()
    assert f'href="?device={device}"' in page
    filtered = admin_client.get("/admin/shop/event/", {"device": device, "o": "-1"})
    assert filtered.status_code == 200
    shown = {row.device for row in filtered.context["cl"].result_list}
    assert shown == {device}
