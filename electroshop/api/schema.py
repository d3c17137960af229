"""Documented error responses shared by every app's endpoints (OpenAPI, with examples)."""
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from .serializers import DetailSerializer

UNAUTHENTICATED = OpenApiResponse(
    DetailSerializer, description="No or invalid credentials.",
    examples=[OpenApiExample("no credentials", value={"detail": "Authentication credentials were not provided."})],
)
FORBIDDEN_STAFF = OpenApiResponse(
    DetailSerializer, description="Authenticated, but not staff and not a service token.",
    examples=[OpenApiExample("not staff", value={"detail": "This endpoint needs a staff account or a service token."})],
)
FORBIDDEN_OTHER_CUSTOMER = OpenApiResponse(
    DetailSerializer, description="A customer asking for another customer's data.",
    examples=[OpenApiExample("not yours", value={"detail": "You can only see your own customer data."})],
)
THROTTLED = OpenApiResponse(
    DetailSerializer, description="Too many requests; retry after the given number of seconds.",
    examples=[OpenApiExample("throttled", value={"detail": "Request was throttled. Expected available in 12 seconds."})],
)
NOT_FOUND = OpenApiResponse(
    DetailSerializer, description="The customer, product or category does not exist.",
    examples=[OpenApiExample("unknown id", value={"detail": "no customer with id 987654321"})],
)


class FieldErrorsSerializer(serializers.Serializer):
    """``{"<field>": ["<what is wrong>", ...]}``: one key per bad field or parameter."""

    field_name = serializers.ListField(child=serializers.CharField(), required=False)


VALIDATION_ERROR = OpenApiResponse(
    FieldErrorsSerializer, description="A parameter or field is invalid; the body names it and says why.",
    examples=[OpenApiExample("bad limit", value={"limit": ["Ensure this value is less than or equal to 100."]})],
)
