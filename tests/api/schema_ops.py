"""The operations of the generated OpenAPI schema, so tests cover new endpoints automatically."""
import re
from functools import cache

from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator

METHODS = ("get", "post", "put", "patch", "delete")


@cache
def openapi_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations() -> list[tuple[str, str]]:
    return [
        (path, method)
        for path, item in sorted(openapi_schema()["paths"].items())
        for method in METHODS
        if method in item
    ]


def fill_path(path: str, *, customer_id: int | None = None) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "customer_id" and customer_id is not None:
            return str(customer_id)
        return "1"

    return re.sub(r"\{([^}]+)\}", value, path)


def view_class(path: str):
    match = resolve(fill_path(path))
    return getattr(match.func, "view_class", None) or getattr(match.func, "cls", None)


def call(client, method: str, url: str, **kwargs):
    if method in ("post", "put", "patch") and "data" not in kwargs:
        kwargs.update(data={}, format="json")
    return getattr(client, method)(url, **kwargs)
