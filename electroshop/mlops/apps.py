from django.apps import AppConfig


class MlopsConfig(AppConfig):
    name = "electroshop.mlops"
    label = "mlops"
    verbose_name = "Model registry"
