"""Risk assessments, labels, and the merchant's fraud configuration (rules, lists, thresholds).

Shop rows (orders, customers, reviews) are referenced by plain indexed id columns, never by a
database constraint, so these migrations never touch the shop's tables.
"""
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from electroshop.mlops.models import ModelVersion


class Level(models.TextChoices):
    ALLOW = "allow"
    REVIEW = "review"
    BLOCK = "block"


class RiskAssessment(models.Model):
    """One scoring of one order (or of a checkout payload not saved yet: ``order_id`` null)."""

    class Decision(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected", "rejected as fraud"

    order_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    order_number = models.CharField(max_length=128, blank=True)
    customer_id = models.BigIntegerField(null=True, blank=True)
    order_created_at = models.DateTimeField(help_text="the order's time: features use only what was known then")
    score = models.FloatField(help_text="0-100")
    level = models.CharField(max_length=8, choices=Level.choices)
    reasons = models.JSONField(default=list, help_text='[{"code", "message", "weight"}, ...]')
    rules_matched = models.JSONField(default=list)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+")
    model_score = models.FloatField(null=True, blank=True, help_text="the model's 0-100 score (null: rules only)")
    features = models.JSONField(default=dict, help_text="snapshot of every feature and order attribute used")
    source = models.CharField(max_length=16, default="order", help_text="order (on creation), api, payload")
    decision = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING, db_index=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["level", "decision", "-score"], name="fraud_ra_queue"),
            models.Index(fields=["order_id", "-created_at"], name="fraud_ra_order_latest"),
            # the admin's filters, newest first
            models.Index(fields=["level", "created_at"], name="fraud_ra_level_time"),
            models.Index(fields=["decision", "created_at"], name="fraud_ra_decision_time"),
            models.Index(fields=["source", "created_at"], name="fraud_ra_source_time"),
        ]

    def __str__(self) -> str:
        return f"{self.order_number or 'checkout'}: {self.score:.0f} ({self.level})"


