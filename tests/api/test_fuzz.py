"""Nothing a client sends makes a 500: junk bodies and junk query parameters against every operation."""
import pytest

from .schema_ops import METHODS, fill_path, operations, openapi_schema

JUNK_BODIES = [
    b"", b"{", b"null", b"[]", b'"text"', b"123", b"1e999", b"NaN", b"-Infinity", b"true",
    b"[" * 5000 + b"]" * 5000,
    b'{"a": ' * 3000 + b"1" + b"}" * 3000,
    b'{"events": "x"}', b'{"events": {}}', b'{"events": [null, 1, "x", [], {}]}',
    b'{"events": [{"event_type": {"a": 1}, "sku": 1e999, "customer_id": 99999999999999999999999999}]}',
    b'{"events": [{"event_type": "view", "product_id": -9223372036854775809, "session_id": "\\u0000"}]}',
    b'{"events": [{"event_type": "view", "sku": "\\ud800", "session_id": "s", "occurred_at": "0000-00-00"}]}',
    b'{"events": [{"event_type": "view", "sku": "x", "session_id": "s", "occurred_at": "2026-13-45T99:99:99+99:99"}]}',
    b'{"events": [{"event_type": "view", "sku": "x", "session_id": "s", "dwell_seconds": [1]}]}',
    b'{"limit": -1, "offset": "x", "customer_id": "abc", "id": 1.5, "date": "2026-02-30"}',
    "{\"ünïcödé\": \"\U0001F600\"}".encode(),
    b"\xff\xfe\x00garbage",
]
JUNK_QUERIES = [
    {"limit": "-1", "offset": "abc"},
    {"limit": "99999999999999999999999999", "offset": "99999999999999999999"},
    {"format": "xml"}, {"format": "json"}, {"lang": "zz"}, {"page": "0"},
    {"customer_id": "abc", "product_id": "1e9", "sku": "\x00", "as_of": "2026-02-30", "date": "yesterday"},
    {"horizon": "-5", "days": "1e400", "min_score": "NaN", "since": "9999-99-99"},
    {"": "", "%00": "%ff"},
]
OPERATIONS = operations()


def _clients(anon_client, customer_client, staff_client):
    return {"anonymous": anon_client, "customer": customer_client, "staff": staff_client}


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), [op for op in OPERATIONS if op[1] in ("post", "put", "patch")])
@pytest.mark.parametrize("who", ["anonymous", "customer", "staff"])
def test_junk_bodies_never_500(anon_client, customer_client, staff_client, products, path, method, who):
    client = _clients(anon_client, customer_client, staff_client)[who]
    url = fill_path(path)
    for body in JUNK_BODIES:
        for content_type in ("application/json", "text/plain", "application/x-www-form-urlencoded"):
            response = getattr(client, method)(url, data=body, content_type=content_type)
            assert response.status_code < 500, (method, url, content_type, body[:80], response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
@pytest.mark.parametrize("who", ["anonymous", "customer", "staff"])
def test_junk_query_parameters_never_500(anon_client, customer_client, staff_client, products, path, method, who):
    client = _clients(anon_client, customer_client, staff_client)[who]
    for params in JUNK_QUERIES:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = f"{fill_path(path)}?{query}"
        kwargs = {"data": b"{}", "content_type": "application/json"} if method in ("post", "put", "patch") else {}
        response = getattr(client, method)(url, **kwargs)
        assert response.status_code < 500, (method, url, response.content[:300])


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), [op for op in OPERATIONS if "{" in op[0]] or [pytest.param("", "", marks=pytest.mark.skip("no path parameters yet"))])
@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999999999999999999999", "%00", "1.5"])
def test_junk_path_parameters_never_500(staff_client, path, method, value):
    import re

    url = re.sub(r"\{[^}]+\}", value, path)
    response = getattr(staff_client, method)(url)
    assert response.status_code < 500, (method, url, response.content[:300])


def test_every_schema_method_is_fuzzed():
    methods = {m for item in openapi_schema()["paths"].values() for m in item if m in METHODS}
    assert methods <= set(METHODS)
