"""Overrides of product forecasts (list, create, delete) and the bias of issued forecasts.

An override takes effect at the next retrain: the version being served is not changed."""
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from electroshop.api.schema import NOT_FOUND
from electroshop.seam import reads

from .. import issued, overrides
from ..models import ForecastOverride
from . import override_serializers as s
from .common import skus_of
from .views import ERRORS, MAX_ID, MerchantView


def _override_body(rows: list[ForecastOverride]) -> list[dict]:
    skus = skus_of(r.product_id for r in rows)
    return [{"id": r.pk, "product_id": r.product_id, "sku": skus.get(r.product_id, ""), "starts_on": r.starts_on,
             "ends_on": r.ends_on, "units_per_day": r.units_per_day, "percent": r.percent, "note": r.note,
             "created_by": r.created_by, "created_at": r.created_at} for r in rows]


class OverridesView(MerchantView):
    """Forecast overrides: a product, a period (inclusive), a value (units per day) or a percentage.
    Production forecasts respect them from the next retrain on."""

    @extend_schema(parameters=[s.OverrideQuerySerializer], examples=[s.OVERRIDE_LIST_EXAMPLE],
                   responses={200: s.OverrideListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.OverrideQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        product_id = None
        if "sku" in data:
            product_id = reads.product_id_for_sku(data["sku"])
            if product_id is None:
                return Response({"count": 0, "results": []})
        count, rows = overrides.list_overrides(product_id=product_id, active_on=data.get("active_on"),
                                               limit=data["limit"], offset=data["offset"])
        return Response({"count": count, "results": s.OverrideSerializer(_override_body(rows), many=True).data})

    @extend_schema(request=s.OverrideInputSerializer, examples=[*s.OVERRIDE_REQUEST_EXAMPLES, s.OVERRIDE_EXAMPLE],
                   responses={201: s.OverrideSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        body = s.OverrideInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        override = overrides.create_override(
            product_id=data["product_id"], starts_on=data["starts_on"], ends_on=data["ends_on"],
            units_per_day=data.get("units_per_day"), percent=data.get("percent"), note=data.get("note", ""),
            created_by=request.user.get_username())
        return Response(s.OverrideSerializer(_override_body([override])[0]).data, status=status.HTTP_201_CREATED)


class OverrideView(MerchantView):
    """Delete one override (the next retrain no longer applies it)."""

    @extend_schema(examples=[s.OVERRIDE_DELETED_EXAMPLE],
                   responses={200: s.OverrideSerializer, **ERRORS, 404: NOT_FOUND})
    def delete(self, request: Request, override_id: int) -> Response:
        """Deletes the override and answers it as it was."""
        override = overrides.delete_override(override_id) if override_id <= MAX_ID else None
        if override is None:
            raise Http404(f"no override with id {override_id}")
        return Response(s.OverrideSerializer(_override_body([override])[0]).data)


class BiasView(MerchantView):
    """Bias of the issued forecasts over the last weeks with actuals, per product or per category
    (rolled up; 0 = the whole shop): issued minus actual units, largest first."""

    @extend_schema(parameters=[s.BiasQuerySerializer], examples=[s.BIAS_EXAMPLE, s.CATEGORY_BIAS_EXAMPLE],
                   responses={200: s.BiasSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.BiasQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        body = issued.forecast_bias(level=data["level"], weeks=data.get("weeks"), limit=data["limit"])
        return Response(s.BiasSerializer(body).data)
