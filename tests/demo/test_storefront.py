"""The demo storefront: pages, the session cart (CSRF enforced), sign-in, checkout and order history."""
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from electroshop.demo.accounts import ensure_demo_accounts
from electroshop.mlops.formatting import format_money
from electroshop.shop.models import Brand, Category, Customer, Event, Order, OrderLine, Product, Review, Stock
from fraud.models import RiskAssessment

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.demo.urls")]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def shop():
    audio = Category.objects.create(name="Audio", slug="audio", path="Audio")
    headphones = Category.objects.create(name="Headphones", slug="audio-headphones", path="Audio/Headphones",
                                         parent=audio)
    sony = Brand.objects.create(name="Sony")
    product = Product.objects.create(sku="HP-SON00001/BLK", name="Sony WH-1000XM5 Headphones, Black",
                                     price=Decimal("1279.99"), category=headphones, brand=sony,
                                     attributes={"colour": "Black", "noise_cancelling": True})
    Stock.objects.create(product=product, on_hand=12)
    last_few = Product.objects.create(sku="HP-SON00003", name="Sony WH-CH720N Headphones", price=Decimal("89.00"),
                                      category=headphones, brand=sony)
    Stock.objects.create(product=last_few, on_hand=2)
    sold_out = Product.objects.create(sku="HP-SON00002", name="Sony WF-1000XM5 Earbuds", price=Decimal("199.00"),
                                      category=headphones, brand=sony)
    Stock.objects.create(product=sold_out, on_hand=0, lead_time_days=10)
    Review.objects.create(product=product, rating=4, title="Very good", text="Great sound.", status="published")
    return {"audio": audio, "headphones": headphones, "product": product, "last_few": last_few, "sold_out": sold_out}


def _customer_client(email: str = "alice@example.com", username: str = "alice") -> tuple[Client, Customer]:
    user = get_user_model().objects.create_user(username, email, PASSWORD)
    customer = Customer.objects.create(email=email, name="Alice Example", user=user)
    client = Client()
    client.force_login(user)
    return client, customer


def _csrf_token(client: Client, url: str) -> str:
    return client.get(url).cookies["csrftoken"].value


# --- pages -----------------------------------------------------------------------------------------

def test_home_lists_categories_and_has_a_recommendations_slot(client, shop):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Audio" in html and 'data-placement="home"' in html
    assert "/static/demo/shop.css" in html and "recommendations/widgets.js" in html
    assert "£1,279.99" in html and "Sony" in html  # a "New in" card: brand and formatted price


