from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "experiments"
    verbose_name = "Experiments and KPIs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from electroshop.mlops.registry import register_prune_guard

        from . import checks, models, rollout, selectors

        register(checks.check_rollout_settings)
        register_prune_guard(rollout.versions_in_use)  # a running canary's candidate is never pruned

        def forget(**kwargs) -> None:
            # now, and again after the commit: a read between the two would have cached the old set again
            selectors.forget_running_experiments()
            transaction.on_commit(selectors.forget_running_experiments)

        for model in (models.Experiment, models.Variant):
            post_save.connect(forget, sender=model, weak=False, dispatch_uid=f"experiments-forget-{model.__name__}")
            post_delete.connect(forget, sender=model, weak=False,
                                dispatch_uid=f"experiments-forget-del-{model.__name__}")
