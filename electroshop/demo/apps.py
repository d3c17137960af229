from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "electroshop.demo"
    label = "demo"
    verbose_name = "Demo shop"
