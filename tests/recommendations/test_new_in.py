""""New in": the newest products per category subtree and for the whole shop, business rules applied;
a product created after the last fill is listed at the next read."""
from datetime import timedelta

import pytest
from django.utils import timezone

from electroshop.shop.models import Product, Stock
from recommendations.models import MerchandisingRule
from tests.factories import ProductFactory, StockFactory

from .test_widgets import render

URL = "/api/v1/recommendations/new/"


def new_skus(client, **params) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "new"
    return [item["sku"] for item in response.json()["items"]]


@pytest.fixture
def dated(shop):
    """P0 is the newest (created an hour ago), then P1 a day ago, ...; P7 was created 40 days ago."""
    now = timezone.now()
    for i, product in enumerate(shop["products"]):
        Product.objects.filter(pk=product.pk).update(
            created_at=now - timedelta(hours=1) - timedelta(days=40 if i == 7 else i))
    return shop


def test_newest_first_within_the_window_for_the_shop_and_a_category_subtree(dated, staff_client, settings):
    settings.ELECTROSHOP = {"RECOMMENDATIONS_MAX_PER_CATEGORY": 0}
    assert new_skus(staff_client) == ["P0", "P1", "P2", "P3", "P4", "P5", "P6"]  # P7: 40 days old
    # Phones and its subcategory Cases: P0, P1, P3, P4, P6
    assert new_skus(staff_client, category=dated["phones"].pk) == ["P0", "P1", "P3", "P4", "P6"]
    assert new_skus(staff_client, category=dated["audio"].pk, limit=1) == ["P2"]
    settings.ELECTROSHOP = {"RECOMMENDATIONS_MAX_PER_CATEGORY": 0, "RECOMMENDATIONS_NEW_IN_DAYS": 2}
    assert new_skus(staff_client) == ["P0", "P1"]


def test_business_rules_apply(dated, staff_client):
    p = dated["products"]
    MerchandisingRule.objects.create(product_id=p[0].pk, action="hide")
    Product.objects.filter(pk=p[1].pk).update(is_active=False)
    Stock.objects.filter(product=p[2]).update(on_hand=0)
    assert new_skus(staff_client, category=dated["phones"].pk) == ["P3", "P4", "P6"]
    assert new_skus(staff_client, category=dated["audio"].pk) == ["P5"]


def test_a_product_created_after_the_fill_is_listed_at_the_next_read(dated, staff_client,
                                                                     django_capture_on_commit_callbacks):
    assert new_skus(staff_client, limit=2) == ["P0", "P1"]
    assert new_skus(staff_client, limit=2) == ["P0", "P1"]  # served from the cached seam read
    with django_capture_on_commit_callbacks(execute=True):
        product = ProductFactory(sku="FRESH", category=dated["audio"])
        StockFactory(product=product, on_hand=2)
    assert new_skus(staff_client, limit=2) == ["FRESH", "P0"]
    assert new_skus(staff_client, category=dated["audio"].pk, limit=1) == ["FRESH"]


def test_bad_category_is_a_400_and_anonymous_callers_a_401(dated, staff_client, client):
    assert staff_client.get(URL, {"category": 987654}).status_code == 400
    assert client.get(URL).status_code in (401, 403)


def test_new_in_template_tag(dated):
    html = render("{% new_in category limit=2 %}", category=dated["audio"])
    assert "New in" in html
    assert html.index("/product/P2/") < html.index("/product/P5/")
    assert html.count('class="es-card"') == 2
