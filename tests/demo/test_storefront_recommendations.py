"""The storefront's recommendation widgets: placement, no product twice on a page, the cart's own
complements, session lists that follow browsing, and the anonymous session joining the account at sign-in."""
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from electroshop.mlops import services as registry
from electroshop.shop.models import Customer, Event
from recommendations.models import BoughtTogether, ProductRecommendation, SimilarProducts, TrendingProducts
from tests.factories import CategoryFactory, ProductFactory, StockFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.demo.urls")]

PASSWORD = "correct-horse-battery"


def _items(products, *indexes, reason="because"):
    return [[products[i].pk, 1.0 - k / 20, f"{reason} {i}"] for k, i in enumerate(indexes)]


@pytest.fixture
def store():
    """Twelve stocked products (P00-P11), a customer with a stored list, and per-product lists in an
    active version: P00 and P06 each have similar and bought-together lists that overlap."""
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    products = []
    for i in range(12):
        product = ProductFactory(sku=f"P{i:02d}", name=f"Product {i:02d}", category=(phones, cases)[i % 2])
        StockFactory(product=product, on_hand=20)
        products.append(product)
    user = get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)
    customer = Customer.objects.create(email="alice@example.com", user=user)
    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
    ProductRecommendation.objects.create(model_version=version, customer_id=customer.pk,
                                         items=_items(products, 1, 2, 3, 4, 5, 8))
    SimilarProducts.objects.create(model_version=version, product_id=products[0].pk, items=_items(products, 1, 2, 3, 4))
    BoughtTogether.objects.create(model_version=version, product_id=products[0].pk, items=_items(products, 1, 5))
    SimilarProducts.objects.create(model_version=version, product_id=products[6].pk, items=_items(products, 9, 10))
    BoughtTogether.objects.create(model_version=version, product_id=products[6].pk, items=_items(products, 7, 8))
    TrendingProducts.objects.create(model_version=version, category_id=0, segment="",
                                    items=_items(products, *range(12), reason="Popular right now"))
    TrendingProducts.objects.create(model_version=version, category_id=cases.pk, segment="",
                                    items=_items(products, 11, 9, 7, reason="Popular right now in this category"))
    registry.mark_version_ready(version_id=version.pk)
    registry.activate_model_version(version_id=version.pk)
    return {"products": products, "customer": customer, "phones": phones, "cases": cases}


def _widgets(html: str) -> dict[str, list[str]]:
    """Title of each rendered widget → the SKUs of its cards, in order."""
    out = {}
    for section in re.findall(r"<section class=\"es-recs.*?</section>", html, flags=re.S):
        title = re.search(r'class="es-recs__title">([^<]*)<', section).group(1)
        out[title] = re.findall(r'data-sku="([^"]+)"', section)
    return out


def _signed_in() -> Client:
    client = Client()
    assert client.login(username="alice", password=PASSWORD)
    return client


def _view(client: Client, sku: str, capture) -> str:
    with capture(execute=True):  # the live lists are refreshed when the view event commits
        response = client.get(reverse("demo:product", args=[sku]))
    assert response.status_code == 200
    return response.content.decode()


def test_each_page_places_its_widgets_and_never_shows_a_product_twice(store, client):
    home = _widgets(client.get("/").content.decode())
    assert list(home) == ["Trending now"]  # an anonymous visitor who has not browsed: no personal list
    signed_in = _widgets(_signed_in().get("/").content.decode())
    assert list(signed_in) == ["Picked for you", "Trending now"]
    assert signed_in["Picked for you"] == ["P01", "P02", "P03", "P04", "P05", "P08"]
    assert signed_in["Trending now"][:3] == ["P00", "P06", "P07"]  # what the list above showed is skipped

    product = _widgets(_signed_in().get(reverse("demo:product", args=["P00"])).content.decode())
    assert list(product) == ["Frequently bought together", "Similar products", "Picked for you"]
    assert product["Frequently bought together"] == ["P01", "P05"]
    assert product["Similar products"] == ["P02", "P03", "P04"]  # P01 is already shown above
    assert product["Picked for you"] == ["P08"]
    for widgets in (home, signed_in, product):
        skus = [sku for cards in widgets.values() for sku in cards]
        assert len(skus) == len(set(skus))

    category = client.get(reverse("demo:category", args=[store["cases"].pk])).content.decode()
    assert _widgets(category) == {"Trending in Cases": ["P11", "P09", "P07"]}


