"""Demand history: cancellations and refunds removed, out-of-stock days censored, category roll-ups."""
from datetime import date, timedelta

import pytest
from django.utils import timezone

from electroshop.shop.models import Order, OrderLine, Stock
from forecasting import inputs, selectors, services
from forecasting.models import StockSnapshot
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory

from .conftest import at

DAY = date(2026, 3, 10)


def sell(product, day, quantity, status=Order.Status.PAID, number=None):
    order = Order.objects.create(number=number or f"O-{product.pk}-{day}-{status}-{quantity}",
                                 customer=CustomerFactory(), created_at=at(day), status=status)
    OrderLine.objects.create(order=order, product=product, quantity=quantity, unit_price=product.price)


@pytest.mark.django_db
def test_stock_saves_log_out_of_stock_days_and_a_day_stays_censored():
    product = ProductFactory()
    stock = Stock.objects.create(product=product, on_hand=3)
    today = timezone.localdate()
    assert not StockSnapshot.objects.get(product_id=product.pk, date=today).out_of_stock
    stock.on_hand = 0
    stock.save()
    stock.on_hand = 12  # restocked later the same day: the day's demand was still cut off
    stock.save()
    snapshot = StockSnapshot.objects.get(product_id=product.pk, date=today)
    assert snapshot.out_of_stock and snapshot.on_hand == 12


@pytest.mark.django_db
def test_daily_snapshot_carries_stock_outs_into_new_days_idempotently():
    empty, full = ProductFactory(), ProductFactory()
    Stock.objects.create(product=empty, on_hand=0)
    Stock.objects.create(product=full, on_hand=5)
    later = timezone.localdate() + timedelta(days=1)
    assert services.snapshot_stock_levels(day=later) == 2
    assert services.snapshot_stock_levels(day=later) == 2
    rows = dict(StockSnapshot.objects.filter(date=later).values_list("product_id", "out_of_stock"))
    assert rows == {empty.pk: True, full.pk: False}


@pytest.mark.django_db
def test_demand_history_marks_censored_days_and_ignores_cancellations():
    product = ProductFactory()
    sell(product, DAY, 4)
    sell(product, DAY, 100, status=Order.Status.CANCELLED)
    sell(product, DAY + timedelta(days=1), 100, status=Order.Status.REFUNDED)
    sell(product, DAY + timedelta(days=2), 1)           # sold out after one unit: a lower bound of demand
    services.record_stock_level(product_id=product.pk, on_hand=0, day=DAY + timedelta(days=2))
    services.record_stock_level(product_id=product.pk, on_hand=0, day=DAY + timedelta(days=3))  # no sale possible
    services.record_stock_level(product_id=product.pk, on_hand=9, day=DAY + timedelta(days=4))
    history = selectors.demand_history(product_ids=[product.pk], since=at(DAY, 0),
                                       until=at(DAY + timedelta(days=7), 0))
    got = {(row.date.date() - DAY).days: (row.units, row.censored) for row in history.itertuples()}
    assert got == {0: (4, False), 2: (1, True), 3: (0, True)}


@pytest.mark.django_db
def test_category_history_rolls_up_to_ancestors_and_the_whole_shop():
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    cables = CategoryFactory(name="Cables")
    sell(ProductFactory(category=phones), DAY, 2)
    sell(ProductFactory(category=cases), DAY, 3)
    sell(ProductFactory(category=cables), DAY, 5)
    rolled = selectors.category_demand_history(since=at(DAY, 0), until=at(DAY + timedelta(days=1), 0))
    units = dict(zip(rolled["category_id"], rolled["units"]))
    assert units == {phones.pk: 5, cases.pk: 3, cables.pk: 5, selectors.TOTAL_CATEGORY_ID: 10}


@pytest.mark.django_db
def test_chunk_history_is_dense_and_censored_days_reach_the_engine():
    product, other = ProductFactory(), ProductFactory()
    sell(product, DAY, 2)
    services.record_stock_level(product_id=other.pk, on_hand=0, day=DAY + timedelta(days=1))
    history, future, exog = inputs.chunk_history(product_ids=[product.pk, other.pk],
                                                 until=at(DAY + timedelta(days=3), 0), horizon=5)
    assert len(history) == 2 * 3 and len(future) == 2 * 5
    assert exog == ["holiday", "price"]   # no promotion or event: no column for them
    censored = history[history["censored"]]
    assert list(zip(censored["series_id"], censored["date"].dt.date)) == [(other.pk, DAY + timedelta(days=1))]
    assert history["y"].sum() == 2
