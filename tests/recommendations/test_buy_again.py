""""Buy it again": a customer's products in repeat-purchase categories, the most due first (time since
their last purchase against their own interval, else the fill's product, category or shop median)."""
from datetime import timedelta

import pandas as pd
import pytest
from django.core.management import call_command
from django.utils import timezone

from electroshop.shop.models import Order, OrderLine, Stock
from recommendations.ml.repurchase import LAPSED_AFTER, due_score, median_intervals, repurchase_gaps
from recommendations.models import RepeatPurchaseCategory, RepurchaseInterval
from recommendations.selectors import current_version_id
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory
from tests.recommendations import shops

from .conftest import customer_client_for
from .test_widgets import render

small_shop = shops.small_shop


def bought(customer, product, days_ago: float, status=Order.Status.PAID) -> None:
    order = OrderFactory(customer=customer, status=status, created_at=timezone.now() - timedelta(days=days_ago))
    OrderLineFactory(order=order, product=product)


def buy_again(client, customer, **params) -> list[str]:
    response = client.get(f"/api/v1/recommendations/customers/{customer.pk}/buy-again/", params)
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "buy_again"
    return [item["sku"] for item in response.json()["items"]]


@pytest.fixture
def history(shop):
    """Audio (P2, P5) is a repeat-purchase category: P2 bought 60 and 30 days ago (own interval 30: due
    today), P5 once 10 days ago (no interval of its own: the default 30 days). P0 (Phones) is not repeat."""
    p, customer = shop["products"], shop["customer"]
    RepeatPurchaseCategory.objects.create(category_id=shop["audio"].pk)
    bought(customer, p[2], 60)
    bought(customer, p[2], 30)
    bought(customer, p[5], 10)
    bought(customer, p[0], 5)
    return shop


def test_repeat_purchase_products_the_most_due_first(history, staff_client):
    assert buy_again(staff_client, history["customer"]) == ["P2", "P5"]
    body = staff_client.get(f"/api/v1/recommendations/customers/{history['customer'].pk}/buy-again/").json()
    assert body["items"][0]["reason"] == "You buy this about every 30 days; last bought 30 days ago"
    assert body["items"][0]["score"] == pytest.approx(1.0, abs=0.01)


def test_the_fills_product_interval_times_a_product_bought_once(history, staff_client):
    # The shop's customers buy P5 every 5 days: bought 10 days ago, it is twice overdue and leads.
    RepurchaseInterval.objects.create(model_version=history["version"], category_id=history["audio"].pk, days=20,
                                      products={str(history["products"][5].pk): 5.0})
    assert buy_again(staff_client, history["customer"]) == ["P5", "P2"]


def test_the_category_and_then_the_shop_median_when_the_product_has_none(history, staff_client):
    RepurchaseInterval.objects.create(model_version=history["version"], category_id=0, days=4, products={})
    assert buy_again(staff_client, history["customer"]) == ["P5", "P2"]  # 10 days / 4 = 2.5 intervals
    RepurchaseInterval.objects.create(model_version=history["version"], category_id=history["audio"].pk, days=40,
                                      products={})
    from django.core.cache import cache

    cache.clear()  # the rows are read through the cache (they never change once a version is active)
    assert buy_again(staff_client, history["customer"]) == ["P2", "P5"]  # 10 / 40: not due yet


def test_cancelled_orders_unavailable_products_and_other_categories_are_left_out(history, staff_client):
    p, customer = history["products"], history["customer"]
    bought(customer, p[4], 3)  # Phones: not repeat-purchase
    Stock.objects.filter(product=p[5]).update(on_hand=0)
    other = CustomerFactory()
    bought(other, p[2], 40, status=Order.Status.CANCELLED)
    assert buy_again(staff_client, customer) == ["P2"]
    assert buy_again(staff_client, other) == []


def test_permissions_and_unknown_customers(history, staff_client):
    customer = history["customer"]
    client = customer_client_for(customer)
    assert [i["sku"] for i in client.get("/api/v1/recommendations/me/buy-again/").json()["items"]] == ["P2", "P5"]
    other = CustomerFactory()
    assert client.get(f"/api/v1/recommendations/customers/{other.pk}/buy-again/").status_code == 403
    assert staff_client.get("/api/v1/recommendations/customers/987654321/buy-again/").status_code == 404


def test_buy_again_template_tag(history):
    html = render("{% buy_again customer %}", customer=history["customer"])
    assert "Buy it again" in html and html.index("/product/P2/") < html.index("/product/P5/")
    assert render("{% buy_again %}").strip() == ""  # an anonymous visitor has none


def test_due_score_rises_to_due_then_lapsed_purchases_sink():
    assert due_score(15, 30) == pytest.approx(0.5)
    assert due_score(30, 30) == pytest.approx(1.0)
    assert due_score(30 * LAPSED_AFTER, 30) == pytest.approx(LAPSED_AFTER)
    assert due_score(30 * 2 * LAPSED_AFTER, 30) < due_score(30 * 2, 30)


def test_intervals_are_days_between_purchase_days_median_per_product_category_and_shop():
    day = pd.Timestamp("2026-01-01")
    purchases = pd.DataFrame({
        "customer_id": [1, 1, 1, 1, 2, 2, 3],
        "product_id": [10, 10, 10, 10, 10, 20, 20],
        # customer 1: product 10 on days 0, 0 (same day: one purchase), 10, 30; customer 2: 10 once
        "timestamp": [day, day + pd.Timedelta(hours=5), day + pd.Timedelta(days=10), day + pd.Timedelta(days=30),
                      day, day, day],
    })
    gaps = repurchase_gaps(purchases)
    assert sorted(gaps["gap_days"]) == [10.0, 20.0]
    found = median_intervals(gaps, {10: 7, 20: 7})
    assert found[7] == (15.0, {10: 15.0}) and found[0][0] == 15.0


def test_the_fill_stores_the_intervals_of_its_training_history(small_shop):
    call_command("retrain", "recommendations", "--sync")
    rows = {row.category_id: row for row in RepurchaseInterval.objects.filter(model_version_id=current_version_id())}
    lines = pd.DataFrame(OrderLine.objects.values_list("order__customer_id", "product_id", "order__created_at"),
                         columns=["customer_id", "product_id", "timestamp"])
    lines["timestamp"] = pd.to_datetime(lines["timestamp"], utc=True).dt.tz_localize(None)
    expected = repurchase_gaps(lines)
    assert rows[0].days == pytest.approx(expected["gap_days"].median(), abs=0.01)
    phones = small_shop["products"][0].category_id
    in_phones = expected[expected["product_id"].isin([p.pk for p in small_shop["products"][0::2]])]
    assert rows[phones].days == pytest.approx(in_phones["gap_days"].median(), abs=0.01)
    assert set(map(int, rows[phones].products)) <= {p.pk for p in small_shop["products"][0::2]}
