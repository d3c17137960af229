import pytest


@pytest.mark.django_db
def test_whoami_with_a_service_token_is_one_query(staff_client, staff_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = staff_client.get("/api/v1/whoami/")
    assert response.status_code == 200
    assert response.json() == {"user_id": staff_user.pk, "username": "shop-backend", "is_staff": True, "customer_id": None}


@pytest.mark.django_db
def test_whoami_of_a_customer_session(customer_client, customer_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):  # session, user, customer
        response = customer_client.get("/api/v1/whoami/")
    assert response.status_code == 200
    assert response.json()["customer_id"] == customer_user.customer.pk
    assert response.json()["is_staff"] is False


@pytest.mark.django_db
def test_whoami_anonymous_is_401(anon_client):
    response = anon_client.get("/api/v1/whoami/")
    assert response.status_code == 401
    assert "detail" in response.json()
