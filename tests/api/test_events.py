"""POST /api/v1/events/: all-or-nothing batches with per-row errors, deduplication, listeners."""
import pytest
from django.test import override_settings

from electroshop.seam import events as events_service
from electroshop.shop.models import Event

URL = "/api/v1/events/"


def _post(client, events):
    return client.post(URL, {"events": events}, format="json")


@pytest.mark.django_db
def test_a_valid_batch_is_stored(staff_client, products, customer):
    response = _post(staff_client, [
        {"event_type": "view", "sku": "SKU-0", "customer_id": customer.pk, "occurred_at": "2026-01-02T03:04:05Z",
         "device": "mobile", "traffic_source": "email", "dwell_seconds": 12.5, "recommendation_id": "rec-1"},
        {"event_type": "cart", "product_id": products[1].pk, "session_id": "s-1"},
        {"event_type": "search", "session_id": "s-1", "query": "usb cable"},
    ])
    assert response.status_code == 201, response.content
    assert response.json() == {"created": 3, "duplicates": 0}
    view = Event.objects.get(event_type="view")
    assert (view.product_id, view.customer_id, view.device, view.dwell_seconds) == (products[0].pk, customer.pk, "mobile", 12.5)
    assert view.occurred_at.isoformat() == "2026-01-02T03:04:05+00:00"
    assert Event.objects.get(event_type="search").product_id is None


@pytest.mark.django_db
def test_one_bad_row_stores_nothing_and_every_problem_is_listed(staff_client, products, customer):
    response = _post(staff_client, [
        {"event_type": "view", "sku": "SKU-0", "customer_id": customer.pk},
        {"event_type": "teleport", "sku": "SKU-0", "customer_id": customer.pk},
        {"event_type": "view", "sku": "NOPE", "customer_id": customer.pk},
        {"event_type": "view", "sku": "SKU-1", "customer_id": 999999},
        {"event_type": "view", "sku": "SKU-1", "session_id": "s", "occurred_at": "yesterday"},
        {"event_type": "view", "sku": "SKU-1", "session_id": "s", "colour": "red"},
        {"event_type": "view", "sku": "SKU-1"},
        {"event_type": "view", "sku": "SKU-1", "session_id": "s", "dwell_seconds": "long"},
    ])
    assert response.status_code == 400
    errors = response.json()["errors"]
    by_index = {(e["index"], e["field"]) for e in errors}
    assert (1, "event_type") in by_index
    assert (4, "occurred_at") in by_index
    assert (5, "colour") in by_index
    assert (6, "customer_id") in by_index
    assert (7, "dwell_seconds") in by_index
    assert all(e["message"] for e in errors)
    assert not Event.objects.exists()
    # References are checked once the rows are well-formed.
    response = _post(staff_client, [
        {"event_type": "view", "sku": "SKU-0", "customer_id": customer.pk},
        {"event_type": "view", "sku": "NOPE", "customer_id": customer.pk},
        {"event_type": "view", "sku": "SKU-1", "customer_id": 999999},
        {"event_type": "view", "product_id": 2**62, "session_id": "s"},
    ])
    assert response.status_code == 400
    assert {(e["index"], e["field"]) for e in response.json()["errors"]} == {
        (1, "sku"), (2, "customer_id"), (3, "product_id"),
    }
    assert not Event.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "field"), [
    ({"event_type": "view", "product_id": 10**30, "session_id": "s"}, "product_id"),
    ({"event_type": "view", "product_id": -1, "session_id": "s"}, "product_id"),
    ({"event_type": "view", "product_id": True, "session_id": "s"}, "product_id"),
    ({"event_type": "view", "sku": "SKU-0", "customer_id": 1.5}, "customer_id"),
    ('{"event_type": "view", "sku": "SKU-0", "session_id": "s", "dwell_seconds": 1e400}', "dwell_seconds"),
    ({"event_type": "view", "sku": "SKU-0", "session_id": "s", "occurred_at": "2026-02-30T00:00:00Z"}, "occurred_at"),
    ({"event_type": "view", "sku": "SKU-0", "session_id": "s", "occurred_at": "9999-12-31T23:59:59-12:00"}, "occurred_at"),
    ({"event_type": "view", "sku": "SKU-0", "session_id": "s", "occurred_at": 1700000000}, "occurred_at"),
    ({"event_type": "view", "sku": "SKU-0", "session_id": "s" * 500}, "session_id"),
    ({"event_type": "view", "sku": "SKU-0", "session_id": "a\x00b"}, "session_id"),
    ('{"event_type": "view", "sku": "SKU-0", "session_id": "\\ud800"}', "session_id"),
    ({"event_type": "view", "sku": ["SKU-0"], "session_id": "s"}, "sku"),
    ({"event_type": "view", "sku": "SKU-0", "product_id": 1, "session_id": "s"}, "sku"),
    ({"event_type": "search", "session_id": "s"}, "query"),
    ({"event_type": None, "sku": "SKU-0", "session_id": "s"}, "event_type"),
])
def test_bad_values_are_400_naming_the_field(staff_client, products, row, field):
    if isinstance(row, str):  # raw JSON the test client's encoder would refuse to produce
        response = staff_client.post(URL, data=f'{{"events": [{row}]}}'.encode(), content_type="application/json")
    else:
        response = _post(staff_client, [row])
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field], response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"events": "x"}, {"events": []}, {"events": [1]}, {"events": None},
                                  {"events": [], "extra": 1}, [], "events", 12])
