"""Authentication classes used by the API besides DRF's defaults."""
from rest_framework.authentication import SessionAuthentication, TokenAuthentication


class ServiceTokenAuthentication(TokenAuthentication):
    """DRF token auth that fetches the user's customer in the same query (whoami, customer reads)."""

    def authenticate_credentials(self, key):
        from django.utils.translation import gettext_lazy as _
        from rest_framework import exceptions

        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__customer").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class BrowserSessionAuthentication(SessionAuthentication):
    """The Django session without DRF's CSRF check, for ``events/collect/`` only.

    That endpoint does its own same-origin check (Origin / Referer against the host) and accepts only
    ``application/json``, which a cross-site HTML form cannot send; the worst a forged request could do
    is record browsing events.
    """

    def enforce_csrf(self, request):
        return None
