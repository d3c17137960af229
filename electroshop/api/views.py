from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView


class ApiRootView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "whoami": reverse("whoami", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("docs", request=request),
            }
        )


class WhoAmIView(APIView):
    """Who the caller is. The cheapest authenticated endpoint: the latency benchmarks' reference."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "WhoAmI",
            {
                "user_id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "is_staff": serializers.BooleanField(),
                "customer_id": serializers.IntegerField(allow_null=True),
            },
        ),
        examples=[OpenApiExample("staff service token", value={"user_id": 1, "username": "shop-backend", "is_staff": True, "customer_id": None})],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        customer = getattr(user, "customer", None)
        return Response(
            {"user_id": user.pk, "username": user.get_username(), "is_staff": user.is_staff,
             "customer_id": customer.pk if customer else None}
        )
