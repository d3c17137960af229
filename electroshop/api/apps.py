from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "electroshop.api"
    label = "api"
    verbose_name = "API"
