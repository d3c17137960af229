"""Experiments, attribution and canary rollouts: what is measured and what is decided.

* ``Experiment`` and ``Variant``: an A/B/n test, a bandit or a canary rollout on a placement; the
  serving weights (``Variant.serving_weight``) are what bucketing reads (the configured weight for an
  A/B test, the bandit's current weight, the canary's current share).
* ``Activity``: per day, list group (placement, strategy, model version, experiment, variant) and
  subject (``customer:<id>`` or ``session:<id>``), what happened: impressions, clicks, add-to-carts,
  attributed orders and revenue. ``update_experiments`` adds new events and orders to it
  incrementally; ``DailyKpi`` rows are summed from it for the groups that changed, and experiment
  results read it per subject.
* ``Conversion``: one attributed purchase (a purchase event with a ``recommendation_id``, or an
  order line after a click on the same product in a list, last touch): at most one per list,
  product and subject, so a purchase event and the order it reports count once.
* ``Rollout`` and ``RolloutStep``: a canary rollout of a model version and its audit records.
"""
import secrets

from django.db import models
from django.utils import timezone


def new_salt() -> str:
    return secrets.token_hex(8)


class Placement(models.TextChoices):
    CUSTOMER = "customer"
    SESSION = "session"
    SIMILAR = "similar"
    BOUGHT_TOGETHER = "bought_together"
    CART = "cart"
    TRENDING = "trending"
    EMAIL = "email"
    ALL = "all", "all placements (canary rollouts)"


class Metric(models.TextChoices):
    CTR = "ctr", "CTR"
    CONVERSION = "conversion", "conversion rate"
    REVENUE_PER_SUBJECT = "revenue_per_subject", "revenue per subject"


class Experiment(models.Model):
    class Mode(models.TextChoices):
        AB = "ab", "A/B/n test"
        BANDIT = "bandit", "bandit (Thompson sampling)"
        CANARY = "canary", "canary rollout of a model version"

    class Status(models.TextChoices):
        DRAFT = "draft"
        RUNNING = "running"
        STOPPED = "stopped"

    name = models.CharField(max_length=120)
    placement = models.CharField(max_length=32, choices=Placement.choices)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.AB)
    primary_metric = models.CharField(max_length=32, choices=Metric.choices, default=Metric.CTR)
    guardrail_metrics = models.JSONField(default=list, blank=True,
                                         help_text="metrics that must not get significantly worse")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # The hash salt: a subject's variant is a function of (salt, subject) alone.
    salt = models.CharField(max_length=32, default=new_salt)
    min_arm_weight = models.FloatField(default=0.01, help_text="bandits: the smallest share any arm keeps")
    minimum_detectable_effect = models.FloatField(
        default=0.10, help_text="relative lift the sample-size estimate is for (0.10 = +10%)")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.TextField(blank=True)
    # The latest results (update_experiments), so the admin and API read them without recomputing.
    results = models.JSONField(default=dict, blank=True)
    results_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # one running experiment per placement (canary rollouts: placement "all", one at a time)
            models.UniqueConstraint(fields=["placement"], condition=models.Q(status="running"),
                                    name="experiments_one_running_per_placement"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.placement}, {self.status})"


HOLDOUT = "none"  # the strategy of a variant that shows no list


class Variant(models.Model):
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(max_length=40)
    position = models.PositiveSmallIntegerField(help_text="0 is the control")
    weight = models.FloatField(help_text="configured traffic weight (relative)")
    serving_weight = models.FloatField(default=0.0, help_text="share of subjects bucketed here now (0..1)")
    strategy = models.CharField(max_length=40, help_text="active, version:<n>, trending, popular or none")
    list_length = models.PositiveSmallIntegerField(null=True, blank=True,
                                                   help_text="items shown; empty: what the caller asks for")

    class Meta:
        ordering = ["experiment", "position"]
        constraints = [
            models.UniqueConstraint(fields=["experiment", "name"], name="experiments_variant_name_unique"),
            models.UniqueConstraint(fields=["experiment", "position"], name="experiments_variant_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.experiment.name}: {self.name}"


class BanditWeights(models.Model):
    """One batch update of a bandit's weights (its history, charted in the admin)."""

    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE, related_name="bandit_updates")
    at = models.DateTimeField(default=timezone.now)
    weights = models.JSONField(help_text="variant name -> serving weight")

    class Meta:
        ordering = ["experiment", "at"]


# The list group every KPI is kept per. 0 / "" stand for none (NULLs would break the unique keys).
GROUP_FIELDS = ("placement", "strategy", "model_version", "experiment_id", "variant")


class Activity(models.Model):
    day = models.DateField()
    placement = models.CharField(max_length=32)
    strategy = models.CharField(max_length=40)
    model_version = models.PositiveIntegerField(default=0, help_text="version number; 0: no model")
    experiment_id = models.PositiveIntegerField(default=0)
    variant = models.CharField(max_length=40, blank=True)
    subject = models.CharField(max_length=140, help_text="customer:<id> or session:<id>")
    impressions = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    add_to_carts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Every order of the subject that day after its first exposure in the experiment, attributed to a
    # list or not (what a holdout, which shows no list, is compared on).
    all_orders = models.PositiveIntegerField(default=0)
    all_revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", *GROUP_FIELDS, "subject"],
                                               name="experiments_activity_unique")]
        indexes = [models.Index(fields=["experiment_id", "variant"]), models.Index(fields=["day"])]


