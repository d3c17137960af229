"""Token lookups are cached, and whatever revokes or changes a token takes effect on the next request."""
import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from electroshop.shop.models import Customer

pytestmark = pytest.mark.django_db


def token_client(token: Token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_a_warm_token_costs_no_query(staff_client, django_assert_num_queries):
    assert staff_client.get("/api/v1/whoami/").status_code == 200
    with django_assert_num_queries(0):
        assert staff_client.get("/api/v1/whoami/").status_code == 200


def test_a_deleted_token_is_refused_at_once(staff_client, service_token):
    assert staff_client.get("/api/v1/whoami/").status_code == 200
    service_token.delete()
    assert staff_client.get("/api/v1/whoami/").status_code == 401


def test_a_deactivated_user_is_refused_at_once(staff_client, staff_user):
    assert staff_client.get("/api/v1/whoami/").status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert staff_client.get("/api/v1/whoami/").status_code == 401


def test_losing_staff_rights_applies_to_the_next_request(staff_client, staff_user):
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/").status_code == 200
    staff_user.is_staff = False
    staff_user.save()
    assert staff_client.get("/api/v1/inventory/reorder-suggestions/").status_code == 403


def test_moving_a_customer_to_another_account_applies_to_both_accounts_at_once():
    users = [get_user_model().objects.create_user(name, None, None) for name in ("ann", "ben")]
    clients = [token_client(Token.objects.create(user=user)) for user in users]
    customer = Customer.objects.create(user=users[0], email="c@example.com")
    url = f"/api/v1/recommendations/customers/{customer.pk}/"
    assert clients[0].get("/api/v1/whoami/").json()["customer_id"] == customer.pk
    assert clients[1].get("/api/v1/whoami/").json()["customer_id"] is None
    assert clients[1].get(url).status_code == 403
    customer.user = users[1]
    customer.save()
    assert clients[0].get("/api/v1/whoami/").json()["customer_id"] is None
    assert clients[0].get(url).status_code == 403
    assert clients[1].get("/api/v1/whoami/").json()["customer_id"] == customer.pk


def test_the_cache_holds_no_password_hash_and_no_raw_key(staff_client, service_token):
    from django.core.cache import cache

    from electroshop.api.tokens import _cache_key

    staff_client.get("/api/v1/whoami/")
    assert service_token.key not in _cache_key(service_token.key)
    cached = cache.get(_cache_key(service_token.key))
    assert cached.user.pk == service_token.user_id
    assert "password" in cached.user.get_deferred_fields()


def test_unknown_keys_are_refused_and_not_cached(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    for _ in range(2):
        assert anon_client.get("/api/v1/whoami/").status_code == 401


@override_settings(ELECTROSHOP={"API_TOKEN_CACHE_SECONDS": 0})
def test_the_cache_can_be_turned_off(staff_client, django_assert_num_queries):
    staff_client.get("/api/v1/whoami/")
    with django_assert_num_queries(1):
        assert staff_client.get("/api/v1/whoami/").status_code == 200
