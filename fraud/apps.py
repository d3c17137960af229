from django.apps import AppConfig


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud"

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from electroshop.mlops.registry import register_app
        from electroshop.shop.models import Customer, Order, Review

        from . import models, selectors, services

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
        def order_created(sender, instance, created, raw=False, **kwargs) -> None:
            if created and not raw:
                order_id, customer_id = instance.pk, instance.customer_id
                transaction.on_commit(lambda: services.score_new_order(order_id))
                if customer_id is not None:
                    transaction.on_commit(lambda: services.rescore_signup_at_first_order(customer_id))

        def customer_created(sender, instance, created, raw=False, **kwargs) -> None:
            if created and not raw:
                customer_id = instance.pk
                transaction.on_commit(lambda: services.score_new_customer(customer_id))

        def review_created(sender, instance, created, raw=False, **kwargs) -> None:
            if created and not raw:
                review_id = instance.pk
                transaction.on_commit(lambda: services.score_new_review(review_id))

        post_save.connect(order_created, sender=Order, dispatch_uid="fraud-score-new-order", weak=False)
        post_save.connect(customer_created, sender=Customer, dispatch_uid="fraud-score-new-customer", weak=False)
        post_save.connect(review_created, sender=Review, dispatch_uid="fraud-score-new-review", weak=False)
