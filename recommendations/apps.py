import logging

from django.apps import AppConfig

logger = logging.getLogger("electroshop.recommendations")


def _logged(work, *args, **kwargs) -> None:
    try:
        work(*args, **kwargs)
    except Exception:
        logger.exception("real-time recommendation update failed: %s", getattr(work, "__name__", work))


class RecommendationsConfig(AppConfig):
    name = "recommendations"
    verbose_name = "Recommendations"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from electroshop.mlops.registry import register_app
        from electroshop.seam import signals as shop_signals
        from electroshop.seam.events import register_event_listener

        from . import live, models, selectors, services, tasks

        register_app(
            app=selectors.APP, kind=selectors.KIND, trainer=services.train_recommendations,
            cached_tables=[models.ProductRecommendation, models.SimilarProducts, models.BoughtTogether,
                           models.TrendingProducts, models.CoVisitedProducts, models.RepurchaseInterval],
        )
        register_event_listener(live.on_events_recorded)
        shop_signals.customer_changed.connect(live.on_customer_changed, dispatch_uid="recs-personalization-consent")

        # After the shop's transaction commits; real time is best effort: a failure is logged and
        # never breaks the shop's save (the next training catches up).
        def order_placed(*, order_id, customer_id, **kwargs) -> None:
            transaction.on_commit(lambda: _logged(live.on_order_placed, order_id=order_id, customer_id=customer_id))

        def catalog_changed(*, product_ids, **kwargs) -> None:
            if product_ids:  # None: categories changed; product texts are read again at the next training
                ids = list(product_ids)
                transaction.on_commit(lambda: _logged(tasks.refresh_content_neighbours_task.delay, ids))

        shop_signals.order_placed.connect(order_placed, dispatch_uid="recs-live-new-order", weak=False)
        shop_signals.catalog_changed.connect(catalog_changed, dispatch_uid="recs-content-neighbours", weak=False)

        def forget_rules(**kwargs) -> None:
            selectors.forget_merchandising_rules()

        # the settings row's diversity travels with the rules: the next read obeys a change
        for model in (models.MerchandisingRule, models.RepeatPurchaseCategory, models.RecommendationSettings):
            # weak=False: the receiver is a local function, which a weak reference would let vanish.
            post_save.connect(forget_rules, sender=model, weak=False, dispatch_uid=f"recs-forget-{model.__name__}")
            post_delete.connect(forget_rules, sender=model, weak=False,
                                dispatch_uid=f"recs-forget-del-{model.__name__}")
