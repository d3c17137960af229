"""The storefront as a shopper sees it: styled pages, widgets that record clicks, a personal list after sign-in."""
import json

from tests.browser.conftest import CUSTOMER_PASSWORD, sign_in

WIDGET = "[data-es-recs]"


def _stylesheet_rules(page) -> int:
    return page.evaluate("""() => Array.from(document.styleSheets)
        .reduce((n, sheet) => { try { return n + sheet.cssRules.length } catch (e) { return n } }, 0)""")


def test_storefront_pages_render_styled_widgets(page, demo_server):
    page.goto(demo_server.url + "/")
    assert _stylesheet_rules(page) > 20, "the storefront's stylesheet did not load"
    widgets = page.locator(WIDGET)
    assert widgets.count() >= 1
    first_card = widgets.first.locator("[data-es-rec]").first
    box = first_card.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    # The card link is styled by the shop's CSS, not the browser's default link style.
    assert page.evaluate("el => getComputedStyle(el).textDecorationLine", first_card.element_handle()) == "none"
    sku = first_card.get_attribute("data-sku")
    page.goto(demo_server.url + f"/product/{sku}/")
    assert page.locator(WIDGET).count() >= 1
    titles = [t.strip() for t in page.locator(f"{WIDGET} h2").all_inner_texts()]
    assert len(titles) == len(set(titles)), f"a list appears twice on the product page: {titles}"


def test_clicking_a_recommended_product_records_a_click_with_its_recommendation_id(page, demo_server):
    page.goto(demo_server.url + "/")
    page.wait_for_load_state("networkidle")
    link = page.locator(f"{WIDGET} [data-es-rec]").first
    recommendation_id, sku = link.get_attribute("data-es-rec"), link.get_attribute("data-sku")
    assert recommendation_id
    with page.expect_request(lambda r: r.url.endswith("/api/v1/events/collect/")
                             and '"click"' in (r.post_data or "")) as click:
        link.click()
    sent = json.loads(click.value.post_data)["events"]
    assert sent == [{"event_type": "click", "sku": sku, "recommendation_id": recommendation_id}]
    assert click.value.response().status < 300
    stored = demo_server.manage(
        "shell", "-c",
        "from electroshop.shop.models import Event; "
        f"print(Event.objects.filter(event_type='click', recommendation_id={recommendation_id!r}).count())")
    assert int(stored.strip().splitlines()[-1]) >= 1


def test_a_customer_signs_in_on_the_storefront_and_sees_a_personal_list(page, demo_server):
    sign_in(page, demo_server.url, path="/accounts/login/", username=demo_server.customer_username,
            password=CUSTOMER_PASSWORD)
    me = page.request.get(demo_server.url + "/api/v1/recommendations/me/")
    assert me.status == 200 and me.json()["source"] == "personalized"
    page.goto(demo_server.url + "/")
    personal = page.locator(f'{WIDGET}[data-source="personalized"]')
    assert personal.count() == 1
    assert personal.locator("[data-es-rec]").count() >= 4
    expected = [item["sku"] for item in me.json()["items"]]
    shown = [link.get_attribute("data-sku") for link in personal.locator("[data-es-rec]").all()]
    assert shown and set(shown) <= set(expected)
