"""Authentication classes used by the API besides DRF's defaults."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from .tokens import token_with_user


class ServiceTokenAuthentication(TokenAuthentication):
    """DRF token auth that loads the user's customer with the token, through the cache (see tokens.py).

    Usually no query; on a cache miss one (the token, its user and the customer's id together).
    """

    def authenticate_credentials(self, key):
        token = token_with_user(key=key, model=self.get_model())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
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
