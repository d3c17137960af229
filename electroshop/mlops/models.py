"""The model registry shared by every AI app.

A training run creates a ``ModelVersion``; the app fills its cached tables keyed by that version;
activation flips which version is ``active`` in one transaction. A partial unique constraint
guarantees at most one active version per (app, kind), so readers always see exactly one.
"""
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        TRAINING = "training"
        READY = "ready"
        ACTIVE = "active"
        FAILED = "failed"
        RETIRED = "retired"

    app = models.CharField(max_length=50, help_text="recommendations, forecasting or fraud")
    kind = models.CharField(max_length=50, help_text="which model of the app, e.g. hybrid, demand, order_risk")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TRAINING, db_index=True)
    as_of = models.DateTimeField(help_text="The day the model treated as today; only data before it was used.")
    data_start = models.DateTimeField(null=True, blank=True)
    data_end = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artifact_path = models.CharField(max_length=500, blank=True)
    artifact_sha256 = models.CharField(max_length=64, blank=True)
    train_seconds = models.FloatField(null=True, blank=True)
    fill_seconds = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["app", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["app", "kind", "version"], name="mlops_version_unique"),
            models.UniqueConstraint(
                fields=["app", "kind"], condition=Q(status="active"), name="mlops_one_active_version_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.app}.{self.kind} v{self.version} ({self.status})"

    @property
    def label(self) -> str:
        return f"{self.app}.{self.kind}.v{self.version}"


class TrainingRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    app = models.CharField(max_length=50)
    kind = models.CharField(max_length=50)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    model_version = models.ForeignKey(
        ModelVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="training_runs"
    )
    as_of = models.DateTimeField(null=True, blank=True)
    progress = models.FloatField(default=0.0, help_text="0 to 1")
    stage = models.CharField(max_length=200, blank=True)
    log = models.TextField(blank=True)
    error = models.TextField(blank=True)
    triggered_by = models.CharField(max_length=100, blank=True, help_text="command, admin:<user>, schedule, api")
    celery_task_id = models.CharField(max_length=64, blank=True)
    # Fan-out bookkeeping (see mlops.fanout): how many chunks, and whether the finaliser was claimed.
    chunks_total = models.PositiveIntegerField(default=0)
    finalize_claimed = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"run {self.pk} {self.app}.{self.kind} ({self.status})"

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class TrainingRunChunk(models.Model):
    """One finished chunk of a fanned-out fill; the unique key makes a retried chunk count once."""

    run = models.ForeignKey(TrainingRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    finished_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="mlops_chunk_unique")]

    def __str__(self) -> str:
        return f"run {self.run_id} chunk {self.index}"
