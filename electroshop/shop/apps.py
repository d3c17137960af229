from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "electroshop.shop"
    label = "shop"
    verbose_name = "Shop"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from electroshop.seam import stamps

        from . import models

        # Cached answers built from shop data are stored with stamps these forget (see stamps.py).
        for name, signal in (("save", post_save), ("delete", post_delete)):
            for model in (models.Product, models.Stock, models.Category):
                signal.connect(stamps.on_catalog_changed, sender=model, dispatch_uid=f"shop-stamp-{model.__name__}-{name}")
            signal.connect(stamps.on_order_changed, sender=models.Order, dispatch_uid=f"shop-stamp-order-{name}")
            signal.connect(stamps.on_order_line_changed, sender=models.OrderLine, dispatch_uid=f"shop-stamp-line-{name}")
            signal.connect(stamps.on_customer_changed, sender=models.Customer, dispatch_uid=f"shop-stamp-customer-{name}")
