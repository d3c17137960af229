from django.apps import AppConfig


class SeamConfig(AppConfig):
    name = "electroshop.seam"
    label = "seam"
    verbose_name = "Shop seam"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals, stamps
        from .registry import get_adapter

        # Cached answers built from shop data are stored with stamps these forget (see stamps.py).
        signals.catalog_changed.connect(stamps.on_catalog_changed, dispatch_uid="seam-stamp-catalog")
        signals.stock_changed.connect(stamps.on_catalog_changed, dispatch_uid="seam-stamp-stock")
        signals.order_changed.connect(stamps.on_order_changed, dispatch_uid="seam-stamp-orders")
        signals.customer_changed.connect(stamps.on_customer_changed, dispatch_uid="seam-stamp-customer")
        get_adapter().connect_host_signals()
