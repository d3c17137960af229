"""The API's own endpoints: root, whoami, event ingestion. Views parse input and call a service."""
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from electroshop.seam import get_adapter
from electroshop.seam.events import (
    COLLECT_BATCH_MAX,
    EventBatchError,
    record_events,
)

from . import serializers as s
from .visitors import record_visitor_events
from .schema import FORBIDDEN_STAFF, THROTTLED, UNAUTHENTICATED
from .authentication import BrowserSessionAuthentication, ServiceTokenAuthentication
from .permissions import IsStaffOrServiceToken
from .throttling import CollectThrottle, WriteThrottle

_ROW_ERRORS = OpenApiResponse(
    s.RowErrorsSerializer, description="Nothing was stored: every bad event is listed by its index and field.",
    examples=[
        OpenApiExample(
            "unknown SKU and bad date",
            value={"errors": [
                {"index": 0, "field": "sku", "message": "No product with SKU 'NOPE-1'."},
                {"index": 3, "field": "occurred_at", "message": "Must be an ISO 8601 date-time string, e.g. 2026-11-28T21:45:00Z."},
            ]},
        ),
        OpenApiExample(
            "malformed JSON", value={"detail": "JSON parse error - Expecting value: line 1 column 1 (char 0)"}
        ),
    ],
)


class ApiRootView(APIView):
    authentication_classes = [ServiceTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        return Response(
            {
                "whoami": reverse("whoami", request=request),
                "events": reverse("events", request=request),
                "events_collect": reverse("events-collect", request=request),
                "schema": reverse("schema", request=request),
                "docs": reverse("docs", request=request),
            }
        )


class WhoAmIView(APIView):
    """Who the caller is. The cheapest authenticated endpoint: the latency benchmarks' reference.

    One query with a token (the token, its user and the user's customer are fetched together).
    """

    authentication_classes = [ServiceTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Who am I",
        responses={200: s.WhoAmISerializer, 401: UNAUTHENTICATED},
        examples=[
            OpenApiExample(
                "staff service token", response_only=True,
                value={"user_id": 1, "username": "shop-backend", "is_staff": True, "customer_id": None},
            ),
            OpenApiExample(
                "customer session", response_only=True,
                value={"user_id": 42, "username": "alice", "is_staff": False, "customer_id": 12346},
            ),
        ],
    )
    def get(self, request: Request) -> Response:
        user = request.user
        customer_id = get_adapter().customer_id_of_user(user)
        return Response(
            {"user_id": user.pk, "username": user.get_username(), "is_staff": user.is_staff, "customer_id": customer_id}
        )


def _body_events(request: Request):
    data = request.data
    if not isinstance(data, dict):
        raise EventBatchError([{"index": None, "field": "events", "message": 'Send a JSON object {"events": [...]}.'}])
    unknown = sorted(str(key)[:100] for key in data if key != "events")
    if unknown:
        raise EventBatchError([{"index": None, "field": key, "message": "Unknown field."} for key in unknown])
    if "events" not in data:
        raise EventBatchError([{"index": None, "field": "events", "message": "This field is required."}])
    return data["events"]


class EventBatchView(APIView):
    """Record a batch of browsing events from the shop's back end (all or nothing, deduplicated by event_id)."""

    authentication_classes = [ServiceTokenAuthentication, SessionAuthentication]
    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Record events (service token)",
        description=(
            "Up to EVENTS_BATCH_MAX (default 1,000) events. Each names the product (`sku` or `product_id`) and "
            "the visitor (`customer_id` or `session_id`). Any bad event rejects the whole batch with a 400 listing "
            "every problem; nothing is stored. Events with an `event_id` already stored are counted as duplicates."
        ),
        request=s.EventBatchRequestSerializer,
        responses={
            201: s.EventBatchResultSerializer, 400: _ROW_ERRORS, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF,
            429: THROTTLED,
        },
        examples=[
            OpenApiExample(
                "two events", request_only=True,
                value={"events": [
                    {"event_type": "view", "sku": "85123A", "customer_id": 12346, "occurred_at": "2026-11-28T09:15:00Z",
                     "device": "mobile", "traffic_source": "email", "dwell_seconds": 31.5, "event_id": "web-8812"},
                    {"event_type": "search", "session_id": "s-2f9c", "query": "usb c charger", "event_id": "web-8813"},
                ]},
            ),
            OpenApiExample("stored", response_only=True, status_codes=["201"], value={"created": 2, "duplicates": 0}),
        ],
    )
    def post(self, request: Request) -> Response:
        try:
            result = record_events(rows=_body_events(request), source="api")
        except EventBatchError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "duplicates": result.duplicates}, status=status.HTTP_201_CREATED)


def _same_origin(request: Request) -> bool:
    """True unless an Origin (or, without one, a Referer) header names another host."""
    origin = request.META.get("HTTP_ORIGIN")
    source = origin if origin is not None else request.META.get("HTTP_REFERER")
    if source is None:
        return True  # not sent (privacy settings, non-browser clients): nothing to compare
    if origin is not None and origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", []):
        return True
    try:
        parts = urlsplit(source)
        host = request.get_host()
    except (ValueError, DisallowedHost):
        return False
    if not parts.scheme or not parts.netloc:
        return False  # e.g. "Origin: null" from a sandboxed frame
    default_port = {"http": "80", "https": "443"}.get(parts.scheme)
    their = parts.netloc.lower().removesuffix(f":{default_port}") if default_port else parts.netloc.lower()
    ours = host.lower().removesuffix(f":{default_port}") if default_port else host.lower()
    return their == ours


class EventCollectView(APIView):
    """A browser records its own events for its own session (same origin only)."""

    authentication_classes = [BrowserSessionAuthentication]
    permission_classes = [AllowAny]
    throttle_classes = [CollectThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        summary="Collect this browser's events (public, same origin)",
        description=(
            f"Up to {COLLECT_BATCH_MAX} events of the calling browser. The session comes from the Django session "
            "cookie (created if needed) or the shop's `session_id` cookie; a logged-in customer's own customer is "
            "attached. `customer_id` and `session_id` cannot be sent. Requests whose Origin (or Referer) names "
            "another host are refused. Throttled per client address (`collect` scope)."
        ),
        auth=[],
        request=s.CollectRequestSerializer,
        responses={
            201: s.EventBatchResultSerializer, 400: _ROW_ERRORS,
            403: OpenApiResponse(
                s.DetailSerializer, description="Cross-origin request.",
                examples=[OpenApiExample("other site", value={"detail": "Cross-origin requests cannot record events."})],
            ),
            429: THROTTLED,
        },
        examples=[
            OpenApiExample(
                "a product view", request_only=True,
                value={"events": [{"event_type": "view", "sku": "85123A", "dwell_seconds": 12.0, "event_id": "e1"}]},
            ),
            OpenApiExample("stored", response_only=True, status_codes=["201"], value={"created": 1, "duplicates": 0}),
        ],
    )
    def post(self, request: Request) -> Response:
        if not _same_origin(request):
            return Response({"detail": "Cross-origin requests cannot record events."}, status=status.HTTP_403_FORBIDDEN)
        try:
            result = record_visitor_events(request, _body_events(request))
        except EventBatchError as exc:
            return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"created": result.created, "duplicates": result.duplicates}, status=status.HTTP_201_CREATED)
