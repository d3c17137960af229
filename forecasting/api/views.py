"""Thin views for merchants and service tokens: parse input, call a selector, shape the answer.

Reads are one or two queries on the cached tables of the active version; a product or category
without a cached forecast gets a seasonal-naive fallback marked ``"source": "fallback"``.
"""
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, NOT_FOUND, UNAUTHENTICATED, VALIDATION_ERROR
from electroshop.seam import reads

from .. import selectors
from ..models import Urgency
from . import serializers as s
from .common import MAX_ID

ERRORS = {400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF}
HORIZON = OpenApiParameter("horizon", int, description="days from the forecast origin (1 to 28, default 28)")


def _horizon(request: Request) -> int:
    query = s.HorizonQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.horizon_value()


def _forecast_body(answer: selectors.ForecastAnswer) -> dict:
    return {"model_version": answer.model_version, "origin": answer.origin.isoformat(), "source": answer.source,
            "points": answer.points}


class MerchantView(APIView):
    permission_classes = [IsStaffOrServiceToken]


class ProductForecastView(MerchantView):
    """Daily demand forecast of one product with 80% and 95% intervals."""

    @extend_schema(parameters=[HORIZON], examples=[s.PRODUCT_EXAMPLE, s.PRODUCT_FALLBACK_EXAMPLE],
                   responses={200: s.ProductForecastSerializer, **ERRORS, 404: NOT_FOUND})
    def get(self, request: Request, sku: str) -> Response:
        horizon = _horizon(request)
        product_id = reads.product_id_for_sku(sku)
        if product_id is None:
            raise Http404(f"no product with sku {sku!r}")
        answer = selectors.product_forecast(product_id=product_id, horizon=horizon)
        return Response({"sku": sku, **_forecast_body(answer)})


class CategoryForecastView(MerchantView):
    """Daily demand forecast of a category and its subcategories (category 0: the whole shop)."""

    @extend_schema(parameters=[HORIZON], examples=[s.CATEGORY_EXAMPLE],
                   responses={200: s.CategoryForecastSerializer, **ERRORS, 404: NOT_FOUND})
    def get(self, request: Request, category_id: int) -> Response:
        horizon = _horizon(request)
        if category_id != selectors.TOTAL_CATEGORY_ID and (
                category_id > MAX_ID or reads.category_subtree_ids(category_id) is None):
            raise Http404(f"no category with id {category_id}")
        answer = selectors.category_forecast(category_id=category_id, horizon=horizon)
        return Response({"category_id": category_id, **_forecast_body(answer)})


class ReorderSuggestionsView(MerchantView):
    """Reorder suggestions of the active version, most urgent first: the products that need attention
    (``all=true``: every stocked product). Each says why in ``reason``."""

    @extend_schema(parameters=[s.ReorderQuerySerializer], examples=[s.REORDER_EXAMPLE],
                   responses={200: s.ReorderListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.ReorderQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        urgency = {label: value for value, label in Urgency.choices}.get(data.get("urgency"))
        number, origin, count, rows = selectors.reorder_suggestions(
            abc=data.get("abc"), xyz=data.get("xyz"), urgency=urgency, reorder_only=data["reorder_only"],
            everything=data["all"], limit=data["limit"], offset=data["offset"])
        return Response({"model_version": number, "origin": origin.isoformat() if origin else None, "count": count,
                         "results": s.ReorderSuggestionSerializer(rows, many=True).data})


class StockoutRisksView(MerchantView):
    """Products projected to run out of stock soon (on hand + on order - forecast), soonest first."""

    @extend_schema(parameters=[s.StockoutQuerySerializer], examples=[s.STOCKOUT_EXAMPLE],
                   responses={200: s.StockoutListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.StockoutQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        number, origin, rows = selectors.stockout_risks(within_days=data["within_days"], limit=data["limit"])
        return Response({"model_version": number, "origin": origin.isoformat() if origin else None,
                         "within_days": data["within_days"],
                         "results": s.ReorderSuggestionSerializer(rows, many=True).data})


class LostSalesView(MerchantView):
    """Demand lost on stock-out days before the active version's origin, per product, largest revenue first."""

    @extend_schema(parameters=[s.LostSalesQuerySerializer], examples=[s.LOST_SALES_EXAMPLE],
                   responses={200: s.LostSalesListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.LostSalesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        number, origin, count, rows = selectors.lost_sales_totals(days=data["days"], limit=data["limit"],
                                                                  offset=data["offset"])
        return Response({"model_version": number, "origin": origin.isoformat() if origin else None,
                         "days": data["days"], "count": count,
                         "results": s.LostSalesRowSerializer(rows, many=True).data})
