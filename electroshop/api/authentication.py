"""Authentication classes used by the API besides DRF's defaults."""
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication, TokenAuthentication

from electroshop.cache import CacheBatch

from .tokens import token_cache_key_for_request, token_with_user


class ServiceTokenAuthentication(TokenAuthentication):
    """DRF token auth that loads the user's customer with the token, through the cache (see tokens.py).

    Usually no query; on a cache miss one (the token, its user and the customer's id together).
    A view may have read the token's cache entry already, with its own keys (``request.cache_batch``,
    see ``PrefetchedCacheMixin``).
    """

    def authenticate(self, request):
        self._prefetched = getattr(request, "cache_batch", None)  # authenticators live for one request
        return super().authenticate(request)

    def authenticate_credentials(self, key):
        token = token_with_user(key=key, model=self.get_model(), prefetched=getattr(self, "_prefetched", None))
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


class PrefetchedCacheMixin:
    """For hot views: the token's cache entry and the view's own keys in one cache round trip.

    The view names its keys in ``prefetch_cache_keys(request, **url_kwargs)``; before authentication they
    are read with the token's entry into ``request.cache_batch`` (an ``electroshop.cache.CacheBatch``),
    which the token lookup and the view's selector then use instead of a cache call of their own.
    Cache writes made through the batch (``CacheBatch.set`` / ``add``) wait and go in one round trip when
    the response is final; writes made around it, and the held ones of a request that fails with an
    unhandled error, are not part of that.
    """

    def prefetch_cache_keys(self, request, **kwargs) -> list[str]:
        return []

    def initial(self, request, *args, **kwargs):
        keys = self.prefetch_cache_keys(request, **kwargs)
        token_key = token_cache_key_for_request(request, ServiceTokenAuthentication.keyword)
        if token_key is not None:
            keys.append(token_key)
        request.cache_batch = CacheBatch(keys, defer_writes=True) if keys else None
        super().initial(request, *args, **kwargs)

    def finalize_response(self, request, response, *args, **kwargs):
        batch = getattr(request, "cache_batch", None)
        if batch is not None:
            batch.flush()
        return super().finalize_response(request, response, *args, **kwargs)