class DailyKpi(models.Model):
    day = models.DateField(db_index=True)
    placement = models.CharField(max_length=32)
    strategy = models.CharField(max_length=40)
    model_version = models.PositiveIntegerField(default=0)
    experiment_id = models.PositiveIntegerField(default=0)
    variant = models.CharField(max_length=40, blank=True)
    impressions = models.PositiveIntegerField(default=0)
    subjects = models.PositiveIntegerField(default=0, help_text="subjects with any activity")
    clicking_subjects = models.PositiveIntegerField(default=0)
    clicks = models.PositiveIntegerField(default=0)
    ctr = models.FloatField(default=0.0)
    add_to_carts = models.PositiveIntegerField(default=0)
    orders = models.PositiveIntegerField(default=0)
    converting_subjects = models.PositiveIntegerField(default=0)
    conversion_rate = models.FloatField(default=0.0, help_text="converting subjects / subjects")
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    revenue_per_subject = models.FloatField(default=0.0)
    average_order_value = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-day", "placement"]
        verbose_name, verbose_name_plural = "daily KPI", "daily KPIs"
        constraints = [models.UniqueConstraint(fields=["day", *GROUP_FIELDS], name="experiments_kpi_unique")]


class Conversion(models.Model):
    class Source(models.TextChoices):
        PURCHASE_EVENT = "purchase_event"
        ORDER = "order"

    list_id = models.CharField(max_length=64, help_text="the recommendation id without its position")
    recommendation_id = models.CharField(max_length=64)
    product_id = models.BigIntegerField()
    subject = models.CharField(max_length=140)
    source = models.CharField(max_length=16, choices=Source.choices)
    order_id = models.BigIntegerField(null=True, blank=True)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    occurred_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["list_id", "product_id", "subject"],
                                               name="experiments_conversion_once_per_list"),
                       # an order line is one sale, whichever list a late click would credit it to
                       models.UniqueConstraint(fields=["order_id", "product_id"],
                                               condition=models.Q(order_id__isnull=False),
                                               name="experiments_conversion_once_per_order_line")]
        # "has this subject already converted on this product?" (attribution's check before counting a sale)
        indexes = [models.Index(fields=["subject", "product_id"], name="experiments_conversion_subject")]


class Cursor(models.Model):
    """How far ``update_experiments`` has read a source (events by id, orders by time)."""

    name = models.CharField(max_length=40, unique=True)
    position = models.BigIntegerField(default=0)
    moment = models.DateTimeField(null=True, blank=True)


class RolloutPolicy(models.Model):
    """The merchant's rollout policy for an app's new model versions (defaults from ELECTROSHOP)."""

    class Policy(models.TextChoices):
        IMMEDIATE = "immediate"
        CANARY = "canary"

    app = models.CharField(max_length=50, unique=True)
    policy = models.CharField(max_length=16, choices=Policy.choices, default=Policy.IMMEDIATE)
    steps = models.JSONField(default=list, blank=True, help_text="shares in percent, e.g. [10, 25, 50, 75, 100]")
    window_hours = models.FloatField(default=24.0)
    max_error_rate = models.FloatField(default=0.01)
    max_p95_ms = models.FloatField(default=250.0)
    kpi_tolerance = models.FloatField(default=0.05, help_text="relative drop of the primary KPI tolerated")
    primary_metric = models.CharField(max_length=32, choices=Metric.choices, default=Metric.CTR)

    class Meta:
        verbose_name_plural = "rollout policies"

    def __str__(self) -> str:
        return f"{self.app}: {self.policy}"


class Rollout(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        ROLLED_BACK = "rolled_back"

    app = models.CharField(max_length=50)
    kind = models.CharField(max_length=50)
    # The versions, while they exist (pruning deletes old ones); their numbers stay for the audit.
    candidate_version = models.ForeignKey("mlops.ModelVersion", null=True, on_delete=models.SET_NULL, related_name="+")
    control_version = models.ForeignKey("mlops.ModelVersion", null=True, on_delete=models.SET_NULL, related_name="+")
    candidate_number = models.PositiveIntegerField(default=0)
    control_number = models.PositiveIntegerField(default=0)
    experiment = models.OneToOneField(Experiment, on_delete=models.PROTECT, related_name="rollout")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RUNNING, db_index=True)
    step = models.PositiveSmallIntegerField(default=0, help_text="index into the policy's steps")
    share = models.FloatField(default=0.0, help_text="share of subjects the candidate serves now (0..1)")
    started_at = models.DateTimeField(default=timezone.now)
    step_started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]


class RolloutStep(models.Model):
    """An audit record: every step, check and decision of a rollout."""

    class Action(models.TextChoices):
        START = "start"
        STEP = "step"
        HOLD = "hold"
        ROLLBACK = "rollback"
        COMPLETE = "complete"

    rollout = models.ForeignKey(Rollout, on_delete=models.CASCADE, related_name="steps")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=16, choices=Action.choices)
    share = models.FloatField()
    checks = models.JSONField(default=dict, blank=True, help_text="each guardrail: value, limit, passed")
    message = models.TextField()

    class Meta:
        ordering = ["rollout", "at", "pk"]