def test_bad_envelopes_are_400(staff_client, body):
    response = staff_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] in ("events", "extra", "non_field_errors")


@pytest.mark.django_db
def test_malformed_json_is_400(staff_client):
    response = staff_client.post(URL, data=b'{"events": [', content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


@pytest.mark.django_db
@override_settings(ELECTROSHOP={"EVENTS_BATCH_MAX": 5})
def test_batch_size_limit(staff_client, products):
    rows = [{"event_type": "view", "sku": "SKU-0", "session_id": "s"}] * 6
    response = _post(staff_client, rows)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"
    assert _post(staff_client, rows[:5]).status_code == 201


@pytest.mark.django_db
def test_a_full_batch_of_the_default_maximum_is_accepted(staff_client, products, django_assert_max_num_queries):
    from electroshop.conf import electroshop_settings

    rows = [{"event_type": "view", "sku": f"SKU-{i % 3}", "session_id": f"s{i}", "event_id": f"e{i}"}
            for i in range(electroshop_settings.EVENTS_BATCH_MAX)]
    with django_assert_max_num_queries(25):  # a constant, not one per row (SQLite splits inserts by its parameter limit)
        response = _post(staff_client, rows)
    assert response.status_code == 201
    assert Event.objects.count() == electroshop_settings.EVENTS_BATCH_MAX


@pytest.mark.django_db
def test_event_ids_deduplicate_within_and_across_batches(staff_client, products):
    rows = [
        {"event_type": "view", "sku": "SKU-0", "session_id": "s", "event_id": "a"},
        {"event_type": "view", "sku": "SKU-0", "session_id": "s", "event_id": "a"},
        {"event_type": "view", "sku": "SKU-1", "session_id": "s", "event_id": "b"},
        {"event_type": "view", "sku": "SKU-1", "session_id": "s"},
    ]
    assert _post(staff_client, rows).json() == {"created": 3, "duplicates": 1}
    assert _post(staff_client, rows).json() == {"created": 1, "duplicates": 3}
    assert Event.objects.filter(dedupe_key__isnull=False).count() == 2
    assert set(Event.objects.values_list("dedupe_key", flat=True)) == {"a", "b", None}


@pytest.mark.django_db(transaction=True)
def test_listeners_hear_each_stored_batch_after_commit(staff_client, products):
    heard = []

    def listener(result):
        heard.append((result.source, result.created, [e.pk is not None for e in result.events]))

    events_service.register_event_listener(listener)
    try:
        _post(staff_client, [{"event_type": "view", "sku": "SKU-0", "session_id": "s"}])
        _post(staff_client, [{"event_type": "view", "sku": "NOPE", "session_id": "s"}])  # refused: not heard
    finally:
        events_service.unregister_event_listener(listener)
    assert heard == [("api", 1, [True])]


@pytest.mark.django_db
def test_a_failing_listener_does_not_fail_the_request(staff_client, products, django_capture_on_commit_callbacks):
    def broken(result):
        raise RuntimeError("boom")

    events_service.register_event_listener(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = _post(staff_client, [{"event_type": "view", "sku": "SKU-0", "session_id": "s"}])
    finally:
        events_service.unregister_event_listener(broken)
    assert response.status_code == 201
    assert Event.objects.count() == 1


@pytest.mark.django_db
def test_write_throttle(staff_client, products, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"write": "2/min", "collect": "120/min"}}
    rows = [{"event_type": "view", "sku": "SKU-0", "session_id": "s"}]
    assert [_post(staff_client, rows).status_code for _ in range(3)] == [201, 201, 429]
