"""Attribution: events and orders counted exactly, on the right list group, once, incrementally."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from electroshop.shop.models import Order
from experiments.attribution import attribute_new_activity
from experiments.models import Activity, Conversion, Cursor
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

from .activity import event, experiment_with_variants, list_id

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
DAY = date(2026, 5, 10)


def activity() -> dict[tuple, tuple]:
    """(day, placement, strategy, version, experiment, variant, subject) -> (impressions, clicks, carts, orders,
    revenue)."""
    return {(a.day, a.placement, a.strategy, a.model_version, a.experiment_id, a.variant, a.subject):
            (a.impressions, a.clicks, a.add_to_carts, a.orders, a.revenue) for a in Activity.objects.all()}


@pytest.fixture
def products():
    return [ProductFactory(price=Decimal("25.00")), ProductFactory(price=Decimal("80.00"))]


def test_events_count_exactly_on_their_list_group_and_subject(products):
    experiment = experiment_with_variants()
    customer = CustomerFactory()
    treatment = list_id(experiment=experiment.pk, variant=1, strategy="trending")
    similar = list_id(version=3, placement="similar", random_part="ff00")
    unknown = list_id(experiment=987654, variant=1, random_part="9999")
    at = NOW - timedelta(hours=2)
    for position in (1, 2, 3):
        event("impression", at=at, rid=f"{treatment}.{position}", product=products[0], customer=customer)
    event("click", at=at, rid=f"{treatment}.1", product=products[0], customer=customer)
    event("cart", at=at, rid=f"{treatment}.1", product=products[0], customer=customer)
    event("impression", at=at - timedelta(days=1), rid=f"{treatment}.2", product=products[1], customer=customer)
    for position in (1, 2):
        event("impression", at=at, rid=f"{similar}.{position}", product=products[1], session="guest-1")
    event("click", at=at, rid=f"{similar}.2", product=products[1], session="guest-1")
    event("impression", at=at, rid=f"{unknown}.1", product=products[0], customer=customer)
    event("view", at=at, rid=f"{similar}.1", product=products[1], session="guest-1")  # not a counted event type
    event("click", at=at, rid="", product=products[1], session="guest-1")  # no list

    report = attribute_new_activity(now=NOW)

    subject = f"customer:{customer.pk}"
    zero = Decimal("0")
    assert activity() == {
        (DAY, "customer", "trending", 7, experiment.pk, "trending", subject): (3, 1, 1, 0, zero),
        (DAY - timedelta(days=1), "customer", "trending", 7, experiment.pk, "trending", subject): (1, 0, 0, 0, zero),
        (DAY, "similar", "active", 3, 0, "", "session:guest-1"): (2, 1, 0, 0, zero),
        (DAY, "customer", "active", 7, 0, "", subject): (1, 0, 0, 0, zero),  # an experiment that does not exist
    }
    assert report["events_read"] == 10 and report["events_skipped"] == 0 and report["conversions"] == 0
    assert report["touched"] == {key[:-1] for key in activity()}


def test_a_list_level_exposure_counts_the_subject_but_no_impression(products):
    experiment = experiment_with_variants()
    holdout = list_id(experiment=experiment.pk, variant=0, strategy="none")
    event("impression", at=NOW - timedelta(minutes=5), rid=f"{holdout}.0", session="visitor-7")

    attribute_new_activity(now=NOW)

    assert activity() == {(DAY, "customer", "none", 7, experiment.pk, "control", "session:visitor-7"):
                          (0, 0, 0, 0, Decimal("0"))}


def test_a_purchase_event_is_a_conversion_at_the_products_price_counted_once(products):
    customer = CustomerFactory()
    rid = list_id()
    event("purchase", at=NOW - timedelta(hours=1), rid=f"{rid}.2", product=products[1], customer=customer)
    event("purchase", at=NOW - timedelta(minutes=30), rid=f"{rid}.2", product=products[1], customer=customer)

    report = attribute_new_activity(now=NOW)

    conversion = Conversion.objects.get()
    assert (conversion.list_id, conversion.product_id, conversion.subject, conversion.source, conversion.revenue) == (
        rid, products[1].pk, f"customer:{customer.pk}", "purchase_event", Decimal("80.00"))
    assert report["conversions"] == 1
    subject = f"customer:{customer.pk}"
    assert activity() == {(DAY, "customer", "active", 7, 0, "", subject): (0, 0, 0, 1, Decimal("80.00"))}


def _order(customer, product, *, at: datetime, quantity: int = 1, status: str = Order.Status.PAID) -> Order:
    order = OrderFactory(customer=customer, created_at=at, status=status)
    OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=Decimal("12.50"))
    return order


def test_an_order_is_credited_to_the_last_click_within_the_window(products):
    customer = CustomerFactory()
    first, last = list_id(random_part="first"), list_id(version=8, random_part="last")
    order_at = NOW - timedelta(hours=1)
    event("click", at=order_at - timedelta(days=3), rid=f"{first}.1", product=products[0], customer=customer)
    event("click", at=order_at - timedelta(days=1), rid=f"{last}.4", product=products[0], customer=customer)
    event("click", at=order_at - timedelta(hours=1), rid=f"{first}.2", product=products[1], customer=customer)
    order = _order(customer, products[0], at=order_at, quantity=2)
    OrderLineFactory(order=order, product=products[0], quantity=1, unit_price=Decimal("12.50"))  # a second line

    report = attribute_new_activity(now=NOW)

    conversion = Conversion.objects.get()
    assert (conversion.list_id, conversion.source, conversion.order_id, conversion.revenue) == (
        last, "order", order.pk, Decimal("37.50"))
    assert report["conversions"] == 1 and report["order_lines_read"] == 2
    orders = {key: value for key, value in activity().items() if value[3]}
    # the click was the day before: the order counts on the order's day
    assert orders == {(DAY, "customer", "active", 8, 0, "", f"customer:{customer.pk}"): (0, 0, 0, 1, Decimal("37.50"))}


def test_orders_outside_the_window_cancelled_or_of_guests_are_not_credited(products):
    customer, other = CustomerFactory(), CustomerFactory()
    rid = list_id()
    order_at = NOW - timedelta(hours=1)
    event("click", at=order_at - timedelta(days=7, minutes=1), rid=f"{rid}.1", product=products[0], customer=customer)
    event("click", at=order_at + timedelta(minutes=10), rid=f"{rid}.2", product=products[1], customer=customer)
    event("click", at=order_at - timedelta(hours=2), rid=f"{rid}.1", product=products[0], customer=other)
    _order(customer, products[0], at=order_at)  # the click is 7 days and a minute old
    _order(customer, products[1], at=order_at)  # clicked after the order
    _order(other, products[0], at=order_at, status=Order.Status.CANCELLED)
    _order(None, products[0], at=order_at)  # a guest: no session in order lines

    report = attribute_new_activity(now=NOW)

    assert report["conversions"] == 0 and not Conversion.objects.exists()
    assert sum(row[3] for row in activity().values()) == 0


def test_a_purchase_event_and_its_order_count_once_even_from_different_lists(products):
    customer = CustomerFactory()
    clicked, cart_list = list_id(random_part="clicked"), list_id(placement="cart", random_part="cart")
    order_at = NOW - timedelta(hours=1)
    event("click", at=order_at - timedelta(hours=3), rid=f"{clicked}.1", product=products[0], customer=customer)
    event("click", at=order_at - timedelta(hours=2), rid=f"{clicked}.2", product=products[1], customer=customer)
    event("purchase", at=order_at, rid=f"{clicked}.1", product=products[0], customer=customer)  # the same list
    event("purchase", at=order_at, rid=f"{cart_list}.1", product=products[1], customer=customer)  # another list
    order = _order(customer, products[0], at=order_at)
    OrderLineFactory(order=order, product=products[1], quantity=1, unit_price=Decimal("80.00"))

    report = attribute_new_activity(now=NOW)

    assert report["conversions"] == 2
    assert sorted(Conversion.objects.values_list("list_id", "product_id", "source")) == sorted([
        (clicked, products[0].pk, "purchase_event"), (cart_list, products[1].pk, "purchase_event")])
    assert sum(row[3] for row in activity().values()) == 2


def test_a_second_run_adds_only_what_is_new_and_rereading_orders_is_harmless(products, settings):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "EXPERIMENTS_EVENT_BATCH_SIZE": 2}  # several batches
    customer = CustomerFactory()
    rid = list_id()
    subject = f"customer:{customer.pk}"
    key = (DAY, "customer", "active", 7, 0, "", subject)
    for position in (1, 2, 3):
        event("impression", at=NOW - timedelta(hours=3), rid=f"{rid}.{position}", product=products[0],
              customer=customer)
    event("click", at=NOW - timedelta(hours=3), rid=f"{rid}.1", product=products[0], customer=customer)
    _order(customer, products[0], at=NOW - timedelta(minutes=2))

    first = attribute_new_activity(now=NOW)
    assert (first["events_read"], first["conversions"]) == (4, 1)
    assert activity()[key] == (3, 1, 0, 1, Decimal("12.50"))

    event("impression", at=NOW + timedelta(minutes=1), rid=f"{rid}.4", product=products[1], customer=customer)
    event("click", at=NOW + timedelta(minutes=2), rid=f"{rid}.4", product=products[1], customer=customer)
    second = attribute_new_activity(now=NOW + timedelta(minutes=5))  # re-reads the order in the overlap

    assert (second["events_read"], second["conversions"], second["order_lines_read"]) == (2, 0, 1)
    assert activity()[key] == (4, 2, 0, 1, Decimal("12.50"))
    assert second["touched"] == {key[:-1]}
    cursor = Cursor.objects.get(name="attribution")
    assert cursor.moment == NOW + timedelta(minutes=5)
    assert attribute_new_activity(now=NOW + timedelta(minutes=6))["events_read"] == 0


def test_ids_that_do_not_name_a_list_are_skipped_and_counted(products):
    customer = CustomerFactory()
    for rid in ("not-an-id", "7-active-customer-0-0-abc", f"7-{'x' * 41}-customer-0-0-abc.1", "7-a-b-c-d-e.1",
                f"{2**40}-active-customer-0-0-abc.1"):
        event("click", at=NOW - timedelta(hours=1), rid=rid, product=products[0], customer=customer)
    event("purchase", at=NOW - timedelta(hours=1), rid=f"{list_id()}.1", customer=customer)  # no product
    event("click", at=NOW - timedelta(hours=1), rid=f"{list_id()}.1", product=products[0], customer=customer)

    report = attribute_new_activity(now=NOW)

    assert (report["events_read"], report["events_skipped"]) == (7, 6)
    assert activity() == {(DAY, "customer", "active", 7, 0, "", f"customer:{customer.pk}"): (0, 1, 0, 0, Decimal("0"))}


def test_earlier_recommendation_ids_count_with_their_list_kind_as_placement(products):
    event("click", at=NOW - timedelta(hours=1), rid="5-similar-0a1b2c3d4e.3", product=products[0], session="s-1")

    attribute_new_activity(now=NOW)

    assert list(activity()) == [(DAY, "similar", "similar", 0, 0, "", "session:s-1")]


def test_a_late_click_on_another_list_does_not_count_an_order_line_twice(products):
    customer = CustomerFactory()
    clicked, late = list_id(random_part="first"), list_id(placement="similar", random_part="late")
    order_at = NOW - timedelta(minutes=5)
    event("click", at=order_at - timedelta(hours=2), rid=f"{clicked}.1", product=products[0], customer=customer)
    order = _order(customer, products[0], at=order_at)
    assert attribute_new_activity(now=NOW)["conversions"] == 1
    # a click in another list, made before the order but posted after the run: the order's last click now
    event("click", at=order_at - timedelta(minutes=30), rid=f"{late}.3", product=products[0], customer=customer)

    report = attribute_new_activity(now=NOW + timedelta(minutes=5))  # re-reads the order in the overlap

    assert (report["conversions"], report["order_lines_read"], report["events_read"]) == (0, 1, 1)
    assert list(Conversion.objects.values_list("list_id", "order_id", "product_id")) == [
        (clicked, order.pk, products[0].pk)]
    subject = f"customer:{customer.pk}"
    assert activity() == {(DAY, "customer", "active", 7, 0, "", subject): (0, 1, 0, 1, Decimal("12.50")),
                          (DAY, "similar", "active", 7, 0, "", subject): (0, 1, 0, 0, Decimal("0"))}


def test_a_sessions_click_is_credited_to_the_order_of_the_customer_who_signs_in_from_it(products):
    from electroshop.seam.events import attach_session_events

    customer, clicked = CustomerFactory(), list_id(placement="session", strategy="session", random_part="anon")
    order_at = NOW - timedelta(hours=1)
    event("click", at=order_at - timedelta(hours=3), rid=f"{clicked}.2", product=products[1], session="browser-1")
    attach_session_events(session_id="browser-1", customer_id=customer.pk)  # the visitor signs in
    order = _order(customer, products[1], at=order_at, quantity=1)

    attribute_new_activity(now=NOW)

    conversion = Conversion.objects.get()
    assert (conversion.list_id, conversion.order_id, conversion.subject) == (clicked, order.pk, f"customer:{customer.pk}")
