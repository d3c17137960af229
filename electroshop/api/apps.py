from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "electroshop.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"  # whatever the host project's DEFAULT_AUTO_FIELD

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from electroshop.seam import signals as shop_signals

        from . import tokens, visitors

        # Cached token lookups are forgotten when what they hold changes (see tokens.py).
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(tokens.on_token_changed, sender=Token, dispatch_uid=f"api-token-{name}")
            signal.connect(tokens.on_user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid=f"api-user-{name}")
        shop_signals.customer_changed.connect(tokens.on_customer_changed, dispatch_uid="api-customer-changed")
        # At sign-in the visitor's anonymous events join their customer (see visitors.py).
        user_logged_in.connect(visitors.join_visitor_events, dispatch_uid="api-join-visitor-events")
