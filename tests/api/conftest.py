import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from electroshop.shop.models import Customer, Product


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def customer_user(db):
    user = get_user_model().objects.create_user("alice", "alice@example.com", None)  # no password: no slow hashing
    Customer.objects.create(user=user, email="alice@example.com", name="Alice")
    return user


@pytest.fixture
def customer_client(customer_user):
    client = APIClient()
    client.force_login(customer_user)
    return client


@pytest.fixture
def staff_user(db):
    return get_user_model().objects.create_user("shop-backend", "ops@example.com", None, is_staff=True)


@pytest.fixture
def service_token(staff_user):
    return Token.objects.create(user=staff_user)


@pytest.fixture
def staff_client(service_token):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {service_token.key}")
    return client


@pytest.fixture
def products(db):
    return [Product.objects.create(sku=f"SKU-{i}", name=f"Product {i}") for i in range(3)]


@pytest.fixture
def customer(db):
    return Customer.objects.create(email="bob@example.com", name="Bob")
