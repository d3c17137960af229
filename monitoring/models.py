from django.db import models
from django.utils import timezone


class ModelCheck(models.Model):
    """One check of one app's serving model: its report as ``check_models`` printed it."""

    app = models.CharField(max_length=50)
    model_version = models.PositiveIntegerField(default=0, help_text="the active version's number; 0: none active")
    checked_at = models.DateTimeField(default=timezone.now)
    as_of = models.DateTimeField(help_text="the day the check treated as today")
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["app", "-checked_at"], name="monitoring_check_app_time")]

    def __str__(self) -> str:
        return f"{self.app} v{self.model_version} at {self.checked_at:%Y-%m-%d %H:%M}"
