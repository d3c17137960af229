"""The storefront widgets in Oscar's own pages (product, category, basket), with Oscar's objects, and
the click the widget script records, sent as the script sends it."""
import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from oscar.apps.partner.strategy import Selector
from oscar.core.loading import get_model

from electroshop.seam import get_adapter
from electroshop.seam.models import Event
from recommendations import selectors
from recommendations.models import BoughtTogether

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")


class Widgets(HTMLParser):
    """The widgets of a page: [{"source": ..., "cards": [the card link's attributes]}]."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.widgets: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if "data-es-recs" in attrs:
            self.widgets.append({"source": attrs.get("data-source"), "cards": []})
        elif "data-es-rec" in attrs and self.widgets:
            self.widgets[-1]["cards"].append(attrs)

    def of(self, source: str) -> list[dict]:
        found = [widget["cards"] for widget in self.widgets if widget["source"] == source]
        assert len(found) == 1, f"{source!r} widgets on the page: {self.widgets}"
        return found[0]


def _skus(cards: list[dict]) -> list[str]:
    return [card["data-sku"] for card in cards]


def test_a_category_page_shows_the_signed_in_customers_picks_and_the_categorys_trending(client, oscar_shop):
    customer, audio = oscar_shop["customers"][2], oscar_shop["categories"][2]
    client.force_login(customer)
    page = client.get(audio.get_absolute_url())
    assert page.status_code == 200
    widgets = Widgets(page.content.decode())

    picks = selectors.recommendations_for_customer(customer_id=customer.pk, limit=4)
    assert picks.source == "personalized"
    assert _skus(widgets.of("personalized")) == [item["sku"] for item in picks.items]

    trending = widgets.of("trending")
    ids = get_adapter().product_ids_for_skus(_skus(trending))
    assert len(trending) == len(ids) == 4 and not set(_skus(trending)) & set(_skus(widgets.of("personalized")))
    assert all(audio.pk in categories for categories in get_adapter().product_category_ids(ids.values()).values())


def test_the_basket_page_shows_what_is_bought_with_the_basket_lines_products(client, oscar_shop):
    customer, products = oscar_shop["customers"][4], oscar_shop["products"]
    in_basket = [products[0], products[5]]
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Selector().strategy(user=customer)
    for product in in_basket:
        basket.add_product(product, 1)
    client.force_login(customer)  # Oscar's middleware opens the customer's open basket
    page = client.get("/basket/")
    assert page.status_code == 200 and products[5].title in page.content.decode()

    cards = Widgets(page.content.decode()).of("bought_together")
    expected = selectors.cart_complements(product_ids=[p.pk for p in in_basket], limit=4, customer_id=customer.pk)
    assert cards and _skus(cards) == [item["sku"] for item in expected.items]
    ids = set(get_adapter().product_ids_for_skus(_skus(cards)).values())
    rows = BoughtTogether.objects.filter(model_version_id=selectors.current_version_id(),
                                         product_id__in=[p.pk for p in in_basket])
    together = {item[0] for row in rows for item in row.items}
    assert len(ids) == len(cards) and ids <= together and not ids & {p.pk for p in in_basket}


def _what_widgets_js_sends() -> tuple[str, str, str]:
    """(endpoint, CSRF header, cookie it reads) as written in the widget script itself."""
    script = open(finders.find("recommendations/widgets.js")).read()
    endpoint = re.search(r'var ENDPOINT = "([^"]+)"', script)[1]
    header, cookie = re.search(r'"(X-[A-Za-z-]+)": cookie\("([^"]+)"\)', script).groups()
    assert '"Content-Type": "application/json"' in script and "JSON.stringify({ events: events })" in script
    return endpoint, header, cookie


def test_a_click_on_a_card_of_oscars_product_page_is_recorded_as_the_script_sends_it(oscar_shop):
    browser = Client(enforce_csrf_checks=True)
    customer, product = oscar_shop["customers"][6], oscar_shop["products"][0]
    browser.force_login(customer)
    url = product.get_absolute_url()
    page = browser.get(url, follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert "recommendations/widgets.js" in html
    card = Widgets(html).of("similar")[0]
    assert browser.get(card["href"], follow=True).status_code == 200  # Oscar's page of the recommended product

    endpoint, header, cookie = _what_widgets_js_sends()
    page_url = f"http://testserver{page.request['PATH_INFO']}"
    click = {"event_type": "click", "sku": card["data-sku"], "recommendation_id": card["data-es-rec"]}
    sent = browser.post(endpoint, json.dumps({"events": [click]}), content_type="application/json",
                        headers={header: browser.cookies[cookie].value, "Origin": "http://testserver",
                                 "Referer": page_url})
    assert sent.status_code == 201, sent.content
    stored = Event.objects.get(event_type="click", recommendation_id=card["data-es-rec"])
    assert stored.product_id == get_adapter().product_id_for_sku_uncached(card["data-sku"])
    assert stored.customer_id == customer.pk and stored.session_id

    elsewhere = browser.post(endpoint, json.dumps({"events": [click]}), content_type="application/json",
                             headers={header: browser.cookies[cookie].value, "Origin": "https://evil.example"})
    assert elsewhere.status_code == 403
