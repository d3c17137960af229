"""``GET /api/v1/monitoring/``: the latest model check of each app, for merchants and service tokens."""
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, UNAUTHENTICATED, VALIDATION_ERROR

from .. import selectors
from ..services import APPS
from . import serializers as s


class MonitoringView(APIView):
    """The newest stored report of each app (``check_models``, daily): data drift and freshness.
    Apps never checked are absent."""

    permission_classes = [IsStaffOrServiceToken]

    @extend_schema(parameters=[s.MonitoringQuerySerializer], examples=[s.MONITORING_EXAMPLE],
                   responses={200: s.MonitoringSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
                              403: FORBIDDEN_STAFF})
    def get(self, request: Request) -> Response:
        query = s.MonitoringQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        app = query.validated_data.get("app")
        return Response({"reports": selectors.latest_reports(apps=[app] if app else list(APPS))})
