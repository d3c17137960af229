"""Request and response shapes of the API's own endpoints, for the OpenAPI schema.

Event batches are validated by ``electroshop.seam.events`` (plain Python, all or nothing); these
serializers document the shapes and are not used to validate them.
"""
from rest_framework import serializers

from electroshop.seam.adapter import EventType


class EventSerializer(serializers.Serializer):
    event_type = serializers.ChoiceField(choices=EventType.choices)
    sku = serializers.CharField(required=False, max_length=64, help_text="The product's SKU (or give product_id).")
    product_id = serializers.IntegerField(required=False, min_value=1, help_text="The product's id (or give sku).")
    customer_id = serializers.IntegerField(required=False, min_value=1, help_text="The customer (or give session_id).")
    session_id = serializers.CharField(required=False, max_length=128, help_text="The visitor's session (or customer_id).")
    occurred_at = serializers.DateTimeField(required=False, help_text="ISO 8601; default: now. Not in the future.")
    device = serializers.CharField(required=False, max_length=32)
    traffic_source = serializers.CharField(required=False, max_length=64)
    dwell_seconds = serializers.FloatField(required=False, min_value=0)
    recommendation_id = serializers.CharField(
        required=False, max_length=64, help_text="The recommendation list that showed the product."
    )
    query = serializers.CharField(required=False, max_length=300, help_text="Search text (required for search).")
    event_id = serializers.CharField(
        required=False, max_length=128, help_text="Your stable id of the event: re-sending it stores no duplicate."
    )


class EventBatchRequestSerializer(serializers.Serializer):
    events = EventSerializer(many=True, help_text="Up to EVENTS_BATCH_MAX (default 1,000) events.")


class CollectEventSerializer(serializers.Serializer):
    """A browser's event: no customer_id or session_id, they come from the session."""

    event_type = serializers.ChoiceField(
        choices=["view", "click", "cart", "wishlist", "search", "impression"]
    )
    sku = serializers.CharField(required=False, max_length=64)
    product_id = serializers.IntegerField(required=False, min_value=1)
    occurred_at = serializers.DateTimeField(required=False)
    device = serializers.CharField(required=False, max_length=32)
    traffic_source = serializers.CharField(required=False, max_length=64)
    dwell_seconds = serializers.FloatField(required=False, min_value=0)
    recommendation_id = serializers.CharField(required=False, max_length=64)
    query = serializers.CharField(required=False, max_length=300)
    event_id = serializers.CharField(required=False, max_length=100)


class CollectRequestSerializer(serializers.Serializer):
    events = CollectEventSerializer(many=True, help_text="Up to 50 events.")


class EventBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Events stored.")
    duplicates = serializers.IntegerField(help_text="Events skipped because their event_id was already stored.")


class RowErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="Position of the event in the batch (null: the batch).")
    field = serializers.CharField()
    message = serializers.CharField()


class RowErrorsSerializer(serializers.Serializer):
    errors = RowErrorSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class WhoAmISerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    is_staff = serializers.BooleanField()
    customer_id = serializers.IntegerField(allow_null=True)
