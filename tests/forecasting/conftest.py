"""A small synthetic shop (a few products, ~120 days of orders) and API clients."""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from electroshop.mlops import services as registry
from electroshop.shop.models import Customer, Order, OrderLine, Promotion, Stock
from tests.clients import service_token_client
from tests.factories import CategoryFactory, ProductFactory

AS_OF = date(2026, 5, 1)
DAYS = 120


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def synthetic_shop(db):
    """Four products in two categories (one nested), ~120 days of daily orders before AS_OF.

    "PH/1" (a SKU with a slash) sells ~6 a day with a weekly pattern; "CASE-2" ~3; "CABLE-3" ~1;
    "OLD-4" sold only in the first weeks (dead stock). One cancelled order of 500 units must not count.
    """
    rng = np.random.default_rng(7)
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    cables = CategoryFactory(name="Cables")
    specs = [("PH/1", phones, 6.0, 20, 7, 10, 5), ("CASE-2", cases, 3.0, 200, 14, 1, 1),
             ("CABLE-3", cables, 1.0, 5, 7, 12, 24), ("OLD-4", cables, 0.0, 40, 7, 1, 1)]
    customer = Customer.objects.create(email="buyer@example.com", name="Buyer")
    products, orders, lines = [], [], []
    start = AS_OF - timedelta(days=DAYS)
    weekday = np.array([1.2, 1.0, 1.0, 1.0, 1.1, 0.7, 0.5])
    for sku, category, rate, on_hand, lead, pack, moq in specs:
        product = ProductFactory(sku=sku, name=f"Product {sku}", category=category, price=Decimal("10.00"))
        Stock.objects.create(product=product, on_hand=on_hand, on_order=0, lead_time_days=lead, pack_size=pack,
                             minimum_order_quantity=moq, supplier="Acme" if sku != "CASE-2" else "CaseCo")
        products.append(product)
        for k in range(DAYS):
            day = start + timedelta(days=k)
            mean = rate * weekday[day.weekday()] if sku != "OLD-4" else (2.0 if k < 14 else 0.0)
            units = int(rng.poisson(mean))
            if units:
                orders.append(Order(number=f"{sku}-{k}", customer=customer, created_at=at(day)))
                lines.append((len(orders) - 1, product, units))
    orders.append(Order(number="CANCELLED-1", customer=customer, created_at=at(AS_OF - timedelta(days=3)),
                        status=Order.Status.CANCELLED))
    lines.append((len(orders) - 1, products[0], 500))
    # A category promotion (Cables) running into the forecast window: a known future input.
    Promotion.objects.create(name="Cable week", category=cables, starts_on=AS_OF - timedelta(days=10),
                             ends_on=AS_OF + timedelta(days=4), discount_percent=Decimal(20))
    created = Order.objects.bulk_create(orders)
    OrderLine.objects.bulk_create([OrderLine(order=created[i], product=p, quantity=q, unit_price=p.price)
                                   for i, p, q in lines])
    return {"products": {p.sku: p for p in products}, "phones": phones, "cases": cases, "cables": cables}


def make_active_version(*, origin: date):
    version = registry.register_model_version(app="forecasting", kind="demand", as_of=at(origin, 0),
                                              parameters={"origin": origin.isoformat(), "horizon": 28})
    return version


def activate(version):
    registry.mark_version_ready(version_id=version.pk)
    registry.activate_model_version(version_id=version.pk)


@pytest.fixture
def staff_client(db):
    return service_token_client(username="backend")


@pytest.fixture
def staff_session_client(db):
    user = get_user_model().objects.create_user("merchant", "m@example.com", None, is_staff=True,
                                                is_superuser=True)
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def customer_client(db):
    user = get_user_model().objects.create_user("alice", "alice@example.com", None)
    Customer.objects.create(user=user, email="alice@example.com", name="Alice")
    client = APIClient()
    client.force_login(user)
    return client
