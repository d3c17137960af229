from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Model monitoring"
    default_auto_field = "django.db.models.BigAutoField"
