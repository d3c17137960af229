from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    verbose_name = "Forecasting"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from electroshop.mlops.registry import register_app
        from electroshop.shop.models import Stock

        from . import models, selectors, services

        register_app(
            app=selectors.APP, kind=selectors.KIND, trainer=services.train_forecasts,
            cached_tables=[models.DemandForecast, models.CategoryForecast, models.ReorderSuggestion,
                           models.StockAlert, models.ForecastBacktest],
        )

        def log_stock_level(sender, instance, raw=False, **kwargs) -> None:
            # The stock-out log behind censored demand days; fixtures (raw) are not stock movements.
            if not raw:
                services.record_stock_level(product_id=instance.product_id, on_hand=instance.on_hand,
                                            on_order=instance.on_order)

        post_save.connect(log_stock_level, sender=Stock, dispatch_uid="forecasting-stock-log",
                          weak=False)
