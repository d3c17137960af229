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
