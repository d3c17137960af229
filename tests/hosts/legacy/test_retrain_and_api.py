"""The plugin on the legacy shop as shipped: ``retrain all --sync``, then the API answers from the
trained models (never a fallback); orders, stock counts, new items and price changes written with
SQL reach the plugin through the seam signals the shop sends."""
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from electroshop.mlops.models import ModelVersion
from forecasting.models import StockSnapshot
from fraud.models import RiskAssessment
from recommendations.live import recent_key

from . import history
from .legacyshop.erp import LegacyOrder, add_item, record_order, set_list_price, set_warehouse_stock

pytestmark = pytest.mark.django_db

A_CLIENT = 4  # a client of the Audio group (client % 3 == 1) with nine orders


def _active(app: str) -> ModelVersion:
    return ModelVersion.objects.get(app=app, status=ModelVersion.Status.ACTIVE)


def _recommendations(client, customer_id: int) -> dict:
    response = client.get(f"/api/v1/recommendations/customers/{customer_id}/?limit=10")
    assert response.status_code == 200, response.content
    return response.json()


def test_retrain_all_trains_every_app(trained_shop):
    for app in ("recommendations", "forecasting", "fraud"):
        version = _active(app)
        assert f"{app}: run {version.training_runs.get().pk} succeeded" in trained_shop["output"]


def test_customer_recommendations_come_from_the_model(trained_shop, staff_client):
    body = _recommendations(staff_client, A_CLIENT)
    assert body["source"] == "personalized" and body["model_version"] == _active("recommendations").version
    skus = [item["sku"] for item in body["items"]]
    assert len(skus) >= 5 and all(sku.startswith("LG-") for sku in skus)
    assert f"LG-{history.OUT_OF_STOCK_ITEM:04d}" not in skus  # sold out in every warehouse
    assert all(item["currency"] == "EUR" for item in body["items"])


def test_product_forecast_comes_from_the_model(trained_shop, staff_client):
    response = staff_client.get("/api/v1/forecasts/products/LG-0002/?horizon=14")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "model" and body["model_version"] == _active("forecasting").version
    assert len(body["points"]) == 14 and all(p["lo95"] <= p["mean"] <= p["hi95"] for p in body["points"])


def test_reorder_suggestions_use_the_stock_of_every_warehouse(trained_shop, staff_client):
    response = staff_client.get("/api/v1/inventory/reorder-suggestions/?limit=100&all=true")  # the catalogue
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model_version"] == _active("forecasting").version and body["count"] == history.ITEMS
    attention = staff_client.get("/api/v1/inventory/reorder-suggestions/?limit=100").json()["results"]
    assert [r["sku"] for r in attention] == [r["sku"] for r in body["results"] if r["needs_attention"]]
    rows = {row["sku"]: row for row in body["results"]}
    sold_out = rows[f"LG-{history.OUT_OF_STOCK_ITEM:04d}"]
    assert sold_out["on_hand"] == 0 and sold_out["reorder_now"] and sold_out["suggested_quantity"] > 0
    levels = trained_shop["levels"]
    assert all(rows[f"LG-{pid:04d}"]["on_hand"] == level.on_hand for pid, level in levels.items())
    assert rows["LG-0003"]["supplier"] == "Südimport" and rows["LG-0003"]["lead_time_days"] == 8


