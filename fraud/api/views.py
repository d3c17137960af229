"""Thin views: parse input, call a service, shape the answer."""
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, THROTTLED, UNAUTHENTICATED, VALIDATION_ERROR
from electroshop.api.throttling import FraudScoreThrottle
from electroshop.mlops.selectors import version_number
from electroshop.seam import get_adapter

from .. import services
from ..models import RiskAssessment
from . import serializers as s


def assessment_body(assessment: RiskAssessment) -> dict:
    return {
        "assessment_id": assessment.pk, "order_id": assessment.order_id, "score": round(assessment.score, 2),
        "level": assessment.level, "reasons": assessment.reasons, "rules_matched": assessment.rules_matched,
        "model_version": version_number(assessment.model_version_id),
        "source": "model" if assessment.model_version_id else "rules_only",
    }


class ScoreOrderView(APIView):
    """Score an order now: a saved one by id, or a checkout's fields before it is saved (staff and service tokens)."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [FraudScoreThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        request=s.ScoreRequestSerializer,
        examples=[s.SCORE_BY_ID_EXAMPLE, s.SCORE_PAYLOAD_EXAMPLE, s.SCORE_RESPONSE_EXAMPLE, s.SCORE_RULES_ONLY_EXAMPLE],
        responses={200: s.ScoreResponseSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED, 403: FORBIDDEN_STAFF,
                   429: THROTTLED},
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["send a JSON object"]})
        by_id = request.data.keys() == {"order_id"}
        body = (s.ScoreByIdSerializer if by_id else s.ScoreRequestSerializer)(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "order_id" in data:
            try:
                assessment = services.score_order(order_id=data["order_id"], source="api")
            except services.OrderNotFound:
                raise ValidationError({"order_id": [f"no order with id {data['order_id']}"]}) from None
            return Response(assessment_body(assessment))
        payload = dict(data)
        if payload.get("customer_id") is not None:
            created = get_adapter().customer_created_at(payload["customer_id"])
            if created is None:
                raise ValidationError({"customer_id": [f"no customer with id {payload['customer_id']}"]})
            payload["customer_created_at"] = created
        payload["total"] = float(payload["total"])
        if payload.get("ip_address") == "":
            payload["ip_address"] = None
        return Response(assessment_body(services.score_checkout(payload=payload)))
