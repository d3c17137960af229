"""Token lookups through the Django cache.

Authentication runs on every API request, and building and compiling the token query (with its
user and the user's customer) cost more than the rest of a cheap request. The token, its user
(without the password hash) and the customer's id are cached for ``API_TOKEN_CACHE_SECONDS`` under
a hash of the key. Deleting a token, and saving or deleting its user or the user's customer,
forget the entry at once (receivers connected in ``ApiConfig.ready``); a change that bypasses
model signals (``queryset.update``, SQL) is seen after at most the TTL. Unknown keys are never
cached, so guessing keys cannot fill the cache. With Redis down every lookup is a query.
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.authtoken.models import Token

from electroshop.cache import CacheBatch, cache_get
from electroshop.conf import electroshop_settings
from electroshop.seam import get_adapter

_PREFIX = "api:token:"


def _cache_key(key: str) -> str:
    # A digest, not the key itself: the cache's key space (e.g. Redis KEYS) never shows credentials.
    return _PREFIX + hashlib.sha256(key.encode()).hexdigest()


def _token_query(model: type[Token], key: str) -> Token | None:
    user_model = get_user_model()
    user_fields = [f"user__{field.name}" for field in user_model._meta.concrete_fields if field.name != "password"]
    related, customer_fields = ["user"], []
    relation = get_adapter().user_customer_relation
    if relation is not None:
        # Only the customer's id: a cached entry carries no personal data beyond the user row.
        to_user = user_model._meta.get_field(relation)
        related.append(f"user__{relation}")
        customer_fields = [f"user__{relation}__{to_user.related_model._meta.pk.name}",
                           f"user__{relation}__{to_user.field.name}"]
    return (model.objects.select_related(*related).only("key", "created", "user_id", *user_fields, *customer_fields)
            .filter(key=key).first())


def token_cache_key_for_request(request: Any, keyword: str = "Token") -> str | None:
    """The cache key of the token in a request's ``Authorization: Token <key>`` header, if any.

    A hot view reads it in the same cache round trip as its own keys (see ``PrefetchedCacheMixin``).
    """
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) == 2 and parts[0].lower() == keyword.lower():
        return _cache_key(parts[1])
    return None


def token_with_user(*, key: str, model: type[Token] = Token, prefetched: CacheBatch | None = None) -> Token | None:
    """The token with this key, its user and the user's customer loaded; None if there is none.

    ``prefetched``: a batch of cache reads that may hold the token's entry.
    """
    seconds = electroshop_settings.API_TOKEN_CACHE_SECONDS
    if not seconds:
        return _token_query(model, key)
    cache_key = _cache_key(key)
    token = cache_get(cache_key, prefetched)
    if token is None:
        token = _token_query(model, key)
        if token is not None:
            cache.set(cache_key, token, seconds)
    return token


def forget_token_keys(keys: Iterable[str]) -> None:
    keys = [_cache_key(key) for key in keys if key]
    if keys:
        cache.delete_many(keys)


def forget_tokens_of_users(user_ids: Iterable[int | None]) -> None:
    ids = [pk for pk in set(user_ids) if pk is not None]
    if ids:
        forget_token_keys(Token.objects.filter(user_id__in=ids).values_list("key", flat=True))


# --- receivers (connected in ApiConfig.ready) ---------------------------------------------------------

def on_token_changed(*, instance: Token, **kwargs: Any) -> None:
    forget_token_keys([instance.pk])


def on_user_changed(*, instance: Any, **kwargs: Any) -> None:
    forget_tokens_of_users([instance.pk])


def on_customer_changed(*, user_ids: Iterable[int], **kwargs: Any) -> None:
    """Seam signal: the customer's users before and after the change (moving a customer to another
    account forgets both)."""
    forget_tokens_of_users(user_ids)