def test_an_order_is_scored_by_the_fraud_model(trained_shop, staff_client):
    response = staff_client.post("/api/v1/fraud/score/", {"order_id": 7}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "model" and body["model_version"] == _active("fraud").version
    assert 0 <= body["score"] <= 100 and body["order_id"] == 7


def test_an_order_entered_with_sql_is_fraud_scored_and_joins_the_live_list(
        trained_shop, staff_client, django_capture_on_commit_callbacks):
    hdr_id = trained_shop["last_hdr_id"] + 1
    order = LegacyOrder(hdr_id=hdr_id, doc_no=f"SO-{hdr_id:06d}", client_no=A_CLIENT, placed_at=timezone.now(),
                        lines=[(2, 1, Decimal("34.00")), (5, 2, Decimal("55.00"))], email="client4@example.de",
                        country="AT", ship_address="Ringstraße 1, Wien")
    with django_capture_on_commit_callbacks(execute=True):
        record_order(order)
    assessment = RiskAssessment.objects.get(order_id=hdr_id)
    assert assessment.model_version_id == _active("fraud").pk
    assert assessment.order_number == order.doc_no and assessment.score is not None
    # The order's items lead the customer's live list, which never offers them back.
    assert set(cache.get(recent_key(f"customer:{A_CLIENT}"))[:2]) == {2, 5}
    body = _recommendations(staff_client, A_CLIENT)
    assert body["source"] == "personalized" and not {"LG-0002", "LG-0005"} & {i["sku"] for i in body["items"]}


def _stored_recommendations(client, customer_id: int) -> dict:
    """Read until the answer is stored (the first read after an empty cache adds the stamps it
    needs): the read after a change is then fresh only because the change forgot the stamps."""
    _recommendations(client, customer_id)
    stored = _recommendations(client, customer_id)
    assert _recommendations(client, customer_id) == stored  # served again as it was stored
    return stored


def test_a_stock_count_reaches_the_stock_log_and_the_cards(trained_shop, staff_client,
                                                          django_capture_on_commit_callbacks):
    shown = _stored_recommendations(staff_client, A_CLIENT)["items"][0]
    product_id = shown["product_id"]
    with django_capture_on_commit_callbacks(execute=True):
        for warehouse in history.WAREHOUSES:
            set_warehouse_stock(item_no=product_id, warehouse_code=warehouse, on_hand=0)
    snapshot = StockSnapshot.objects.get(product_id=product_id, date=timezone.localdate())
    assert snapshot.out_of_stock and snapshot.on_hand == 0
    assert shown["sku"] not in [item["sku"] for item in _recommendations(staff_client, A_CLIENT)["items"]]


def test_a_price_change_reaches_the_cards(trained_shop, staff_client, django_capture_on_commit_callbacks):
    shown = _stored_recommendations(staff_client, A_CLIENT)["items"][0]
    with django_capture_on_commit_callbacks(execute=True):
        set_list_price(item_no=shown["product_id"], price=Decimal("9.99"))
    again = {item["sku"]: item for item in _recommendations(staff_client, A_CLIENT)["items"]}
    assert again[shown["sku"]]["price"] == "9.99"


def test_a_new_item_gets_text_neighbours_without_retraining(trained_shop, staff_client, eager_celery,
                                                           django_capture_on_commit_callbacks):
    item_no = history.ITEMS + 1
    with django_capture_on_commit_callbacks(execute=True):
        add_item(history.item_row(item_no, added_on=timezone.now()))
    response = staff_client.get(f"/api/v1/recommendations/products/LG-{item_no:04d}/similar/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "similar" and body["items"]
    assert body["items"][0]["name"].startswith(history.group_name(item_no))  # its group's items read alike


def test_a_new_item_is_new_in_at_once(trained_shop, staff_client, django_capture_on_commit_callbacks):
    item_no = history.ITEMS + 2
    with django_capture_on_commit_callbacks(execute=True):
        add_item(history.item_row(item_no, added_on=timezone.now()))  # no warehouse rows: not stock-managed
    response = staff_client.get("/api/v1/recommendations/new/")
    assert response.status_code == 200, response.content
    # the shipped items were added 60 days before the history: only the new one is new
    assert [item["sku"] for item in response.json()["items"]] == [f"LG-{item_no:04d}"]


def test_buy_again_reads_the_clients_orders(trained_shop, staff_client):
    from recommendations.models import RepeatPurchaseCategory

    group = history.LEAF_GROUPS[A_CLIENT % 3]
    RepeatPurchaseCategory.objects.create(category_id=group)
    try:
        response = staff_client.get(f"/api/v1/recommendations/customers/{A_CLIENT}/buy-again/?limit=50")
        assert response.status_code == 200, response.content
        items = response.json()["items"]
    finally:
        RepeatPurchaseCategory.objects.filter(category_id=group).delete()
    bought = {item_no for (item_no,) in _sql(
        "SELECT DISTINCT l.item_no FROM sales_line l JOIN sales_header h ON h.hdr_id = l.hdr_id "
        "WHERE h.client_no = %s AND h.status_cd NOT IN ('C', 'R')", [A_CLIENT])}
    in_group = {n for n in bought if history.item_group(n) == group and n != history.OUT_OF_STOCK_ITEM}
    assert {item["product_id"] for item in items} == in_group
    assert [item["score"] for item in items] == sorted((item["score"] for item in items), reverse=True)


def _sql(query: str, params=()) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()
