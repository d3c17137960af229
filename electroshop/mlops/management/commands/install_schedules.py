"""``manage.py install_schedules``: the default periodic tasks (django-celery-beat), idempotently.

Nightly retrains at different hours (so they do not compete for the workers), an hourly prune
of old model versions, the daily model check after them, and the experiments update (attribution, KPIs) every five minutes. Existing tasks are left as the merchant edited them in the admin;
``--reset`` puts the defaults back.
"""
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask

# name -> (task, kwargs, crontab minute, crontab hour)
DEFAULT_SCHEDULES = {
    "Nightly retrain: recommendations": ("ml.retrain_scheduled", {"app": "recommendations"}, "0", "2"),
    "Nightly retrain: forecasting": ("ml.retrain_scheduled", {"app": "forecasting"}, "0", "3"),
    "Nightly retrain: fraud": ("ml.retrain_scheduled", {"app": "fraud"}, "0", "4"),
    "Hourly prune of old model versions": ("ml.prune_model_versions", {}, "15", "*"),
    # Just after midnight: carry stock levels into the new day (censored stock-out days for forecasts).
    "Daily stock snapshot": ("forecasting.snapshot_stock", {}, "5", "0"),
    # Fraud webhook messages whose delivery task was lost (a killed worker, the broker down).
    "Fraud webhook sweep": ("fraud.retry_webhooks", {}, "*/10", "*"),
    # New events and orders attributed to recommendation lists, KPIs and experiments brought up to date.
    "Experiments and KPIs update": ("experiments.update", {}, "*/5", "*"),
    # After the nightly retrains: each serving model's data drift and freshness (monitoring).
    "Daily model check": ("monitoring.check_models", {}, "0", "6"),
}


class Command(BaseCommand):
    help = "Install the default periodic tasks (retrains, pruning); existing ones are kept unless --reset."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Restore the default schedule of existing tasks.")

    @transaction.atomic
    def handle(self, *args, **options):
        import json

        for name, (task, kwargs, minute, hour) in DEFAULT_SCHEDULES.items():
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*",
                timezone=settings.TIME_ZONE,
            )
            defaults = {"task": task, "kwargs": json.dumps(kwargs), "crontab": crontab, "interval": None,
                        "solar": None, "clocked": None, "enabled": True}
            existing = PeriodicTask.objects.filter(name=name).first()
            if existing is None:
                PeriodicTask.objects.create(name=name, **defaults)
                self.stdout.write(f"installed: {name} ({task} at {minute} {hour} * * *)")
            elif options["reset"]:
                for field, value in defaults.items():
                    setattr(existing, field, value)
                existing.save()
                self.stdout.write(f"reset: {name}")
            else:
                self.stdout.write(f"kept: {name} (already installed)")
