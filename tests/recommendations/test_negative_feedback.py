"""Negative feedback: a product shown to a visitor again and again without a click sinks in their lists,
and a product is shown at most so many times a day; a cached answer never hides the change."""
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from electroshop.seam.events import record_events
from recommendations.models import MerchandisingRule

from .test_read_path import get, skus


def shown(capture, customer, sku: str, times: int, *, days_ago: float = 0, in_list: str = "personalized") -> None:
    moment = (timezone.now() - timedelta(days=days_ago, minutes=1)).isoformat()
    rows = [{"event_type": "impression", "sku": sku, "customer_id": customer.pk, "occurred_at": moment,
             "recommendation_id": f"1-{in_list}-abc.1"} for _ in range(times)]
    with capture(execute=True):
        record_events(rows=rows, source="api")


def test_a_product_shown_three_times_without_a_click_is_demoted(
        shop, staff_client, django_capture_on_commit_callbacks):
    customer = shop["customer"]
    for _ in range(2):  # the second read stores the rendered answer
        assert skus(get(staff_client, customer, limit=6)) == ["P0", "P1", "P2", "P3", "P4", "P5"]
    shown(django_capture_on_commit_callbacks, customer, "P0", 2)
    assert skus(get(staff_client, customer, limit=6))[0] == "P0"  # twice is not enough
    shown(django_capture_on_commit_callbacks, customer, "P0", 1)
    # 1.0 x 0.3: below P5's 0.5; the stored answer from before is not served
    body = get(staff_client, customer, limit=6).json()
    assert [item["sku"] for item in body["items"]] == ["P1", "P2", "P3", "P4", "P5", "P0"]
    assert body["items"][-1]["score"] == 0.3


def test_impressions_older_than_the_window_or_in_history_lists_do_not_count(
        shop, staff_client, django_capture_on_commit_callbacks):
    customer = shop["customer"]
    shown(django_capture_on_commit_callbacks, customer, "P0", 5, days_ago=8)
    shown(django_capture_on_commit_callbacks, customer, "P0", 2, days_ago=6)
    shown(django_capture_on_commit_callbacks, customer, "P0", 3, in_list="recently_viewed")
    assert skus(get(staff_client, customer, limit=2)) == ["P0", "P1"]


def test_a_product_shown_too_often_today_leaves_the_list_until_tomorrow(
        shop, staff_client, settings, django_capture_on_commit_callbacks):
    settings.ELECTROSHOP = {"RECOMMENDATIONS_MAX_IMPRESSIONS_PER_DAY": 2,
                            "RECOMMENDATIONS_IMPRESSIONS_BEFORE_DEMOTION": 100}
    customer = shop["customer"]
    shown(django_capture_on_commit_callbacks, customer, "P1", 2)
    shown(django_capture_on_commit_callbacks, customer, "P2", 2, days_ago=1)  # yesterday's do not cap today
    shown(django_capture_on_commit_callbacks, customer, "P3", 1)
    assert skus(get(staff_client, customer, limit=4)) == ["P0", "P2", "P3", "P4"]
    # other lists read for the customer too; a product the merchant pinned is never capped
    MerchandisingRule.objects.create(product_id=shop["products"][1].pk, action="pin")
    assert skus(get(staff_client, customer, limit=2)) == ["P1", "P0"]


def test_each_visitor_has_their_own_feedback_and_a_click_lifts_a_demotion(
        shop, staff_client, django_capture_on_commit_callbacks):
    browser = APIClient()
    session_url = "/api/v1/recommendations/session/"

    def session_skus(client: APIClient) -> list[str]:
        return [i["sku"] for i in client.get(session_url, {"limit": 4}).json()["items"]]

    def collect(event_type: str, times: int) -> None:
        events = [{"event_type": event_type, "sku": "P0", "recommendation_id": "1-trending-abc.1"}] * times
        with django_capture_on_commit_callbacks(execute=True):
            assert browser.post("/api/v1/events/collect/", {"events": events}, format="json").status_code == 201

    assert session_skus(browser) == ["P0", "P1", "P2", "P3"]  # trending: 1, 1/2, 1/3, 1/4
    collect("impression", 3)
    assert session_skus(browser) == ["P1", "P2", "P0", "P3"]  # 1.0 x 0.3 = 0.3: between 1/3 and 1/4
    assert session_skus(APIClient()) == ["P0", "P1", "P2", "P3"]  # another browser
    assert skus(get(staff_client, shop["customer"], limit=1)) == ["P0"]  # a customer
    collect("click", 1)  # P0 has no neighbours: the session still reads trending
    assert session_skus(browser) == ["P0", "P1", "P2", "P3"]
