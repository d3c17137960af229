"""POST /api/v1/events/collect/: a browser's own events, same origin, session identity, throttled."""
import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from electroshop.seam import events as events_service
from electroshop.seam.events import COLLECT_BATCH_MAX, session_event_key
from electroshop.shop.models import Customer, Event

URL = "/api/v1/events/collect/"
VIEW = {"event_type": "view", "sku": "SKU-0"}


def _collect(client, events, **headers):
    return client.post(URL, {"events": events}, format="json", **headers)


@pytest.mark.django_db
def test_anonymous_browser_gets_a_session_and_its_events_are_recorded(anon_client, products):
    response = _collect(anon_client, [VIEW, {"event_type": "search", "query": "cable"}])
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 2, "duplicates": 0}
    session_key = anon_client.cookies["sessionid"].value  # the session was created for the browser
    assert set(Event.objects.values_list("session_id", flat=True)) == {session_event_key(session_key)}
    assert not Event.objects.filter(customer__isnull=False).exists()
    # The same browser keeps its session on the next batch.
    _collect(anon_client, [VIEW])
    assert set(Event.objects.values_list("session_id", flat=True)) == {session_event_key(session_key)}
    assert session_key not in set(Event.objects.values_list("session_id", flat=True))  # never the raw key


@pytest.mark.django_db
def test_the_shops_session_id_cookie_is_used_without_a_django_session(products):
    client = APIClient()
    client.cookies["session_id"] = "storefront-visitor-7"
    assert _collect(client, [VIEW]).status_code == 201
    assert Event.objects.get().session_id == "storefront-visitor-7"


@pytest.mark.django_db
def test_a_logged_in_customer_gets_their_own_customer_attached(customer_client, customer_user, products):
    assert _collect(customer_client, [VIEW]).status_code == 201
    assert Event.objects.get().customer_id == customer_user.customer.pk


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["customer_id", "session_id"])
def test_the_caller_cannot_choose_identity(anon_client, products, customer, field):
    response = _collect(anon_client, [{**VIEW, field: customer.pk if field == "customer_id" else "victim"}])
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": field, "message": "Unknown field."}]
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_a_browser_cannot_claim_purchases(anon_client, products):
    response = _collect(anon_client, [{"event_type": "purchase", "sku": "SKU-0"}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "event_type"


@pytest.mark.django_db
@pytest.mark.parametrize(("headers", "allowed"), [
    ({}, True),
    ({"HTTP_ORIGIN": "http://testserver"}, True),
    ({"HTTP_ORIGIN": "http://testserver:80"}, True),
    ({"HTTP_REFERER": "http://testserver/products/1/"}, True),
    ({"HTTP_ORIGIN": "https://evil.example"}, False),
    ({"HTTP_ORIGIN": "http://testserver.evil.example"}, False),
    ({"HTTP_ORIGIN": "http://testserver:8080"}, False),
    ({"HTTP_ORIGIN": "null"}, False),
    ({"HTTP_REFERER": "https://evil.example/page"}, False),
    ({"HTTP_ORIGIN": "https://evil.example", "HTTP_REFERER": "http://testserver/"}, False),
])
def test_same_origin_check(anon_client, products, headers, allowed):
    response = _collect(anon_client, [VIEW], **headers)
    assert response.status_code == (201 if allowed else 403), response.content
    assert Event.objects.exists() is allowed


@pytest.mark.django_db
def test_trusted_origins_are_allowed(anon_client, products, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://shop.example"]
    assert _collect(anon_client, [VIEW], HTTP_ORIGIN="https://shop.example").status_code == 201


@pytest.mark.django_db
def test_small_batches_only(anon_client, products):
    response = _collect(anon_client, [VIEW] * (COLLECT_BATCH_MAX + 1))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_browser_event_ids_deduplicate_per_session_and_cannot_shadow_server_ids(anon_client, staff_client, products):
    row = {**VIEW, "event_id": "e-1"}
    assert _collect(anon_client, [row]).json() == {"created": 1, "duplicates": 0}
    assert _collect(anon_client, [row]).json() == {"created": 0, "duplicates": 1}
    # The shop's back end later sends its own event "e-1": it is not mistaken for the browser's.
    response = staff_client.post("/api/v1/events/", {"events": [{**row, "session_id": "s"}]}, format="json")
    assert response.json() == {"created": 1, "duplicates": 0}


@pytest.mark.django_db
def test_collect_is_throttled_per_client_address(products, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write": "600/min", "collect": "3/min"}}
    client = APIClient()
    codes = [_collect(client, [VIEW]).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    # A new session (or a forged X-Forwarded-For) from the same address does not reset the budget.
    other = APIClient()
    assert _collect(other, [VIEW], HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    assert Event.objects.count() == 3


@pytest.mark.django_db
def test_logged_in_collect_needs_no_csrf_token_but_same_origin(customer_user, products):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer_user)
    assert _collect(client, [VIEW], HTTP_ORIGIN="http://testserver").status_code == 201
    assert _collect(client, [VIEW], HTTP_ORIGIN="https://evil.example").status_code == 403


@pytest.mark.django_db
def test_form_posts_are_refused(anon_client, products):
    response = anon_client.post(URL, {"events": "x"})  # multipart, as a cross-site HTML form would send
    assert response.status_code == 415
    assert not Event.objects.exists()


@pytest.mark.django_db
def test_at_sign_in_the_browsers_anonymous_events_join_the_customer(anon_client, products,
                                                                   django_capture_on_commit_callbacks):
    _collect(anon_client, [VIEW, {"event_type": "search", "query": "cable"}])
    Event.objects.create(session_id="another-browser", product=products[1], event_type="view")
    user = get_user_model().objects.create_user("carol", None, None)
    customer = Customer.objects.create(email="carol@example.com", user=user)
    heard = []
    events_service.register_event_listener(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            anon_client.force_login(user)
    finally:
        events_service.unregister_event_listener(heard.append)
    assert sorted(Event.objects.filter(customer=customer).values_list("event_type", flat=True)) == ["search", "view"]
    assert Event.objects.get(session_id="another-browser").customer_id is None  # only this browser's
    assert [(r.source, len(r.events)) for r in heard] == [("sign-in", 2)]  # listeners refresh the live lists
    # Signing in again from the same browser joins nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        anon_client.force_login(user)
    assert Event.objects.filter(customer=customer).count() == 2