class FraudLabel(models.Model):
    """What became known about an order, and when: the training labels.

    ``known_at`` is when the shop learned it (a chargeback's date, a reviewer's decision): a label
    never influences the score of an order placed before it was known.
    """

    class Source(models.TextChoices):
        REVIEW = "review", "review decision"
        CHARGEBACK = "chargeback"
        MANUAL = "manual"

    order_id = models.BigIntegerField(db_index=True)
    order_number = models.CharField(max_length=128, blank=True)
    order_created_at = models.DateTimeField()
    is_fraud = models.BooleanField()
    source = models.CharField(max_length=16, choices=Source.choices)
    known_at = models.DateTimeField(db_index=True)
    reason = models.CharField(max_length=300, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["-known_at"]
        constraints = [models.UniqueConstraint(fields=["order_id", "source"], name="fraud_label_one_per_source")]

    def __str__(self) -> str:
        return f"{self.order_number or self.order_id}: {'fraud' if self.is_fraud else 'genuine'} ({self.source})"


class FraudRule(models.Model):
    """A merchant rule: when every clause holds, take the action. Lowest priority number first."""

    name = models.CharField(max_length=200)
    conditions = models.JSONField(
        help_text='JSON list of clauses, all must hold: [{"feature": "amount", "op": ">=", "value": 500}, '
                  '{"feature": "ip_country", "op": "not_in", "value": ["United Kingdom"]}]. '
                  "Ops: > >= < <= == != in not_in.")
    action = models.CharField(max_length=8, choices=Level.choices)
    priority = models.IntegerField(default=100, help_text="evaluated in ascending order; the first match wins")
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return f"{self.priority}: {self.name} -> {self.action}"

    def clean(self) -> None:
        from .rules import RuleError, validate_conditions

        try:
            self.conditions = validate_conditions(self.conditions)
        except RuleError as exc:
            raise ValidationError({"conditions": str(exc)}) from None


class ListEntry(models.Model):
    """An allow- or block-list entry for one kind of identity."""

    class ListType(models.TextChoices):
        ALLOW = "allow"
        BLOCK = "block"

    class Kind(models.TextChoices):
        EMAIL = "email"
        EMAIL_DOMAIN = "email_domain", "e-mail domain"
        IP = "ip", "IP address"
        DEVICE = "device", "device id"
        CARD = "card_fingerprint", "payment fingerprint"
        CUSTOMER = "customer", "customer id"

    list_type = models.CharField(max_length=8, choices=ListType.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.CharField(max_length=254, help_text="compared case-insensitively (e-mails, domains)")
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "allow/block list entry"
        verbose_name_plural = "allow/block list entries"
        ordering = ["list_type", "kind", "value"]
        constraints = [models.UniqueConstraint(fields=["list_type", "kind", "value"], name="fraud_list_unique")]

    def __str__(self) -> str:
        return f"{self.list_type} {self.kind} {self.value}"

    def clean(self) -> None:
        from .rules import normalise_list_value

        try:
            self.value = normalise_list_value(self.kind, self.value)
        except ValueError as exc:
            raise ValidationError({"value": str(exc)}) from None

    def save(self, *args, **kwargs):
        from .rules import normalise_list_value

        try:
            self.value = normalise_list_value(self.kind, self.value)
        except ValueError:
            pass  # clean() reports it in forms; code paths passing odd values keep them verbatim
        super().save(*args, **kwargs)


class FraudSettings(models.Model):
    """The merchant's thresholds, one row (blank fields fall back to ELECTROSHOP defaults)."""

    review_threshold = models.FloatField(null=True, blank=True, help_text="score at or above which an order is reviewed")
    block_threshold = models.FloatField(null=True, blank=True, help_text="score at or above which an order is blocked")
    label_delay_days = models.FloatField(null=True, blank=True,
                                         help_text="an order older than this with no label is presumed genuine; entity "
                                                   "risk divides known frauds by the orders at least this old (takes "
                                                   "effect at the next retrain)")
    class BlockAction(models.TextChoices):
        HOLD = "hold", "hold the order until a decision"
        CANCEL = "cancel", "cancel the order"

    block_action = models.CharField(max_length=8, choices=BlockAction.choices, default=BlockAction.HOLD,
                                    help_text="what a new order scored 'block' does (a 'review' order is always held)")
    review_hold_threshold = models.FloatField(default=70, help_text="review-authenticity score (0-100) that holds a review")
    signup_review_threshold = models.FloatField(default=60, help_text="sign-up risk (0-100) flagged for review")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "fraud settings"

    def __str__(self) -> str:
        return "fraud settings"

    def clean(self) -> None:
        from electroshop.conf import electroshop_settings

        review = self.review_threshold if self.review_threshold is not None else electroshop_settings.FRAUD_REVIEW_THRESHOLD
        block = self.block_threshold if self.block_threshold is not None else electroshop_settings.FRAUD_BLOCK_THRESHOLD
        errors = {}
        for name, value in (("review_threshold", review), ("block_threshold", block)):
            if not 0 <= value <= 100:
                errors[name] = "must be between 0 and 100"
        if not errors and review > block:
            errors["block_threshold"] = "must be at least the review threshold"
        if self.label_delay_days is not None and self.label_delay_days < 0:
            errors["label_delay_days"] = "cannot be negative"
        if errors:
            raise ValidationError(errors)


class CaseEvent(models.Model):
    """What happened to an assessed order, in order: holds, releases, cancellations, decisions, notes."""

    class Kind(models.TextChoices):
        HOLD = "hold"
        RELEASE = "release"
        CANCEL = "cancel"
        DECISION = "decision"
        NOTE = "note"

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    detail = models.CharField(max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True, help_text="e.g. the order status a hold replaced")
    by = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


class WebhookDelivery(models.Model):
    """One message to the shop's webhook (``FRAUD_WEBHOOK_URL``), retried with back-off until delivered."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DELIVERED = "delivered"
        FAILED = "failed", "failed (no more attempts)"

    event = models.CharField(max_length=64)
    assessment = models.ForeignKey(RiskAssessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.URLField(max_length=500)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.IntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} -> {self.url} ({self.status})"


class SignupAssessment(models.Model):
    """Fake-account risk of one customer, scored at sign-up and again at the first purchase."""

    customer_id = models.BigIntegerField(unique=True)
    score = models.FloatField()
    level = models.CharField(max_length=8, choices=Level.choices)
    reasons = models.JSONField(default=list)
    features = models.JSONField(default=dict)
    decision = models.CharField(max_length=16, choices=RiskAssessment.Decision.choices,
                                default=RiskAssessment.Decision.PENDING)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score"]
        indexes = [  # the admin's order, alone and with its filter
            models.Index(fields=["-score"], name="fraud_signup_score"),
            models.Index(fields=["level", "-score"], name="fraud_signup_level_score"),
        ]

    def __str__(self) -> str:
        return f"customer {self.customer_id}: {self.score:.0f}"


class ReviewAssessment(models.Model):
    """Authenticity score of one shop review; suspicious ones are held for moderation."""

    review_id = models.BigIntegerField(unique=True)
    score = models.FloatField(help_text="0-100: how likely the review is fake")
    held = models.BooleanField(default=False)
    reasons = models.JSONField(default=list)
    model_version = models.ForeignKey(ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    moderated_by = models.CharField(max_length=150, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation = models.CharField(max_length=16, blank=True, help_text="approved / rejected")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score"]
        indexes = [models.Index(fields=["-score"], name="fraud_review_score")]  # the admin's order

    def __str__(self) -> str:
        return f"review {self.review_id}: {self.score:.0f}"


# --- admin entry points (proxies: no tables) ---------------------------------------------------------

class ReviewQueueItem(RiskAssessment):
    class Meta:
        proxy = True
        verbose_name = "order to review"
        verbose_name_plural = "review queue"


class FraudDashboard(ModelVersion):
    class Meta:
        proxy = True
        verbose_name = verbose_name_plural = "fraud model"


class HeldReview(ReviewAssessment):
    """Reviews held as possibly fake, for moderators; their text comes from the shop adapter."""

    class Meta:
        proxy = True
        verbose_name = "review to moderate"
        verbose_name_plural = "review moderation"
