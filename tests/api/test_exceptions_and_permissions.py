"""The JSON exception handler's safety net and the permission classes on their own."""
import json
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import DataError, OperationalError

from electroshop.api.exceptions import json_exception_handler
from electroshop.api.permissions import IsCustomerSelfOrStaff, IsStaffOrServiceToken
from electroshop.shop.models import Customer


@pytest.mark.parametrize(("exc", "code"), [
    (RecursionError("deep"), 400),
    (ValueError("bad"), 400),
    (OverflowError("big"), 400),
    (DataError("A string literal cannot contain NUL (0x00) characters."), 400),
    (OperationalError("connection refused"), 503),
])
def test_the_handler_turns_stray_exceptions_into_json(exc, code):
    response = json_exception_handler(exc, {"view": None})
    assert response.status_code == code
    assert "detail" in response.data


def test_the_handler_leaves_real_bugs_alone():
    assert json_exception_handler(KeyError("bug"), {"view": None}) is None


def _request(user):
    return SimpleNamespace(user=user)


@pytest.mark.django_db
def test_is_staff_or_service_token(customer_user, staff_user):
    permission = IsStaffOrServiceToken()
    assert permission.has_permission(_request(staff_user), None)
    assert not permission.has_permission(_request(customer_user), None)
    assert not permission.has_permission(_request(AnonymousUser()), None)
    staff_user.is_active = False
    assert not permission.has_permission(_request(staff_user), None)


@pytest.mark.django_db
def test_is_customer_self_or_staff(customer_user, staff_user, customer):
    permission = IsCustomerSelfOrStaff()
    own = customer_user.customer
    view = SimpleNamespace(kwargs={"customer_id": own.pk})
    other_view = SimpleNamespace(kwargs={"customer_id": customer.pk})
    assert permission.has_permission(_request(customer_user), view)
    assert not permission.has_permission(_request(customer_user), other_view)
    assert permission.has_permission(_request(staff_user), other_view)
    assert not permission.has_permission(_request(AnonymousUser()), view)
    assert permission.has_object_permission(_request(customer_user), view, own)
    assert not permission.has_object_permission(_request(customer_user), view, customer)
    assert permission.has_object_permission(_request(customer_user), view, SimpleNamespace(customer_id=own.pk))
    assert not permission.has_object_permission(_request(customer_user), view, SimpleNamespace(customer_id=customer.pk))
    assert permission.has_object_permission(_request(staff_user), view, customer)
    # A user without a customer sees no customer's data.
    lonely = type(customer_user).objects.create_user("lonely", password=None)
    assert not permission.has_permission(_request(lonely), view)
    assert not permission.has_object_permission(_request(lonely), view, Customer(pk=own.pk))


@pytest.mark.django_db
def test_an_unknown_api_url_is_a_json_404_and_a_page_elsewhere(client):
    response = client.get("/api/v1/recommendations/customers/-1/")  # no route takes a negative id
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "no API endpoint at /api/v1/recommendations/customers/-1/"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


def test_a_server_error_under_the_api_is_json(rf):
    from electroshop.api.exceptions import server_error

    response = server_error(rf.get("/api/v1/whoami/"))
    assert response.status_code == 500 and json.loads(response.content) == {"detail": "internal error"}
    assert server_error(rf.get("/")).status_code == 500
