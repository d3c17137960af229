from django.apps import AppConfig


class SeamConfig(AppConfig):
    name = "electroshop.seam"
    label = "seam"
    verbose_name = "Shop seam"
    default_auto_field = "django.db.models.BigAutoField"
