"""Every order of a subject after its exposure in an experiment, attributed to a list or not
(Activity.all_orders / all_revenue): what a holdout is compared on."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from electroshop.shop.models import Order
from experiments.attribution import attribute_new_activity
from experiments.models import Activity, Experiment, Variant
from tests.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

from .activity import event, list_id

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 10, 12, 0, tzinfo=UTC)
DAY = date(2026, 5, 10)
ZERO = Decimal("0")


def rows() -> dict[tuple, tuple]:
    """(day, placement, strategy, version, experiment, variant, subject) -> (impressions, clicks, orders, revenue,
    all_orders, all_revenue)."""
    return {(a.day, a.placement, a.strategy, a.model_version, a.experiment_id, a.variant, a.subject):
            (a.impressions, a.clicks, a.orders, a.revenue, a.all_orders, a.all_revenue)
            for a in Activity.objects.all()}


def _experiment(name: str, placement: str, variants: list[tuple[str, str]], *, started_at: datetime,
                stopped_at: datetime | None = None) -> Experiment:
    status = Experiment.Status.STOPPED if stopped_at else Experiment.Status.RUNNING
    experiment = Experiment.objects.create(name=name, placement=placement, status=status, started_at=started_at,
                                           stopped_at=stopped_at)
    for position, (variant, strategy) in enumerate(variants):
        Variant.objects.create(experiment=experiment, name=variant, position=position, weight=1, strategy=strategy)
    return experiment


def _order(customer, lines: list[tuple], *, at: datetime, status: str = Order.Status.PAID) -> Order:
    order = OrderFactory(customer=customer, created_at=at, status=status)
    for product, quantity, unit_price in lines:
        OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=Decimal(unit_price))
    return order


def test_orders_after_exposure_count_once_per_order_on_the_latest_exposure_group():
    tv, cable = ProductFactory(price=Decimal("80.00")), ProductFactory(price=Decimal("12.50"))
    test = _experiment("lists vs none", "customer", [("control", "active"), ("holdout", "none")],
                       started_at=NOW - timedelta(days=3))
    earlier = _experiment("similar, stopped", "similar", [("x", "active")], started_at=NOW - timedelta(days=5),
                          stopped_at=NOW - timedelta(days=2, hours=1))
    held, shown, unexposed = CustomerFactory(), CustomerFactory(), CustomerFactory()
    # held out: a list-level exposure the day before; also seen in the stopped experiment before it stopped
    event("impression", at=NOW - timedelta(days=1), customer=held,
          rid=f"{list_id(strategy='none', experiment=test.pk, variant=1)}.0")
    event("impression", at=NOW - timedelta(days=3), product=tv, customer=held,
          rid=f"{list_id(placement='similar', experiment=earlier.pk)}.1")
    # shown lists: version 7 yesterday, version 8 today (the latest exposure), clicked the cable in it
    event("impression", at=NOW - timedelta(days=1), product=tv, customer=shown,
          rid=f"{list_id(experiment=test.pk)}.1")
    today = list_id(version=8, experiment=test.pk, random_part="today")
    event("impression", at=NOW - timedelta(hours=4), product=cable, customer=shown, rid=f"{today}.1")
    event("click", at=NOW - timedelta(hours=3, minutes=30), product=cable, customer=shown, rid=f"{today}.1")

    _order(held, [(cable, 2, "12.50"), (tv, 1, "80.00")], at=NOW - timedelta(hours=2))  # one order of 105.00
    _order(held, [(tv, 1, "80.00")], at=NOW - timedelta(hours=3), status=Order.Status.CANCELLED)
    _order(held, [(tv, 1, "80.00")], at=NOW - timedelta(days=2))  # before its first exposure (and after the stop)
    _order(shown, [(cable, 1, "12.50")], at=NOW - timedelta(hours=3))  # attributed to the clicked list too
    _order(shown, [(tv, 1, "12.50")], at=NOW - timedelta(hours=2, minutes=30))  # no click: counts in all only
    _order(unexposed, [(tv, 1, "80.00")], at=NOW - timedelta(hours=2))
    _order(None, [(tv, 1, "80.00")], at=NOW - timedelta(hours=2))  # a guest: no subject
    _order(held, [(cable, 1, "12.50")], at=NOW - timedelta(minutes=5))  # inside the overlap: the next run's

    report = attribute_new_activity(now=NOW)

    held_key, shown_key = f"customer:{held.pk}", f"customer:{shown.pk}"
    expected = {
        (DAY - timedelta(days=3), "similar", "active", 7, earlier.pk, "x", held_key): (1, 0, 0, ZERO, 0, ZERO),
        (DAY - timedelta(days=1), "customer", "none", 7, test.pk, "holdout", held_key): (0, 0, 0, ZERO, 0, ZERO),
        (DAY, "customer", "none", 7, test.pk, "holdout", held_key): (0, 0, 0, ZERO, 1, Decimal("105.00")),
        (DAY - timedelta(days=1), "customer", "active", 7, test.pk, "control", shown_key): (1, 0, 0, ZERO, 0, ZERO),
        (DAY, "customer", "active", 8, test.pk, "control", shown_key): (1, 1, 1, Decimal("12.50"), 2, Decimal("25.00")),
    }
    assert rows() == expected
    assert report["conversions"] == 1
    assert (DAY, "customer", "none", 7, test.pk, "holdout") in report["touched"]

    second = attribute_new_activity(now=NOW + timedelta(minutes=20))  # re-reads the last 15 minutes of orders
    expected[(DAY, "customer", "none", 7, test.pk, "holdout", held_key)] = (0, 0, 0, ZERO, 2, Decimal("117.50"))
    assert rows() == expected and second["order_lines_read"] == 1
    attribute_new_activity(now=NOW + timedelta(minutes=40))
    assert rows() == expected


def test_an_order_before_the_experiment_started_does_not_count():
    product = ProductFactory(price=Decimal("20.00"))
    test = _experiment("lists vs none", "customer", [("control", "active"), ("holdout", "none")],
                       started_at=NOW - timedelta(hours=2))
    customer = CustomerFactory()
    # orders are read from the first list shown (here one outside any experiment)
    event("impression", at=NOW - timedelta(hours=6), product=product, customer=CustomerFactory(), rid=f"{list_id()}.1")
    event("impression", at=NOW - timedelta(hours=1), customer=customer,
          rid=f"{list_id(strategy='none', experiment=test.pk, variant=1)}.0")
    _order(customer, [(product, 1, "20.00")], at=NOW - timedelta(hours=3))  # the same day, before the start
    _order(customer, [(product, 3, "20.00")], at=NOW - timedelta(minutes=30))  # after it: counts

    report = attribute_new_activity(now=NOW)

    assert report["order_lines_read"] == 2
    assert rows()[(DAY, "customer", "none", 7, test.pk, "holdout", f"customer:{customer.pk}")] == (
        0, 0, 0, ZERO, 1, Decimal("60.00"))
