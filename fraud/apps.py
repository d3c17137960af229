from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from electroshop.mlops.registry import register_app
        from electroshop.seam import signals as shop_signals

        from django.core import checks

        from . import models, reviews, selectors, services, signups, webhooks

        checks.register(webhooks.check_settings, "fraud")

        # RiskAssessment rows are per order, not per version: pruning a version must not delete them.
        register_app(app=selectors.APP, kind=selectors.KIND, trainer=services.train_fraud, cached_tables=[],
                     warm_up=services.load_active_model)

        def forget_config(**kwargs) -> None:
            selectors.forget_fraud_config()

        for model in (models.FraudRule, models.ListEntry, models.FraudSettings):
            post_save.connect(forget_config, sender=model, dispatch_uid=f"fraud-forget-{model.__name__}", weak=False)
            post_delete.connect(forget_config, sender=model, dispatch_uid=f"fraud-forget-del-{model.__name__}", weak=False)

        # Every new order, customer and review is scored once its transaction commits (a rolled-back
        # order is never scored; a scoring failure is logged and never breaks the shop's save).
        def order_placed(*, order_id, customer_id, **kwargs) -> None:
            transaction.on_commit(lambda: services.score_new_order(order_id))
            if customer_id is not None:
                transaction.on_commit(lambda: signups.rescore_signup_at_first_order(customer_id))

        def customer_created(*, customer_id, **kwargs) -> None:
            transaction.on_commit(lambda: signups.score_new_customer(customer_id))

        def review_created(*, review_id, **kwargs) -> None:
            transaction.on_commit(lambda: reviews.score_new_review(review_id))

        shop_signals.order_placed.connect(order_placed, dispatch_uid="fraud-score-new-order", weak=False)
        shop_signals.customer_created.connect(customer_created, dispatch_uid="fraud-score-new-customer", weak=False)
        shop_signals.review_created.connect(review_created, dispatch_uid="fraud-score-new-review", weak=False)
