"""A shopper's click in headless Chromium on a widget card of Oscar's product page, served by a live
server, is recorded with the card's recommendation id.

Runs last (``conftest.py``): its transactional database flushes the session's shop when it ends.
Skipped without Chromium unless ``ELECTROSHOP_BROWSER_TESTS=required`` (as ``tests/browser``).
"""
import json

import pytest

from electroshop.seam.models import Event
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _chromium_available

pytestmark = pytest.mark.django_db(transaction=True)

CARD = "[data-es-recs] [data-es-rec]"


@pytest.fixture
def chromium_path():
    if not _chromium_available():
        pytest.skip(f"no Chromium at {CHROMIUM} (ELECTROSHOP_CHROMIUM names another)")
    return CHROMIUM


def test_a_click_on_a_widget_card_in_chromium_is_recorded(oscar_shop, live_server, chromium_path):
    from playwright.sync_api import sync_playwright

    url = live_server.url + oscar_shop["products"][0].get_absolute_url()
    # Playwright's sync API runs an event loop in this thread, where Django refuses ORM calls:
    # the database is read only once the browser is gone.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.set_default_timeout(15_000)
        page.goto(url)
        page.wait_for_load_state("networkidle")  # the script has sent the impressions
        card = page.locator(CARD).first
        recommendation_id, sku = card.get_attribute("data-es-rec"), card.get_attribute("data-sku")
        with page.expect_request(lambda r: r.url == live_server.url + "/api/v1/events/collect/"
                                 and '"click"' in (r.post_data or "")) as click:
            card.click()
        sent, status = json.loads(click.value.post_data)["events"], click.value.response().status
        browser.close()
    assert recommendation_id and sent == [{"event_type": "click", "sku": sku, "recommendation_id": recommendation_id}]
    assert status == 201
    stored = Event.objects.get(event_type="click", recommendation_id=recommendation_id)
    assert stored.session_id and stored.product_id
    assert Event.objects.filter(event_type="impression", recommendation_id=recommendation_id).exists()
