"""A shop without an events table of its own: posted and collected events go to seam_event."""
import pytest
from django.test import override_settings

from electroshop.seam import ShopAdapter, events
from electroshop.seam.models import Event as SeamEvent
from electroshop.shop.adapter import BuiltinShopAdapter
from electroshop.shop.models import Event as ShopEvent
from tests.factories import CustomerFactory, ProductFactory

pytestmark = pytest.mark.django_db


class WithoutEventsTable(BuiltinShopAdapter):
    event_model = ShopAdapter.event_model  # the default: the plugin's own table


@override_settings(ELECTROSHOP={"SHOP_ADAPTER": "tests.seam.test_event_table.WithoutEventsTable"})
def test_events_of_a_shop_without_an_events_table_are_stored_in_the_plugins_table(django_capture_on_commit_callbacks):
    product, customer = ProductFactory(), CustomerFactory()
    heard = []
    events.register_event_listener(heard.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = events.record_events(source="api", rows=[
                {"event_type": "view", "sku": product.sku, "customer_id": customer.pk, "event_id": "e-1"},
                {"event_type": "cart", "product_id": product.pk, "session_id": "s-1"},
            ])
            again = events.record_events(source="api", rows=[{"event_type": "view", "sku": product.sku,
                                                              "customer_id": customer.pk, "event_id": "e-1"}])
        with django_capture_on_commit_callbacks(execute=True):
            events.attach_session_events(session_id="s-1", customer_id=customer.pk)
    finally:
        events.unregister_event_listener(heard.append)
    assert (result.created, again.duplicates) == (2, 1)
    assert not ShopEvent.objects.exists()
    rows = sorted(SeamEvent.objects.values_list("event_type", "product_id", "customer_id"))
    assert rows == [("cart", product.pk, customer.pk), ("view", product.pk, customer.pk)]
    assert [(r.source, len(r.events)) for r in heard] == [("api", 2), ("api", 0), ("sign-in", 1)]


@override_settings(ELECTROSHOP={"SHOP_ADAPTER": "tests.seam.test_event_table.WithoutEventsTable"})
def test_an_unknown_product_is_refused_whatever_the_events_table():
    with pytest.raises(events.EventBatchError) as refused:
        events.record_events(source="api", rows=[{"event_type": "view", "product_id": 999999, "session_id": "s"}])
    assert refused.value.errors[0]["field"] == "product_id"
    assert not SeamEvent.objects.exists()