def test_widget_cards_carry_recommendation_ids_and_pictures_for_widgets_js(store, client):
    html = _signed_in().get("/").content.decode()
    ids = re.findall(r'data-es-rec="([^"]+)"', html)
    # <version>-<strategy>-<placement>-<experiment>-<variant>-<random>.<position>
    assert ids and all(re.fullmatch(r"\d+-\w+-\w+-\d+-\d+-[0-9a-f]{8}\.\d+", rid) for rid in ids)
    trending_ids = [rid for rid in ids if "-trending-" in rid]
    assert trending_ids[0].endswith(".1")  # positions count the cards shown, after skipped products
    assert 'src="/product-images/P01.svg"' in html
    assert "recommendations/widgets.js" in html


def test_the_cart_widget_is_computed_from_the_carts_products(store, client):
    assert _widgets(client.get(reverse("demo:cart")).content.decode()) == {
        "Trending now": ["P00", "P01", "P02", "P03"]}  # an empty cart: what is popular
    client.post(reverse("demo:cart_add"), {"sku": "P00"})
    assert _widgets(client.get(reverse("demo:cart")).content.decode())["You might also need"] == ["P01", "P05"]
    client.post(reverse("demo:cart_remove"), {"sku": "P00"})
    client.post(reverse("demo:cart_add"), {"sku": "P06"})
    assert _widgets(client.get(reverse("demo:cart")).content.decode())["You might also need"] == ["P07", "P08"]
    client.post(reverse("demo:cart_add"), {"sku": "P07"})  # what is in the cart is never suggested
    assert "P07" not in _widgets(client.get(reverse("demo:cart")).content.decode())["You might also need"]
    client.post(reverse("demo:cart_remove"), {"sku": "P06"})
    client.post(reverse("demo:cart_remove"), {"sku": "P07"})
    client.post(reverse("demo:cart_add"), {"sku": "P03"})  # nothing known to go with it: trending, titled so
    widgets = _widgets(client.get(reverse("demo:cart")).content.decode())
    assert "You might also need" not in widgets and widgets["Trending now"][:2] == ["P00", "P01"]


def test_an_anonymous_visitors_session_list_follows_their_browsing(store, client, django_capture_on_commit_callbacks):
    _view(client, "P00", django_capture_on_commit_callbacks)
    session_key = client.session.session_key
    views = Event.objects.filter(event_type="view", customer__isnull=True)
    assert views.count() == 1 and views.get().product.sku == "P00" and views.get().session_id.startswith("dj-")
    first = client.get("/api/v1/recommendations/session/").json()
    assert first["source"] == "session" and first["items"][0]["sku"] == "P01"
    assert "Inspired by your browsing" in _widgets(client.get("/").content.decode())

    _view(client, "P06", django_capture_on_commit_callbacks)
    second = client.get("/api/v1/recommendations/session/").json()
    assert second["items"][0]["sku"] == "P07"  # the newest product's neighbours lead now
    assert [i["sku"] for i in second["items"]] != [i["sku"] for i in first["items"]]
    assert client.session.session_key == session_key and views.count() == 2


def test_at_sign_in_the_anonymous_sessions_events_join_the_account(store, django_capture_on_commit_callbacks):
    client = Client(enforce_csrf_checks=True)
    _view(client, "P06", django_capture_on_commit_callbacks)
    before = client.get("/api/v1/recommendations/session/").json()
    assert before["source"] == "session"
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD,
                                                    "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    customer = store["customer"]
    assert list(Event.objects.values_list("customer_id", "product__sku")) == [(customer.pk, "P06")]
    mine = client.get("/api/v1/recommendations/me/").json()
    assert mine["source"] == "personalized"
    skus = [item["sku"] for item in mine["items"]]
    # The browsing blended into the stored list: P08 is in both, P07 only goes with the viewed P06.
    assert skus[:2] == ["P08", "P07"] and "P01" in skus
    # Signed in, the next views are the customer's at once.
    _view(client, "P00", django_capture_on_commit_callbacks)
    assert Event.objects.filter(customer=customer).count() == 2


def test_a_customer_with_a_stored_list_gets_it_from_the_api_after_signing_in_on_the_storefront(store):
    client = Client(enforce_csrf_checks=True)
    token = client.get("/accounts/login/").cookies["csrftoken"].value
    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": token})
    response = client.get("/api/v1/recommendations/me/")
    assert response.status_code == 200
    assert response.json()["source"] == "personalized"
    assert [item["sku"] for item in response.json()["items"]] == ["P01", "P02", "P03", "P04", "P05", "P08"]
