from django.apps import AppConfig


class LegacyShopConfig(AppConfig):
    name = "tests.hosts.legacy.legacyshop"
    label = "legacyshop"
    verbose_name = "Legacy shop"
