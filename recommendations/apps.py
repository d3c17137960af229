from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from electroshop.mlops.registry import register_app
        from electroshop.seam import signals as shop_signals
        from electroshop.seam.events import register_event_listener

        from . import models, selectors, services

        register_app(
            app=selectors.APP, kind=selectors.KIND, trainer=services.train_recommendations,
            cached_tables=[models.ProductRecommendation, models.SimilarProducts, models.BoughtTogether,
                           models.TrendingProducts],
        )
        register_event_listener(services.on_events_recorded)
        shop_signals.customer_changed.connect(services.on_customer_changed, dispatch_uid="recs-personalization-consent")

        def forget_rules(**kwargs) -> None:
            selectors.forget_merchandising_rules()

        for model in (models.MerchandisingRule, models.RepeatPurchaseCategory):
            # weak=False: the receiver is a local function, which a weak reference would let vanish.
            post_save.connect(forget_rules, sender=model, weak=False, dispatch_uid=f"recs-forget-{model.__name__}")
            post_delete.connect(forget_rules, sender=model, weak=False,
                                dispatch_uid=f"recs-forget-del-{model.__name__}")
