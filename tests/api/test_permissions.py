"""The permission matrix of every endpoint in the schema: anonymous, a customer, staff (service token)."""
import pytest
from django.test import Client
from rest_framework.permissions import IsAdminUser

from electroshop.api.permissions import IsStaffOrServiceToken

from .schema_ops import call, fill_path, openapi_schema, operations, view_class

# Paths anonymous callers may use. Adding a path here is a security decision: review it.
PUBLIC_PATHS = {
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
    "/api/v1/events/collect/",
    "/api/v1/recommendations/session/",
    "/api/v1/recommendations/session/recently-viewed/",
}
STAFF_PERMISSIONS = (IsStaffOrServiceToken, IsAdminUser)
OPERATIONS = operations()


def _staff_only(path: str) -> bool:
    return any(issubclass(p, STAFF_PERMISSIONS) for p in view_class(path).permission_classes)


def test_the_schema_has_the_endpoints_we_expect():
    paths = set(openapi_schema()["paths"])
    assert {"/api/v1/whoami/", "/api/v1/events/", "/api/v1/events/collect/"} <= paths


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_every_endpoint_declares_its_authentication_and_permission(path, method):
    cls = view_class(path)
    own = [k for k in cls.__mro__ if not k.__module__.startswith(("rest_framework", "django"))]
    assert any("permission_classes" in vars(k) for k in own), f"{cls.__name__} must declare permission_classes"
    assert any("authentication_classes" in vars(k) for k in own) or "/collect/" not in path


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_anonymous(anon_client, path, method):
    response = call(anon_client, method, fill_path(path))
    if path in PUBLIC_PATHS:
        assert response.status_code not in (401, 403), response.content
    else:
        assert response.status_code in (401, 403), (path, method, response.status_code)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_authenticated_customer(customer_client, customer_user, path, method):
    response = call(customer_client, method, fill_path(path, customer_id=customer_user.customer.pk))
    if _staff_only(path):
        assert response.status_code == 403, (path, method, response.status_code)
    else:
        assert response.status_code not in (401, 403), (path, method, response.status_code, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), [op for op in OPERATIONS if "{customer_id}" in op[0]]
                         or [pytest.param("", "", marks=pytest.mark.skip("no customer endpoints yet"))])
def test_customer_cannot_read_another_customer(customer_client, customer, path, method):
    response = call(customer_client, method, fill_path(path, customer_id=customer.pk))
    assert response.status_code in (403, 404)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_staff_service_token(staff_client, path, method):
    response = call(staff_client, method, fill_path(path))
    assert response.status_code not in (401, 403), (path, method, response.status_code, response.content)


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_staff_session(staff_user, path, method):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(staff_user)
    response = call(client, method, fill_path(path))
    assert response.status_code not in (401, 403), (path, method, response.status_code)


@pytest.mark.django_db
def test_a_non_staff_token_is_not_a_service_token(customer_user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=customer_user).key}")
    assert client.get("/api/v1/whoami/").status_code == 200
    assert client.post("/api/v1/events/", {"events": []}, format="json").status_code == 403


@pytest.mark.django_db
def test_an_invalid_token_is_refused(anon_client):
    anon_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert anon_client.get("/api/v1/whoami/").status_code == 401


@pytest.mark.django_db
def test_public_documentation_and_probes_answer_anonymously():
    client = Client()
    assert client.get("/api/v1/schema/").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()  # swagger-ui comes from drf-spectacular-sidecar
    assert client.get("/api/v1/").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code in (200, 503)
