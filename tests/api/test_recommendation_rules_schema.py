"""The merchandising-rule endpoints are in the OpenAPI document, with request and error examples."""
from .schema_ops import openapi_schema


def test_the_rule_endpoints_are_documented():
    paths = openapi_schema()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/recommendations/rules/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/recommendations/rules/{rule_id}/"])
    create = paths["/api/v1/recommendations/rules/"]["post"]
    requests = create["requestBody"]["content"]["application/json"]["examples"]
    assert {example["value"].get("category_id") is not None for example in requests.values()} == {True, False}
    errors = create["responses"]["400"]["content"]["application/json"]["examples"]
    assert any("sku" in example["value"] for example in errors.values())
