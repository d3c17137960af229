from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "electroshop.shop"
    label = "shop"
    verbose_name = "Shop"
