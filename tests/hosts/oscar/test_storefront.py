"""The storefront widgets in Oscar's own product page, with Oscar product objects, and the click
the widget script records."""
import re

import pytest

from electroshop.seam import get_adapter
from electroshop.seam.models import Event

pytestmark = pytest.mark.django_db


def test_oscars_product_page_renders_the_widgets_and_a_click_is_recorded(client, oscar_shop):
    product = oscar_shop["products"][0]
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "recommendations/widgets.js" in html
    cards = re.findall(r'href="([^"]+)"\s+data-es-rec="([^"]+)" data-sku="([^"]+)"', html)
    assert cards, "no recommendation cards on the Oscar product page"
    url, recommendation_id, sku = cards[0]
    assert client.get(url).status_code in (200, 301)  # Oscar's product URL of the recommended product

    # What widgets.js posts when the card is clicked (same origin, the visitor's session).
    response = client.post("/api/v1/events/collect/", {"events": [
        {"event_type": "click", "sku": sku, "recommendation_id": recommendation_id}]}, content_type="application/json")
    assert response.status_code < 300, response.content
    click = Event.objects.get(event_type="click", recommendation_id=recommendation_id)
    assert click.product_id == get_adapter().product_id_for_sku_uncached(sku) and click.session_id
