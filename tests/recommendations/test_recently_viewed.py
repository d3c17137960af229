""""Recently viewed": a customer's or browser session's last viewed products, newest first, each once,
business rules applied, from the event table through the seam; a new view shows at the next read."""
from datetime import timedelta

from django.utils import timezone
from rest_framework.test import APIClient

from electroshop.seam.events import record_events
from electroshop.shop.models import Stock
from recommendations.models import MerchandisingRule
from tests.factories import CustomerFactory

from .conftest import customer_client_for
from .test_widgets import render


def view(django_capture_on_commit_callbacks, skus: list[str], **subject) -> None:
    """Record views of these SKUs, oldest first, a minute apart."""
    start = timezone.now() - timedelta(minutes=len(skus) + 1)
    rows = [{"event_type": "view", "sku": sku, "occurred_at": (start + timedelta(minutes=k)).isoformat(), **subject}
            for k, sku in enumerate(skus)]
    with django_capture_on_commit_callbacks(execute=True):
        record_events(rows=rows, source="api")


def viewed(client, url: str, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "recently_viewed"
    return [item["sku"] for item in response.json()["items"]]


def test_newest_view_first_each_product_once_business_rules_applied(shop, staff_client,
                                                                     django_capture_on_commit_callbacks):
    customer, p = shop["customer"], shop["products"]
    url = f"/api/v1/recommendations/customers/{customer.pk}/recently-viewed/"
    view(django_capture_on_commit_callbacks, ["P3", "P1", "P3", "P5", "P0"], customer_id=customer.pk)
    view(django_capture_on_commit_callbacks, ["P7"], session_id="someone-else")
    assert viewed(staff_client, url) == ["P0", "P5", "P3", "P1"]
    assert viewed(staff_client, url, limit=2, exclude="P0") == ["P5", "P3"]

    Stock.objects.filter(product=p[5]).update(on_hand=0)
    MerchandisingRule.objects.create(product_id=p[3].pk, action="hide")
    assert viewed(staff_client, url) == ["P0", "P1"]


def test_a_new_view_is_listed_at_the_next_read(shop, staff_client, django_capture_on_commit_callbacks):
    customer = shop["customer"]
    url = f"/api/v1/recommendations/customers/{customer.pk}/recently-viewed/"
    view(django_capture_on_commit_callbacks, ["P1"], customer_id=customer.pk)
    assert viewed(staff_client, url) == ["P1"]
    view(django_capture_on_commit_callbacks, ["P2"], customer_id=customer.pk)
    assert viewed(staff_client, url) == ["P2", "P1"]


def test_a_customer_reads_only_their_own(shop, django_capture_on_commit_callbacks):
    customer = shop["customer"]
    view(django_capture_on_commit_callbacks, ["P4"], customer_id=customer.pk)
    client = customer_client_for(customer)
    assert viewed(client, "/api/v1/recommendations/me/recently-viewed/") == ["P4"]
    assert viewed(client, f"/api/v1/recommendations/customers/{customer.pk}/recently-viewed/") == ["P4"]
    other = CustomerFactory()
    assert client.get(f"/api/v1/recommendations/customers/{other.pk}/recently-viewed/").status_code == 403
    assert APIClient().get("/api/v1/recommendations/me/recently-viewed/").status_code in (401, 403)


def test_unknown_customer_is_404(shop, staff_client):
    assert staff_client.get("/api/v1/recommendations/customers/987654321/recently-viewed/").status_code == 404


def test_an_anonymous_browser_reads_its_own_session(shop):
    browser = APIClient()
    for sku in ("P2", "P6"):
        assert browser.post("/api/v1/events/collect/", {"events": [{"event_type": "view", "sku": sku}]},
                            format="json").status_code == 201
    assert viewed(browser, "/api/v1/recommendations/session/recently-viewed/") == ["P6", "P2"]
    assert viewed(APIClient(), "/api/v1/recommendations/session/recently-viewed/") == []  # another browser


def test_recently_viewed_template_tag(shop, django_capture_on_commit_callbacks):
    customer = shop["customer"]
    view(django_capture_on_commit_callbacks, ["P1", "P2"], customer_id=customer.pk)
    html = render("{% recently_viewed customer %}", customer=customer)
    assert "Recently viewed" in html
    assert html.index("/product/P2/") < html.index("/product/P1/")