def test_parent_category_lists_products_of_its_subtree(client, shop):
    response = client.get(reverse("demo:category", args=[shop["audio"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert shop["product"].name in html and 'data-placement="category"' in html
    assert client.get(reverse("demo:category", args=[999_999])).status_code == 404


def test_product_page_routes_skus_with_slashes(client, shop):
    url = reverse("demo:product", args=[shop["product"].sku])
    assert url == "/product/HP-SON00001/BLK/"
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "£1,279.99" in html and "In stock" in html and "Great sound." in html
    assert 'data-placement="product"' in html and "/product-images/HP-SON00001/BLK.svg" in html
    assert client.get("/product/NOPE/").status_code == 404


def test_cards_say_in_stock_low_stock_or_out_of_stock(client, shop):
    html = client.get(reverse("demo:category", args=[shop["headphones"].pk])).content.decode()
    assert html.count("stock--in-stock") == 1 and "Low stock: 2 left" in html and "Out of stock" in html
    assert html.index("Low stock") < html.index("Out of stock")  # what can be bought comes first
    sold_out = client.get(reverse("demo:product", args=[shop["sold_out"].sku])).content.decode()
    assert "Out of stock: back in about 10 days" in sold_out and "Add to cart" not in sold_out


def test_placeholder_pictures_are_drawn_from_category_and_name(client, shop):
    response = client.get(reverse("demo:product_image", args=[shop["product"].sku]))
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<svg") and "HEADPHONES" in svg and 'aria-label="Sony WH-1000XM5 Headphones, Black"' in svg
    other = client.get(reverse("demo:product_image", args=[shop["last_few"].sku])).content.decode()
    assert other != svg  # same category, another name: another shade
    assert client.get("/product-images/NOPE.svg").status_code == 404


def test_money_has_one_format():
    assert format_money(Decimal("1299"), "GBP") == "£1,299.00"
    assert format_money("0.5", "EUR") == "€0.50"
    assert format_money(Decimal("-12.345"), "GBP") == "-£12.35"
    assert format_money(Decimal("10"), "CHF") == "10.00 CHF"


# --- cart ------------------------------------------------------------------------------------------

def test_cart_add_and_remove_with_csrf(shop):
    client = Client(enforce_csrf_checks=True)
    sku = shop["product"].sku
    assert client.post(reverse("demo:cart_add"), {"sku": sku, "quantity": "2"}).status_code == 403  # no token
    token = _csrf_token(client, reverse("demo:product", args=[sku]))
    response = client.post(reverse("demo:cart_add"), {"sku": sku, "quantity": "2", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    cart = client.get(reverse("demo:cart"))
    assert cart.status_code == 200
    assert cart.context["total"] == Decimal("2559.98")
    assert [(line.product.sku, line.quantity) for line in cart.context["lines"]] == [(sku, 2)]
    assert "£2,559.98" in cart.content.decode() and 'class="cart-count" aria-label="2 items"' in cart.content.decode()
    client.post(reverse("demo:cart_remove"), {"sku": sku, "csrfmiddlewaretoken": token})
    assert client.get(reverse("demo:cart")).context["lines"] == []


@pytest.mark.parametrize("payload", [{"sku": "NOPE", "quantity": "1"}, {"sku": "HP-SON00001/BLK", "quantity": "0"},
                                     {"sku": "HP-SON00001/BLK", "quantity": "many"}, {"sku": "HP-SON00002"}])
def test_cart_rejects_unknown_or_sold_out_products_and_bad_quantities(client, shop, payload):
    response = client.post(reverse("demo:cart_add"), payload, follow=True)
    assert response.status_code == 200
    assert response.context["lines"] == []


def test_cart_pages_only_accept_the_right_methods(client, shop):
    assert client.get(reverse("demo:cart_add")).status_code == 405
    assert client.post(reverse("demo:home")).status_code == 405
    assert client.get(reverse("demo:logout")).status_code == 405  # signing out is a POST


# --- accounts --------------------------------------------------------------------------------------

def test_log_in_goes_to_the_storefront_login_and_the_admin_keeps_its_own(client, shop):
    assert resolve_url(settings.LOGIN_URL) == "/accounts/login/"
    html = client.get(reverse("demo:category", args=[shop["audio"].pk])).content.decode()
    assert f'href="/accounts/login/?next=/category/{shop["audio"].pk}/"' in html
    page = client.get("/accounts/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_printed_demo_customer_login_signs_in_on_the_storefront(shop):
    linked = Customer.objects.create(email="regular@example.com", name="Rita Regular")
    accounts = ensure_demo_accounts(admin_password="admin-pass-123", customer_password=PASSWORD)
    assert accounts.customer_id == linked.pk
    client = Client(enforce_csrf_checks=True)
    token = _csrf_token(client, "/accounts/login/")
    response = client.post("/accounts/login/", {"username": "customer", "password": PASSWORD,
                                                "csrfmiddlewaretoken": token, "next": "/cart/"})
    assert response.status_code == 302 and response["Location"] == "/cart/"
    home = client.get("/").content.decode()
    assert "Hi, customer" in home and 'action="/accounts/logout/"' in home
    assert client.get("/api/v1/whoami/").json()["customer_id"] == linked.pk
    token = client.cookies["csrftoken"].value
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Log in" in client.get("/").content.decode()


def test_a_wrong_password_is_refused_on_the_page(client, shop):
    get_user_model().objects.create_user("bob", "bob@example.com", PASSWORD)
    response = client.post("/accounts/login/", {"username": "bob", "password": "wrong"})
    assert response.status_code == 200 and "enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


# --- checkout and orders -----------------------------------------------------------------------------

def test_checkout_asks_to_sign_in_first(client, shop):
    client.post(reverse("demo:cart_add"), {"sku": shop["product"].sku})
    response = client.get(reverse("demo:checkout"))
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/checkout/"


def _place_order(client: Client, django_capture_on_commit_callbacks, **overrides) -> object:
    form = {"full_name": "Alice Example", "address": "1 High Street\nLondon", "postcode": "N1 9GU", "country": "GB",
            "payment_method": "card", **overrides}
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("demo:checkout"), form, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Firefox/133")


def test_checkout_creates_an_order_that_is_fraud_scored_and_takes_stock(shop, django_capture_on_commit_callbacks):
    client, customer = _customer_client()
    client.post(reverse("demo:cart_add"), {"sku": shop["product"].sku, "quantity": "2"})
    client.post(reverse("demo:cart_add"), {"sku": shop["last_few"].sku, "quantity": "1"})
    page = client.get(reverse("demo:checkout"))
    assert page.status_code == 200 and "£2,648.98" in page.content.decode()
    response = _place_order(client, django_capture_on_commit_callbacks)
    order = Order.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    assert order.total == Decimal("2648.98") and order.status == "paid" and order.email == "alice@example.com"
    assert order.shipping_address == "Alice Example, 1 High Street, London, N1 9GU"
    assert (order.ip_address, order.user_agent, order.payment_method) == ("203.0.113.9", "Firefox/133", "card")
    assert sorted(OrderLine.objects.filter(order=order).values_list("product__sku", "quantity", "unit_price")) == [
        ("HP-SON00001/BLK", 2, Decimal("1279.99")), ("HP-SON00003", 1, Decimal("89.00"))]
    assessment = RiskAssessment.objects.get(order_id=order.pk)
    assert assessment.order_number == order.number and 0 <= assessment.score <= 100
    assert Stock.objects.get(product=shop["product"]).on_hand == 10
    assert Stock.objects.get(product=shop["last_few"]).on_hand == 1
    assert client.get(reverse("demo:cart")).context["lines"] == []
    confirmation = client.get(response["Location"]).content.decode()
    assert "Thank you for your order" in confirmation and order.number in confirmation and "£2,648.98" in confirmation


def test_checkout_refuses_more_than_is_on_hand_and_writes_nothing(shop, django_capture_on_commit_callbacks):
    client, customer = _customer_client()
    client.post(reverse("demo:cart_add"), {"sku": shop["last_few"].sku, "quantity": "3"})
    response = _place_order(client, django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("demo:cart")
    assert not Order.objects.exists() and Stock.objects.get(product=shop["last_few"]).on_hand == 2
    assert "Not enough stock for: Sony WH-CH720N Headphones" in client.get(reverse("demo:cart")).content.decode()


def test_checkout_form_errors_name_the_field(shop, django_capture_on_commit_callbacks):
    client, _ = _customer_client()
    client.post(reverse("demo:cart_add"), {"sku": shop["product"].sku})
    response = _place_order(client, django_capture_on_commit_callbacks, postcode="", country="XX")
    assert response.status_code == 200 and not Order.objects.exists()
    assert set(response.context["form"].errors) == {"postcode", "country"}


def test_staff_without_a_customer_profile_cannot_check_out(shop):
    user = get_user_model().objects.create_user("staff", None, PASSWORD, is_staff=True)
    client = Client()
    client.force_login(user)
    client.post(reverse("demo:cart_add"), {"sku": shop["product"].sku})
    response = client.get(reverse("demo:checkout"), follow=True)
    assert "no customer profile" in response.content.decode() and not Order.objects.exists()
    assert "no customer profile" in client.get(reverse("demo:order_history")).content.decode()


def test_order_history_shows_only_the_customers_own_orders(shop):
    client, customer = _customer_client()
    mine = Order.objects.create(number="ES-MINE-1", customer=customer, total=Decimal("1279.99"))
    OrderLine.objects.create(order=mine, product=shop["product"], quantity=1, unit_price=Decimal("1279.99"))
    other = Order.objects.create(number="ES-THEIRS-1", customer=Customer.objects.create(email="x@example.com"),
                                 total=Decimal("89.00"))
    Order.objects.create(number="ES-GUEST-1", total=Decimal("5.00"))
    page = client.get(reverse("demo:order_history"))
    assert page.status_code == 200
    assert [order.number for order in page.context["page"]] == ["ES-MINE-1"]
    assert "£1,279.99" in page.content.decode() and "1 item" in page.content.decode()
    assert client.get(reverse("demo:order", args=[mine.number])).status_code == 200
    assert client.get(reverse("demo:order", args=[other.number])).status_code == 404
    assert Client().get(reverse("demo:order_history"))["Location"] == "/accounts/login/?next=/orders/"


def test_an_add_to_cart_after_a_recommendation_click_carries_its_recommendation_id(shop):
    client, customer = _customer_client()
    sku = shop["product"].sku
    client.post("/api/v1/events/collect/", {"events": [
        {"event_type": "click", "sku": sku, "recommendation_id": "3-personalized-customer-0-0-ab12cd34.2"}]},
        content_type="application/json")
    client.post(reverse("demo:cart_add"), {"sku": shop["last_few"].sku})  # not clicked in a list
    client.post(reverse("demo:cart_add"), {"sku": sku})
    carts = {e.product.sku: e.recommendation_id for e in Event.objects.filter(event_type="cart", customer=customer)}
    assert carts == {sku: "3-personalized-customer-0-0-ab12cd34.2", shop["last_few"].sku: ""}
