"""``GET /metrics``: the service metrics in the Prometheus text format, for service tokens and staff.

Prometheus sends the token as a custom authorization type::

    authorization: {type: Token, credentials: <the service user's token key>}
"""
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop import metrics

from .authentication import ServiceTokenAuthentication
from .permissions import IsStaffOrServiceToken

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class MetricsView(APIView):
    """The Prometheus scrape. Errors (no token, not staff, unreadable metric files) answer in JSON."""

    authentication_classes = [ServiceTokenAuthentication]
    permission_classes = [IsStaffOrServiceToken]

    def perform_content_negotiation(self, request, force=False):
        # Prometheus asks for text; the metrics are text whatever is asked, and errors are JSON.
        return super().perform_content_negotiation(request, force=True)

    # Outside the JSON API's OpenAPI document, like /healthz and /readyz: its answer is Prometheus text.
    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        try:
            body = metrics.scrape()
        except metrics.MetricsUnavailable as exc:
            return Response({"detail": f"metrics unavailable: {exc}"}, status=503)
        return HttpResponse(body, content_type=PROMETHEUS_CONTENT_TYPE)
