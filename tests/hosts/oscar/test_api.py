"""ElectroShop AI on a django-oscar shop: retrained on Oscar's orders, its API answers from the
models (never the fallbacks), and an order placed through Oscar's OrderCreator is scored."""
import pytest
from oscar.core.loading import get_model

from forecasting.models import PurchaseOrder, PurchaseOrderLine
from fraud.models import RiskAssessment
from tests.clients import service_token_client

from .shop import place_order

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")


@pytest.fixture
def api(oscar_shop):
    return service_token_client(username="oscar-backend")


def test_a_customers_recommendations_come_from_the_model(api, oscar_shop):
    customer = oscar_shop["customers"][0]
    response = api.get(f"/api/v1/recommendations/customers/{customer.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "personalized" and body["model_version"] is not None
    products = {p.pk for p in oscar_shop["products"] + oscar_shop["children"]}
    assert body["items"] and {item["product_id"] for item in body["items"]} <= products


@pytest.mark.parametrize("sku", ["UPC-000", "CASE-red"])  # a UPC; a child product's partner SKU
def test_a_products_forecast_comes_from_the_model(api, sku):
    response = api.get(f"/api/v1/forecasts/products/{sku}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "model" and body["model_version"] is not None
    assert len(body["points"]) == 28


def test_reorder_suggestions_cover_every_stocked_oscar_product(api, oscar_shop):
    response = api.get("/api/v1/inventory/reorder-suggestions/?limit=100&all=true")  # the whole catalogue
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model_version"] is not None
    assert body["count"] == len(oscar_shop["products"]) + len(oscar_shop["children"])  # never the parent
    skus = {row["sku"] for row in body["results"]}
    assert {"UPC-000", "CASE-black"} <= skus
    assert all(row["reason"] for row in body["results"])


def test_a_purchase_order_cannot_be_sent_through_a_shop_that_takes_no_stock_writes(api, oscar_shop):
    product = oscar_shop["products"][0]
    draft = PurchaseOrder.objects.create(supplier="Oscar supplier")
    PurchaseOrderLine.objects.create(order=draft, product_id=product.pk, sku="UPC-000", quantity=10)
    response = api.post(f"/api/v1/inventory/purchase-orders/{draft.pk}/send/", {}, format="json")
    assert response.status_code == 400
    assert "OscarShopAdapter cannot write stock" in response.json()["stock"][0]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_an_order_placed_through_oscar_is_scored_by_the_fraud_model(api, oscar_shop,
                                                                     django_capture_on_commit_callbacks):
    customer = oscar_shop["customers"][3]
    items = [(oscar_shop["products"][2], 1), (oscar_shop["children"][1], 2)]
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(customer, items)
    assessment = RiskAssessment.objects.get(order_id=order.pk)
    assert assessment.model_version_id is not None

    response = api.post("/api/v1/fraud/score/", {"order_id": order.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "model" and response.json()["order_id"] == order.pk
