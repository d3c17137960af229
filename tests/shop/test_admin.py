import pytest
from django.contrib import admin
from django.urls import reverse

from electroshop.shop import models
from tests.factories import EventFactory, OrderLineFactory, PromotionFactory, ReviewFactory, StockFactory

pytestmark = pytest.mark.django_db

SHOP_MODELS = [
    models.Category, models.Brand, models.Product, models.Stock, models.Customer, models.Order,
    models.OrderLine, models.Event, models.Review, models.Promotion,
]


def test_every_shop_model_has_an_admin():
    for model in SHOP_MODELS:
        assert admin.site.is_registered(model), model


def test_inlines():
    assert [i.model for i in admin.site._registry[models.Order].inlines] == [models.OrderLine]
    assert [i.model for i in admin.site._registry[models.Product].inlines] == [models.Stock]


def test_changelists_and_change_pages_render(admin_client, django_assert_max_num_queries):
    line = OrderLineFactory()
    StockFactory(product=line.product)
    EventFactory(product=line.product)
    ReviewFactory(product=line.product)
    PromotionFactory(product=line.product)
    for model in SHOP_MODELS:
        url = reverse(f"admin:shop_{model._meta.model_name}_changelist")
        with django_assert_max_num_queries(12):
            response = admin_client.get(url, {"q": "x"})
        assert response.status_code == 200, url
        assert admin_client.get(url).status_code == 200, url
    order_page = admin_client.get(reverse("admin:shop_order_change", args=[line.order_id]))
    assert order_page.status_code == 200 and line.product.sku.encode() in order_page.content
    assert admin_client.get(reverse("admin:shop_product_change", args=[line.product_id])).status_code == 200
