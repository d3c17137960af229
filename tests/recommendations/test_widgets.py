"""Storefront template tags render accessible cards from the cached lists, with attribution ids."""
from django.template import Context, Template
from django.test import RequestFactory

from electroshop.shop.models import Event
from recommendations.models import MerchandisingRule


def render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request.user, request.session = AnonymousUser(), SessionStore()
    return Template("{% load recommendations %}" + source).render(Context({"request": request, **context}))


def test_recommended_for_a_customer_renders_cards_with_reasons_and_ids(shop):
    html = render("{% recommended_for customer limit=2 %}", customer=shop["customer"])
    assert "Picked for you" in html
    assert html.count('class="es-card"') == 2
    assert 'data-es-rec="' in html and "because 0" in html
    assert 'href="/product/P0/"' in html


def test_hidden_products_never_render(shop):
    MerchandisingRule.objects.create(product_id=shop["products"][0].pk, action="hide")
    html = render("{% recommended_for customer limit=3 %}", customer=shop["customer"])
    assert "/product/P0/" not in html and "/product/P1/" in html


def test_product_widgets_on_the_storefront_product_page(shop, client):
    page = client.get("/product/P6/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Frequently bought together" in html and "/product/P5/" in html
    assert "Similar products" in html and "/product/P7/" in html
    assert "recommendations/widgets.js" in html
    # The storefront records the view itself, for the visitor's session.
    assert Event.objects.filter(event_type="view", product=shop["products"][6], customer__isnull=True).count() == 1


def test_trending_and_anonymous_home_page(shop, client):
    html = render("{% trending category limit=2 %}", category=shop["audio"])
    assert "/product/P2/" in html and "/product/P5/" in html
    home = client.get("/")
    assert home.status_code == 200 and "Trending now" in home.content.decode()


def test_widget_script_is_served_from_the_app(client):
    from django.contrib.staticfiles import finders

    assert finders.find("recommendations/widgets.js")


def test_widgets_of_one_page_never_repeat_a_product(shop):
    html = render("{% recommended_for customer limit=3 %}{% trending None limit=3 %}", customer=shop["customer"])
    skus = [part.split('"')[0] for part in html.split('data-sku="')[1:]]
    assert skus == ["P0", "P1", "P2", "P3", "P4", "P5"]  # trending skips P0-P2, shown first, and fills up


def test_a_personal_only_widget_renders_nothing_without_a_personal_list(shop):
    assert "es-recs" not in render("{% recommended_for None fallback=False %}")  # an anonymous, new visitor
    assert "Trending now" in render("{% recommended_for None %}")  # by default the fallback shows
    assert "Picked for you" in render("{% recommended_for customer fallback=False %}", customer=shop["customer"])
