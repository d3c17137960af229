"""Merchant-entered events (list, create, delete): a planned campaign or a launch of a product, a
category (with its subcategories) or the whole shop. An event takes effect at the next retrain."""
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from electroshop.api.schema import NOT_FOUND
from electroshop.seam import reads

from .. import events
from ..models import ForecastEvent
from . import event_serializers as s
from .common import MAX_ID, skus_of
from .views import ERRORS, MerchantView


def _event_body(rows: list[ForecastEvent]) -> list[dict]:
    skus = skus_of(r.product_id for r in rows)
    return [{"id": r.pk, "name": r.name, "kind": r.kind, "scope": r.scope, "product_id": r.product_id,
             "sku": skus.get(r.product_id) if r.product_id is not None else None, "category_id": r.category_id,
             "starts_on": r.starts_on, "ends_on": r.ends_on} for r in rows]


class EventsView(MerchantView):
    """Events the forecast learns from (past ones) and plans for (future ones), from the next retrain on."""

    @extend_schema(parameters=[s.EventQuerySerializer], examples=[s.EVENT_LIST_EXAMPLE],
                   responses={200: s.EventListSerializer, **ERRORS})
    def get(self, request: Request) -> Response:
        query = s.EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        product_id = None
        if "sku" in data:
            product_id = reads.product_id_for_sku(data["sku"])
            if product_id is None:
                return Response({"count": 0, "results": []})
        count, rows = events.list_events(product_id=product_id, category_id=data.get("category_id"),
                                         active_on=data.get("active_on"), limit=data["limit"], offset=data["offset"])
        return Response({"count": count, "results": s.EventSerializer(_event_body(rows), many=True).data})

    @extend_schema(request=s.EventInputSerializer, examples=[*s.EVENT_REQUEST_EXAMPLES, s.EVENT_EXAMPLE],
                   responses={201: s.EventSerializer, **ERRORS})
    def post(self, request: Request) -> Response:
        body = s.EventInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        event = events.create_event(name=data["name"], kind=data["kind"], starts_on=data["starts_on"],
                                    ends_on=data["ends_on"], product_id=data.get("product_id"),
                                    category_id=data.get("category_id"))
        return Response(s.EventSerializer(_event_body([event])[0]).data, status=status.HTTP_201_CREATED)


class EventView(MerchantView):
    """Delete one event (the next retrain no longer uses it)."""

    @extend_schema(examples=[s.EVENT_DELETED_EXAMPLE], responses={200: s.EventSerializer, **ERRORS, 404: NOT_FOUND})
    def delete(self, request: Request, event_id: int) -> Response:
        """Deletes the event and answers it as it was."""
        event = events.delete_event(event_id) if event_id <= MAX_ID else None
        if event is None:
            raise Http404(f"no event with id {event_id}")
        return Response(s.EventSerializer(_event_body([event])[0]).data)
