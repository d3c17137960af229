from django.apps import AppConfig


class MlopsConfig(AppConfig):
    name = "electroshop.mlops"
    label = "mlops"
    verbose_name = "Model registry"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD
