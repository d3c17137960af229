"""Fixtures of the fraud app's Django tests.

Django is imported inside the helpers: the ML core's tests in ml/ run with ``-p no:django`` and
load this file too.
"""
from datetime import datetime, timezone as dt_timezone
from decimal import Decimal

import pytest

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=dt_timezone.utc)  # a Monday, midday
_numbers = iter(range(1, 10**9))


def make_order(*, created_at=T0, total="50.00", customer=None, **fields):
    """An order (its post_save scoring runs only where a test executes on_commit callbacks)."""
    from electroshop.shop.models import Order

    fields.setdefault("billing_country", "United Kingdom")
    fields.setdefault("shipping_country", "United Kingdom")
    fields.setdefault("ip_country", "United Kingdom")
    return Order.objects.create(number=f"T{next(_numbers):07d}", created_at=created_at, total=Decimal(total),
                                customer=customer, **fields)


@pytest.fixture
def staff_api(db):
    from tests.clients import service_token_client  # imported here: fraud/ml tests run without Django

    return service_token_client(username="fraud-backend")


@pytest.fixture
def customer_api(db):
    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    from electroshop.shop.models import Customer

    user = get_user_model().objects.create_user("shopper", "shopper@example.com", None)
    Customer.objects.create(user=user, email="shopper@example.com")
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client_fraud(db, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_superuser("boss", "boss@example.com", None)
    client.force_login(user)
    return client


@pytest.fixture
def synthetic_shop(db, settings, tmp_path):
    """60 days of orders; fraud comes in bursts from two devices with big amounts, labelled by chargebacks."""
    from datetime import timedelta

    import numpy as np

    from electroshop.shop.models import Customer, Order
    from fraud.models import FraudLabel

    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "ARTIFACT_DIR": str(tmp_path)}
    rng = np.random.default_rng(0)
    customers = Customer.objects.bulk_create(
        [Customer(email=f"c{i}@example.com", created_at=T0 - timedelta(days=200)) for i in range(30)])
    orders, fraud = [], []
    for n in range(360):
        created = T0 - timedelta(days=60) + timedelta(minutes=int(rng.integers(0, 60 * 24 * 60)))
        is_fraud = rng.random() < 0.08
        customer = customers[int(rng.integers(0, len(customers)))]
        orders.append(Order(
            number=f"S{n:05d}", customer=customer, email=customer.email, created_at=created,
            total=Decimal(str(round(float(rng.gamma(2, 400 if is_fraud else 30)), 2))),
            device_id=f"bad-{n % 2}" if is_fraud else f"dev-{customer.pk}", ip_country="Nigeria" if is_fraud else "United Kingdom",
            billing_country="United Kingdom", shipping_country="United Kingdom",
            card_fingerprint=f"fp-{customer.pk}",
        ))
        fraud.append(is_fraud)
    Order.objects.bulk_create(orders)  # bulk: no post_save scoring of the history
    saved = {o.number: o for o in Order.objects.all()}
    FraudLabel.objects.bulk_create([
        FraudLabel(order_id=saved[o.number].pk, order_number=o.number, order_created_at=o.created_at, is_fraud=True,
                   source="chargeback", known_at=o.created_at + timedelta(days=2))
        for o, f in zip(orders, fraud) if f
    ])
    return saved
