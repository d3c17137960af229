from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from electroshop.seam.adapter import PAYMENT_SIGNAL_VALUES

MAX_ID = 2**63 - 1
ORDER_FIELDS = (
    "number", "created_at", "customer_id", "email", "total", "currency", "billing_country", "shipping_country",
    "shipping_address", "ip_address", "ip_country", "device_id", "user_agent", "payment_method", "card_fingerprint",
    "card_bin", "card_country", "avs_result", "cvc_result", "three_ds_result",
)


def _order_id_field() -> serializers.IntegerField:
    return serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID,
                                    help_text="a saved order's id (then send no other field)")


class ScoreByIdSerializer(serializers.Serializer):
    """A body of ``order_id`` alone, the common case: validated without building (deep-copying) the
    checkout fields of :class:`ScoreRequestSerializer`, which cost a noticeable share of a score."""

    order_id = _order_id_field()


class ScoreRequestSerializer(serializers.Serializer):
    """Either ``order_id`` of a saved order, or the fields of a checkout not saved yet (``total`` at least)."""

    order_id = _order_id_field()
    number = serializers.CharField(required=False, max_length=64, allow_blank=True)
    created_at = serializers.DateTimeField(required=False, help_text="checkout time (default: now)")
    customer_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    total = serializers.DecimalField(required=False, max_digits=14, decimal_places=2, min_value=0)
    currency = serializers.CharField(required=False, max_length=3, allow_blank=True)
    billing_country = serializers.CharField(required=False, max_length=100, allow_blank=True)
    shipping_country = serializers.CharField(required=False, max_length=100, allow_blank=True)
    shipping_address = serializers.CharField(required=False, max_length=500, allow_blank=True)
    ip_address = serializers.IPAddressField(required=False, allow_blank=True)
    ip_country = serializers.CharField(required=False, max_length=100, allow_blank=True)
    device_id = serializers.CharField(required=False, max_length=128, allow_blank=True)
    user_agent = serializers.CharField(required=False, max_length=500, allow_blank=True)
    payment_method = serializers.CharField(required=False, max_length=32, allow_blank=True)
    card_fingerprint = serializers.CharField(required=False, max_length=128, allow_blank=True)
    card_bin = serializers.CharField(required=False, max_length=8, allow_blank=True)
    card_country = serializers.CharField(required=False, max_length=100, allow_blank=True,
                                         help_text="the card's country, from its BIN")
    avs_result = serializers.ChoiceField(required=False, allow_blank=True, choices=PAYMENT_SIGNAL_VALUES["avs_result"],
                                         help_text="the payment provider's address verification")
    cvc_result = serializers.ChoiceField(required=False, allow_blank=True, choices=PAYMENT_SIGNAL_VALUES["cvc_result"],
                                         help_text="the payment provider's card security code check")
    three_ds_result = serializers.ChoiceField(required=False, allow_blank=True,
                                              choices=PAYMENT_SIGNAL_VALUES["three_ds_result"],
                                              help_text="the 3-D Secure outcome")

    def validate(self, attrs):
        given = [name for name in ORDER_FIELDS if name in attrs]
        if "order_id" in attrs:
            if given:
                raise serializers.ValidationError(
                    {given[0]: ["send either order_id or the order's fields, not both"]})
            return attrs
        if "total" not in attrs:
            raise serializers.ValidationError(
                {"order_id": ["give order_id, or the order's fields (total at least) for a checkout not saved yet"]})
        return attrs


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="stable machine code, e.g. CARD_FINGERPRINT_NB_TX_1H")
    message = serializers.CharField()
    weight = serializers.FloatField(help_text="contribution to the score, in score points (negative: lowered it)")


class ScoreResponseSerializer(serializers.Serializer):
    assessment_id = serializers.IntegerField()
    order_id = serializers.IntegerField(allow_null=True, help_text="null for a checkout not saved yet")
    score = serializers.FloatField(help_text="0 (safe) to 100 (fraud)")
    level = serializers.ChoiceField(choices=["allow", "review", "block"])
    reasons = ReasonSerializer(many=True, help_text="never empty")
    rules_matched = serializers.ListField(child=serializers.DictField(), help_text=(
        'the rule that decided ({"type": "rule", "id", "name", "action"}) or list entries '
        '({"type": "block_list"|"allow_list", "kind", "value"}); empty when the thresholds decided'))
    model_version = serializers.IntegerField(
        allow_null=True, help_text="the version number of the model that scored (as in the admin); null: rules only")
    source = serializers.ChoiceField(choices=["model", "rules_only"])


SCORE_BY_ID_EXAMPLE = OpenApiExample("a saved order", value={"order_id": 1042}, request_only=True)
SCORE_PAYLOAD_EXAMPLE = OpenApiExample("a checkout not saved yet", request_only=True, value={
    "total": "749.00", "currency": "GBP", "customer_id": 17850, "email": "sam@example.com",
    "ip_address": "203.0.113.7", "ip_country": "Nigeria", "billing_country": "United Kingdom",
    "shipping_country": "United Kingdom", "shipping_address": "1 High St, London", "device_id": "d-83f2",
    "card_fingerprint": "fp_9a8b7c", "card_country": "United States", "payment_method": "card",
    "avs_result": "no_match", "cvc_result": "match", "three_ds_result": "attempted",
})
SCORE_RESPONSE_EXAMPLE = OpenApiExample("needs review", response_only=True, value={
    "assessment_id": 5531, "order_id": 1042, "score": 63.4, "level": "review",
    "reasons": [
        {"code": "CARD_FINGERPRINT_NB_TX_1H", "message": "4 earlier transactions of this card fingerprint in the last 1h",
         "weight": 21.7},
        {"code": "IP_BILLING_MISMATCH", "message": "IP country differs from the billing country", "weight": 9.2},
    ],
    "rules_matched": [], "model_version": 12, "source": "model",
})
SCORE_RULES_ONLY_EXAMPLE = OpenApiExample("rules only, a rule matched", response_only=True, value={
    "assessment_id": 5532, "order_id": None, "score": 20.0, "level": "block",
    "reasons": [{"code": "RULE_3", "message": "rule 'Big orders from abroad' matched: block", "weight": 0.0},
                {"code": "IP_BILLING_MISMATCH", "message": "IP country differs from the billing country", "weight": 10.0}],
    "rules_matched": [{"type": "rule", "id": 3, "name": "Big orders from abroad", "action": "block"}],
    "model_version": None, "source": "rules_only",
})


class DecisionRequestSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"],
                                       help_text="approve (genuine: a held order is released) or reject (fraud: cancelled)")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="kept on the case page")


class DecisionResponseSerializer(ScoreResponseSerializer):
    decision = serializers.ChoiceField(choices=["pending", "approved", "rejected"])
    decided_by = serializers.CharField()
    order_status = serializers.CharField(allow_null=True, help_text="the order's status after the decision (null: none kept)")


DECISION_EXAMPLE = OpenApiExample("reject as fraud", request_only=True,
                                  value={"decision": "reject", "note": "card reported stolen by the bank"})
DECISION_RESPONSE_EXAMPLE = OpenApiExample("rejected and cancelled", response_only=True, value={
    "assessment_id": 5531, "order_id": 1042, "score": 63.4, "level": "review",
    "reasons": [{"code": "CARD_FINGERPRINT_NB_TX_1H", "message": "4 earlier transactions of this card fingerprint "
                 "in the last 1h", "weight": 21.7}],
    "rules_matched": [], "model_version": 12, "source": "model", "decision": "rejected", "decided_by": "fraud-backend",
    "order_status": "cancelled",
})
