"""The demo storefront pages render and the session cart works (CSRF enforced)."""
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from electroshop.shop.models import Brand, Category, Product, Review, Stock

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.demo.urls")]


@pytest.fixture
def shop():
    audio = Category.objects.create(name="Audio", slug="audio", path="Audio")
    headphones = Category.objects.create(name="Headphones", slug="audio-headphones", path="Audio/Headphones",
                                         parent=audio)
    sony = Brand.objects.create(name="Sony")
    product = Product.objects.create(sku="HP-SON00001/BLK", name="Sony WH-1000XM5 Headphones, Black",
                                     price=Decimal("279.99"), category=headphones, brand=sony,
                                     attributes={"colour": "Black", "noise_cancelling": True})
    Stock.objects.create(product=product, on_hand=5)
    sold_out = Product.objects.create(sku="HP-SON00002", name="Sony WF-1000XM5 Earbuds", price=Decimal("199.00"),
                                      category=headphones, brand=sony)
    Stock.objects.create(product=sold_out, on_hand=0, lead_time_days=10)
    Review.objects.create(product=product, rating=4, title="Very good", text="Great sound.", status="published")
    return {"audio": audio, "headphones": headphones, "product": product, "sold_out": sold_out}


def test_home_lists_categories_and_has_a_recommendations_slot(client, shop):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Audio" in html and 'data-placement="home"' in html
    assert "/static/demo/shop.css" in html


def test_parent_category_lists_products_of_its_subtree(client, shop):
    response = client.get(reverse("demo:category", args=[shop["audio"].pk]))
    assert response.status_code == 200
    assert shop["product"].name in response.content.decode()
    assert client.get(reverse("demo:category", args=[999_999])).status_code == 404


def test_product_page_routes_skus_with_slashes(client, shop):
    url = reverse("demo:product", args=[shop["product"].sku])
    assert url == "/product/HP-SON00001/BLK/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "£279.99" in html and "In stock" in html and "Great sound." in html
    assert 'data-placement="product"' in html
    assert "Out of stock" in client.get(reverse("demo:product", args=[shop["sold_out"].sku])).content.decode()
    assert client.get("/product/NOPE/").status_code == 404


def test_cart_add_and_remove_with_csrf(shop):
    client = Client(enforce_csrf_checks=True)
    sku = shop["product"].sku
    assert client.post(reverse("demo:cart_add"), {"sku": sku, "quantity": "2"}).status_code == 403  # no token
    page = client.get(reverse("demo:product", args=[sku]))
    token = page.cookies["csrftoken"].value
    response = client.post(reverse("demo:cart_add"), {"sku": sku, "quantity": "2", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    cart = client.get(reverse("demo:cart"))
    assert cart.status_code == 200
    assert cart.context["total"] == Decimal("559.98")
    assert [(line.product.sku, line.quantity) for line in cart.context["lines"]] == [(sku, 2)]
    client.post(reverse("demo:cart_remove"), {"sku": sku, "csrfmiddlewaretoken": token})
    assert client.get(reverse("demo:cart")).context["lines"] == []


@pytest.mark.parametrize("payload", [{"sku": "NOPE", "quantity": "1"}, {"sku": "HP-SON00001/BLK", "quantity": "0"},
                                     {"sku": "HP-SON00001/BLK", "quantity": "many"}])
def test_cart_rejects_unknown_products_and_bad_quantities(client, shop, payload):
    response = client.post(reverse("demo:cart_add"), payload, follow=True)
    assert response.status_code == 200
    assert response.context["lines"] == []


def test_cart_pages_only_accept_the_right_methods(client, shop):
    assert client.get(reverse("demo:cart_add")).status_code == 405
    assert client.post(reverse("demo:home")).status_code == 405
