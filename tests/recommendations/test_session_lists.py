"""Anonymous visitors' lists come from the session co-visitation generator over their recent views; at
sign-in the session's events become the customer's (for the next training) and re-blend their list."""
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from electroshop.seam import get_adapter
from electroshop.shop.models import Event
from recommendations import services
from recommendations.models import CoVisitedProducts
from recommendations.selectors import current_version_id
from tests.recommendations import shops

from .test_read_path import get, skus

small_shop = shops.small_shop
SESSION_URL = "/api/v1/recommendations/session/"


def browse(browser: APIClient, skus_viewed: list[str], django_capture_on_commit_callbacks) -> None:
    for sku in skus_viewed:  # one batch each: the newest view is the last
        with django_capture_on_commit_callbacks(execute=True):
            response = browser.post("/api/v1/events/collect/", {"events": [{"event_type": "view", "sku": sku}]},
                                    format="json")
        assert response.status_code == 201, response.content


def test_the_session_list_is_the_co_visitation_generators_ranking_of_the_viewed_products(
        small_shop, settings, django_capture_on_commit_callbacks):
    settings.ELECTROSHOP = {"RECOMMENDATIONS_MAX_PER_CATEGORY": 0}
    call_command("retrain", "recommendations", "--sync")
    version_id = current_version_id()
    assert CoVisitedProducts.objects.filter(model_version_id=version_id).exists()
    browser = APIClient()
    assert browser.get(SESSION_URL).json()["source"] == "trending"  # nothing viewed yet

    viewed = small_shop["products"][3], small_shop["products"][15]
    browse(browser, [p.sku for p in viewed], django_capture_on_commit_callbacks)
    body = browser.get(SESSION_URL, {"limit": 5}).json()
    assert body["source"] == "session"

    model = services.model_for_version(version_id)
    generator = model.generators["co_visitation"]
    positions = [model.data.im.item_index[p.pk] for p in viewed]  # oldest first, as score_session takes them
    expected = {int(model.item_ids[i]): float(score) for i, score in enumerate(generator.score_session(positions))
                if score > 0 and int(model.item_ids[i]) not in {p.pk for p in viewed}}
    served = [item["product_id"] for item in body["items"]]
    assert len(served) == 5
    # the five best of the generator's own session scores, in its order (ties in any order)
    assert [round(expected[pid], 5) for pid in served] == sorted((round(s, 5) for s in expected.values()),
                                                                 reverse=True)[:5]


def test_a_viewed_product_without_co_visitation_neighbours_lends_its_other_lists(
        shop, django_capture_on_commit_callbacks):
    browser = APIClient()
    browse(browser, ["P6"], django_capture_on_commit_callbacks)  # the fixture's version stored no co-visitation
    body = browser.get(SESSION_URL, {"limit": 2}).json()
    assert body["source"] == "session"
    assert [item["sku"] for item in body["items"]] == ["P7", "P5"]  # similar 0.9, bought together 0.8


@pytest.fixture
def signing_in(shop, django_capture_on_commit_callbacks):
    """A browser views P6 anonymously, then its visitor signs in as the fixture's customer."""
    customer = shop["customer"]
    browser = APIClient()
    browse(browser, ["P6"], django_capture_on_commit_callbacks)
    user = get_user_model().objects.create_user("signing-in", None, None)
    customer.user = user
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        browser.force_login(user)
    return shop


def test_at_sign_in_the_sessions_events_join_the_customers_history(signing_in):
    customer, p6 = signing_in["customer"], signing_in["products"][6]
    assert list(Event.objects.filter(event_type="view").values_list("customer_id", "product_id")) == [
        (customer.pk, p6.pk)]
    history = get_adapter().interactions_frame(until=timezone.now())  # what the next training reads
    views = history[(history["customer_id"] == customer.pk) & (history["event_type"] == "view")]
    assert views["product_id"].tolist() == [p6.pk]


def test_at_sign_in_the_customers_live_list_blends_the_sessions_views_at_once(signing_in, staff_client):
    # the customer's stored list is P0..P5; the session viewed P6: its neighbours P5 (bought together)
    # and P7 (similar) lead, and P6 itself is not shown back
    assert skus(get(staff_client, signing_in["customer"], limit=4)) == ["P5", "P7", "P0", "P1"]
