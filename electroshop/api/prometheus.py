"""``GET /metrics``: the service metrics in the Prometheus text format, for service tokens and staff.

Prometheus sends the token as a custom authorization type::

    authorization: {type: Token, credentials: <the service user's token key>}
"""
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop import metrics

from .authentication import ServiceTokenAuthentication
from .permissions import IsStaffOrServiceToken
from .schema import FORBIDDEN_STAFF, UNAUTHENTICATED
from .serializers import DetailSerializer

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

SCRAPE_EXAMPLE = (
    "# HELP electroshop_api_requests_total API requests by URL route, method and response status\n"
    "# TYPE electroshop_api_requests_total counter\n"
    'electroshop_api_requests_total{endpoint="api/v1/recommendations/customers/<int:customer_id>/",'
    'method="GET",status="200"} 1234.0\n'
)


class MetricsView(APIView):
    """The Prometheus scrape. Errors (no token, not staff, unreadable metric files) answer in JSON."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsStaffOrServiceToken]

    def perform_content_negotiation(self, request, force=False):
        # Prometheus asks for text; the metrics are text whatever is asked, and errors are JSON.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="metrics", tags=["monitoring"],
        responses={
            (200, "text/plain"): OpenApiResponse(
                str, description="Every process's counters and histograms, and the scrape-time gauges.",
                examples=[OpenApiExample("a counter", value=SCRAPE_EXAMPLE)]),
            401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF,
            503: OpenApiResponse(DetailSerializer, description="No metric file could be read.", examples=[
                OpenApiExample("unreadable", value={"detail": "metrics unavailable: 2 metric file(s) could not be read"})]),
        })
    def get(self, request: Request) -> HttpResponse:
        try:
            body = metrics.scrape()
        except metrics.MetricsUnavailable as exc:
            return Response({"detail": f"metrics unavailable: {exc}"}, status=503)
        return HttpResponse(body, content_type=PROMETHEUS_CONTENT_TYPE)
