"""Thin views: parse input, call a service, shape the answer."""
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from electroshop.api.permissions import IsStaffOrServiceToken
from electroshop.api.schema import FORBIDDEN_STAFF, NOT_FOUND, THROTTLED, UNAUTHENTICATED, VALIDATION_ERROR
from electroshop.api.throttling import FraudScoreThrottle, WriteThrottle
from electroshop.mlops.selectors import version_number
from electroshop.seam import get_adapter

from .. import actions, services
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


class DecisionView(APIView):
    """Approve or reject an assessed order (staff and service tokens): a training label, the held
    order released or cancelled, the case history and the shop's webhook."""

    permission_classes = [IsStaffOrServiceToken]
    throttle_classes = [WriteThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        request=s.DecisionRequestSerializer, examples=[s.DECISION_EXAMPLE, s.DECISION_RESPONSE_EXAMPLE],
        responses={200: s.DecisionResponseSerializer, 400: VALIDATION_ERROR, 401: UNAUTHENTICATED,
                   403: FORBIDDEN_STAFF, 404: NOT_FOUND, 429: THROTTLED},
    )
    def post(self, request: Request, assessment_id: int) -> Response:
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["send a JSON object"]})
        body = s.DecisionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if not RiskAssessment.objects.filter(pk=assessment_id).exists():
            raise NotFound(f"no assessment with id {assessment_id}")
        assessment = actions.decide(assessment_id=assessment_id, decision=body.validated_data["decision"],
                                    decided_by=request.user.get_username(), note=body.validated_data.get("note", ""))
        order_status = get_adapter().order_status(assessment.order_id) if assessment.order_id else None
        return Response({**assessment_body(assessment), "decision": assessment.decision,
                         "decided_by": assessment.decided_by, "order_status": order_status})
