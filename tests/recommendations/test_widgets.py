"""Storefront template tags render accessible cards from the cached lists, with attribution ids."""
from django.template import Context, Template
from django.test import RequestFactory

from recommendations.models import MerchandisingRule


def render(source: str, **context) -> str:
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    request.user, request.session = AnonymousUser(), SessionStore()
    return Template("{% load recommendations %}" + source).render(Context({"request": request, **context}))


def test_recommended_for_a_customer_renders_cards_with_reasons_and_ids(shop):
    html = render("{% recommended_for customer limit=2 %}", customer=shop["customer"])
    assert "Recommended for you" in html
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
    assert 'data-es-view="P6"' in html


def test_trending_and_anonymous_home_page(shop, client):
    html = render("{% trending category limit=2 %}", category=shop["audio"])
    assert "/product/P2/" in html and "/product/P5/" in html
    home = client.get("/")
    assert home.status_code == 200 and "Trending now" in home.content.decode()


def test_widget_script_is_served_from_the_app(client):
    from django.contrib.staticfiles import finders

    assert finders.find("recommendations/widgets.js")
