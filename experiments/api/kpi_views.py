"""``GET /api/v1/kpis/``: the daily KPI rows of recommendation lists, for merchants and service tokens."""
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, UNAUTHENTICATED, VALIDATION_ERROR

from .. import kpi_selectors
from . import kpi_serializers as s


class KpisView(APIView):
    """KPIs per day and list group (placement, strategy, model version, experiment variant), with totals.

    Filled every few minutes by ``update_experiments`` from events with a ``recommendation_id`` and
    attributed orders."""

    permission_classes = [IsStaffOrServiceToken]

    @extend_schema(parameters=[s.KpiQuerySerializer], examples=[s.KPI_EXAMPLE],
                   responses={200: s.KpiReportSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
                              403: FORBIDDEN_STAFF})
    def get(self, request: Request) -> Response:
        query = s.KpiQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        kpi_filter = kpi_selectors.KpiFilter(
            start=data["from"], end=data["to"], placement=data.get("placement"), strategy=data.get("strategy"),
            model_version=data.get("model_version"), experiment_id=data.get("experiment"))
        return Response({"from": data["from"].isoformat(), "to": data["to"].isoformat(),
                         "rows": s.KpiRowSerializer(kpi_selectors.daily_rows(kpi_filter), many=True).data,
                         "totals": s.KpiValuesSerializer(kpi_selectors.totals(kpi_filter)).data})
