"""The OpenAPI document is valid and every operation documents its request, responses and examples."""
import pytest
from openapi_spec_validator import validate

from .schema_ops import METHODS, openapi_schema


def test_schema_is_valid_openapi():
    schema = openapi_schema()
    validate(schema)  # raises on an invalid document
    assert {"/api/v1/whoami/", "/api/v1/events/", "/api/v1/recommendations/customers/{customer_id}/",
            "/api/v1/forecasts/products/{sku}/", "/api/v1/fraud/score/"} <= set(schema["paths"])


@pytest.mark.django_db
def test_served_schema_is_valid_openapi(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    validate(response.json())


def _operations():
    for path, item in openapi_schema()["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


@pytest.mark.parametrize(("path", "method", "operation"), list(_operations()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_operation_is_documented_with_examples(path, method, operation):
    successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
    assert successes, f"{method} {path} documents no success response"
    for code, response in successes.items():
        content = response.get("content", {}).get("application/json")
        assert content and "schema" in content, f"{method} {path} {code} has no JSON schema"
        assert content.get("examples"), f"{method} {path} {code} has no example"
    if method in ("post", "put", "patch"):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        assert body and "schema" in body and body.get("examples"), f"{method} {path} request has no schema/example"
    assert "400" in operation["responses"] or method in ("get", "delete"), f"{method} {path} documents no 400"


def test_schema_generates_without_warnings(tmp_path):
    """drf-spectacular's own validation, failing on any warning (unresolvable types, enum clashes)."""
    from django.core.management import call_command

    target = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert target.stat().st_size > 1000
