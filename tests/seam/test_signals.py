"""The built-in shop's saves reach the AI apps as seam signals, and the AI apps listen to nothing else."""
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db.migrations.loader import MigrationLoader

from electroshop.seam import signals, stamps
from electroshop.shop.models import Order
from tests.factories import (
    CategoryFactory,
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReviewFactory,
    StockFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def heard(*seam_signals):
    """Record (signal name, kwargs) of every send of these seam signals."""
    names = {signal: name for name in dir(signals) for signal in seam_signals if getattr(signals, name) is signal}
    sent = []

    def record(signal, sender, **kwargs):
        sent.append((names[signal], kwargs))

    for signal in seam_signals:
        signal.connect(record, weak=False)
    try:
        yield sent
    finally:
        for signal in seam_signals:
            signal.disconnect(record)


def test_catalogue_and_stock_saves_send_catalog_changed_and_stock_changed():
    with heard(signals.catalog_changed, signals.stock_changed) as sent:
        product = ProductFactory(category=None)
        stock = StockFactory(product=product, on_hand=3, on_order=7)
        CategoryFactory()
        stock.delete()
    assert sent == [("catalog_changed", {"product_ids": [product.pk]}),
                    ("stock_changed", {"levels": {product.pk: (3, 7)}}),
                    ("catalog_changed", {"product_ids": None}),
                    ("catalog_changed", {"product_ids": [product.pk]})]


def test_a_new_order_is_placed_once_and_its_lines_and_status_changes_change_the_customers_orders():
    customer = CustomerFactory()
    with heard(signals.order_placed, signals.order_changed) as sent:
        order = OrderFactory(customer=customer)
        OrderLineFactory(order=order)
        order.status = Order.Status.CANCELLED
        order.save()
    assert sent == [("order_changed", {"customer_ids": [customer.pk]}),
                    ("order_placed", {"order_id": order.pk, "customer_id": customer.pk}),
                    ("order_changed", {"customer_ids": [customer.pk]}),
                    ("order_changed", {"customer_ids": [customer.pk]})]


def test_a_customer_moved_to_another_user_names_both_users_and_the_consent():
    first, second = UserFactory(), UserFactory()
    with heard(signals.customer_created, signals.customer_changed) as sent:
        customer = CustomerFactory(user=first)
        customer.user, customer.personalization_consent = second, False
        customer.save()
    assert sent[0] == ("customer_changed", {"customer_id": customer.pk, "user_ids": [first.pk],
                                            "personalization_consent": True})
    assert sent[1] == ("customer_created", {"customer_id": customer.pk})
    assert sent[2][0] == "customer_changed" and sorted(sent[2][1]["user_ids"]) == sorted([first.pk, second.pk])
    assert sent[2][1]["personalization_consent"] is False


def test_a_new_review_is_created_once():
    with heard(signals.review_created) as sent:
        review = ReviewFactory()
        review.save()
    assert sent == [("review_created", {"review_id": review.pk})]


def test_a_shop_that_sends_stock_changed_itself_is_logged_and_forgets_the_cached_cards():
    from forecasting.models import StockSnapshot

    stamps.read_stamp(stamps.SHOP_STAMP_KEY)
    assert cache.get(stamps.SHOP_STAMP_KEY) is not None
    signals.stock_changed.send(sender=None, levels={4242: (0, 5)})
    assert cache.get(stamps.SHOP_STAMP_KEY) is None
    snapshot = StockSnapshot.objects.get(product_id=4242)
    assert (snapshot.on_hand, snapshot.on_order, snapshot.out_of_stock) == (0, 5, True)


def test_the_plugin_apps_migrations_do_not_depend_on_the_shop():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    plugin_apps = {"mlops", "api", "seam", "recommendations", "forecasting", "fraud"}
    for (app, name), migration in loader.disk_migrations.items():
        if app in plugin_apps:
            assert not [dep for dep in migration.dependencies if dep[0] in ("shop", "demo")], (app, name)
