"""The plugin's events table, for a shop that has none of its own (``ShopAdapter.event_model``).

The built-in shop keeps its events in ``shop.Event``; this table has the same columns, with plain
id columns instead of foreign keys, so it never depends on the shop's tables.
"""
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .adapter import EventType


class Event(models.Model):
    Type = EventType

    customer_id = models.BigIntegerField(null=True, blank=True)
    session_id = models.CharField(max_length=128, blank=True, db_index=True)
    product_id = models.BigIntegerField(null=True, blank=True)
    event_type = models.CharField(max_length=16, choices=Type.choices, db_index=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    query = models.CharField(max_length=300, blank=True, help_text="Search text, for search events.")
    device = models.CharField(max_length=32, blank=True)
    traffic_source = models.CharField(max_length=64, blank=True)
    dwell_seconds = models.FloatField(null=True, blank=True)
    # Which recommendation list showed the product (clicks and purchases are attributed to it).
    recommendation_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Stable key of a posted event, so re-sending it creates no duplicate.
    dedupe_key = models.CharField(max_length=128, null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["customer_id", "occurred_at"]),
            models.Index(fields=["session_id", "occurred_at"]),
            models.Index(fields=["product_id", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer_id__isnull=False) | ~Q(session_id=""), name="seam_event_has_customer_or_session"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.product_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"
