from django.apps import AppConfig


class ForecastingConfig(AppConfig):
    name = "forecasting"
    verbose_name = "Forecasting"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD

    def ready(self) -> None:
        from electroshop.mlops.registry import register_app
        from electroshop.seam import signals as shop_signals

        from . import checks, models, selectors, services  # noqa: F401 (checks registers itself)

        register_app(
            app=selectors.APP, kind=selectors.KIND, trainer=services.train_forecasts,
            cached_tables=[models.DemandForecast, models.CategoryForecast, models.ReorderSuggestion,
                           models.StockAlert, models.ForecastBacktest, models.LostSales],
        )

        def log_stock_levels(*, levels, **kwargs) -> None:
            # The stock-out log behind censored demand days.
            for product_id, (on_hand, on_order) in levels.items():
                services.record_stock_level(product_id=product_id, on_hand=on_hand, on_order=on_order)

        shop_signals.stock_changed.connect(log_stock_levels, dispatch_uid="forecasting-stock-log", weak=False)
