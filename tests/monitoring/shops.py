"""A small shop with five weeks of orders and events, stable or shifted in its last week, and an
active version of each app trained on the first four weeks."""
from datetime import datetime, timedelta, timezone as dt_timezone
from decimal import Decimal

import numpy as np

from electroshop.mlops import services as registry
from electroshop.shop.models import Event, Order, OrderLine, Product
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory

AS_OF = datetime(2026, 6, 1, tzinfo=dt_timezone.utc)
CURRENT_START = AS_OF - timedelta(days=7)
REFERENCE_START = AS_OF - timedelta(days=35)
APPS = {"recommendations": "hybrid", "forecasting": "demand", "fraud": "order_risk"}


def activate(app: str, *, model_as_of: datetime, data_start: datetime | None = None,
             data_end: datetime | None = None):
    version = registry.register_model_version(app=app, kind=APPS[app], as_of=model_as_of, data_start=data_start,
                                              data_end=data_end)
    registry.mark_version_ready(version_id=version.pk)
    return registry.activate_model_version(version_id=version.pk)


def build(*, shifted: bool, seed: int = 11) -> dict:
    """Three categories of ten products each. Every day: about 30 product views and 8 orders of two
    lines, spread evenly over the categories, amounts around 100 from the United Kingdom. Shifted,
    the last week has three times the views, all on the first category and on five products new that
    week, twice the units of the first category, and amounts around 160 with half the orders from France."""
    rng = np.random.default_rng(seed)
    categories = [CategoryFactory(name=name) for name in ("Phones", "Audio", "Cameras")]
    old = AS_OF - timedelta(days=90)
    products = [ProductFactory(category=categories[k % 3]) for k in range(30)]
    new = [ProductFactory(category=categories[0]) for _ in range(5)]
    Product.objects.filter(pk__in=[p.pk for p in products]).update(created_at=old)
    Product.objects.filter(pk__in=[p.pk for p in new]).update(created_at=CURRENT_START + timedelta(hours=1))
    customers = [CustomerFactory() for _ in range(40)]
    events, orders, lines = [], [], []
    for day in range(35):
        start = REFERENCE_START + timedelta(days=day)
        late = shifted and start >= CURRENT_START
        pool = new + [p for p in products if p.category_id == categories[0].pk] if late else products
        for _ in range(rng.poisson(90 if late else 30)):
            events.append(Event(customer=customers[rng.integers(40)], session_id=f"s{len(events)}",
                                product=pool[rng.integers(len(pool))], event_type=Event.Type.VIEW,
                                occurred_at=start + timedelta(seconds=int(rng.integers(86400)))))
        for _ in range(rng.poisson(8)):
            number = f"M{len(orders):05d}"
            amount = rng.normal(160 if late else 100, 20)
            country = "France" if late and rng.random() < 0.5 else "United Kingdom"
            order = Order(number=number, customer=customers[rng.integers(40)], status=Order.Status.PAID,
                          created_at=start + timedelta(seconds=int(rng.integers(86400))),
                          total=Decimal(f"{max(amount, 1):.2f}"), billing_country=country, shipping_country=country)
            orders.append(order)
            for index in rng.choice(30, size=2, replace=False):
                product = products[index]
                quantity = 2 if late and product.category_id == categories[0].pk else 1
                lines.append((number, product, quantity))
    Event.objects.bulk_create(events)
    Order.objects.bulk_create(orders)
    by_number = dict(Order.objects.values_list("number", "pk"))
    OrderLine.objects.bulk_create([OrderLine(order_id=by_number[number], product=product, quantity=quantity,
                                             unit_price=Decimal("9.99")) for number, product, quantity in lines])
    versions = {app: activate(app, model_as_of=CURRENT_START, data_start=REFERENCE_START, data_end=CURRENT_START)
                for app in APPS}
    return {"categories": categories, "products": products, "new": new, "versions": versions,
            "last_event": max(e.occurred_at for e in events), "last_order": max(o.created_at for o in orders)}
