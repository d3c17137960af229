"""A Redis cache that degrades to a miss instead of raising when Redis is unreachable.

Requests read precomputed rows through the cache; if Redis is down they must fall back to the
database (or to a fallback answer), never answer 500.
"""
import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

from electroshop.metrics import count_cache_read

logger = logging.getLogger("electroshop.cache")


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client with one ``redis.Redis`` per connection pool instead of a new one per call.

    Building a ``redis.Redis`` (its table of response callbacks) cost more than a GET on localhost,
    and hot reads make a few cache calls per request. A ``redis.Redis`` is safe to share between
    threads: connections come from the pool.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def _guard(self, method, default, *args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (RedisError, OSError) as exc:
            logger.warning("cache unavailable, continuing without it: %s", exc)
            return default

    def validate_key(self, key):
        """No check: Redis keys are binary-safe. The base class warns about keys memcached would
        refuse, a loop over every character of every key on every hot read."""

    def get(self, key, default=None, version=None):
        return self._guard(super().get, default, key, default, version)

    def get_many_serialized(self, keys):
        """``get_many`` with the values left serialized, and the function that loads one: a hot read
        fetches several keys at once and often needs only some of them (see ``CacheBatch``)."""

        def read():
            raw = self._cache.get_client(None).mget([self.make_key(key) for key in keys])
            return {key: value for key, value in zip(keys, raw) if value is not None}

        return self._guard(read, {}), self._cache._serializer.loads

    def get_many(self, keys, version=None):
        return self._guard(super().get_many, {}, keys, version)

    def set(self, key, value, timeout=None, version=None):  # noqa: A003
        return self._guard(super().set, None, key, value, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._guard(super().add, False, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._guard(super().set_many, list(data), data, timeout, version)

    def delete(self, key, version=None):
        return self._guard(super().delete, False, key, version)

    def delete_many(self, keys, version=None):
        return self._guard(super().delete_many, None, keys, version)

    def incr(self, key, delta=1, version=None):
        return self._guard(super().incr, None, key, delta, version)

    def touch(self, key, timeout=None, version=None):
        return self._guard(super().touch, False, key, timeout, version)

    def clear(self):
        return self._guard(super().clear, False)

    def write_many(self, writes: list[tuple[str, str, object, float | None]]) -> None:
        """``(op, key, value, timeout)`` writes (op ``set`` or ``add``) in one pipeline: one round trip.
        Timeouts mean what they mean to ``set`` and ``add``: None keeps the key, 0 keeps nothing (a ``set``
        deletes the key)."""

        def write():
            pipe = self._cache.get_client(None, write=True).pipeline(transaction=False)
            for op, key, value, timeout in writes:
                seconds = self.get_backend_timeout(timeout)
                if seconds == 0:
                    if op == "set":
                        pipe.delete(self.make_key(key))
                    continue
                pipe.set(self.make_key(key), self._cache._serializer.dumps(value), ex=seconds, nx=op == "add")
            pipe.execute()

        self._guard(write, None)

    def incr_many(self, deltas: dict[str, int], timeout: float | None = None) -> None:
        """Add each delta to its integer counter (a missing key counts from 0) in one pipeline, every key
        then expiring ``timeout`` seconds later (None: never). Counters read back as ints (``get_many``)."""

        def write():
            seconds = self.get_backend_timeout(timeout)
            pipe = self._cache.get_client(None, write=True).pipeline(transaction=False)
            for key, delta in deltas.items():
                name = self.make_key(key)
                pipe.incrby(name, delta)
                if seconds is not None:
                    pipe.expire(name, seconds)
            pipe.execute()

        self._guard(write, None)


class CacheBatch:
    """Cache keys read in one round trip (``get_many``), for hot reads that need several.

    ``get`` answers a key of the batch from what came back (absent means a miss: it is not asked
    again) and any other key with its own ``cache.get``. From Redis, a value is unpickled when it is
    first asked for: a cached answer makes the cached row it was built from unnecessary.

    Writes go through ``set`` and ``add``. With ``defer_writes`` they wait for ``flush`` and then
    go in one round trip (a hot view flushes when its response is final, see
    ``PrefetchedCacheMixin``; values are serialized then, so a caller must not change one after
    handing it over); otherwise each is written at once. A key ``set`` here answers ``get`` with the
    new value; an ``add`` does not (another process may have added first).
    """

    def __init__(self, keys, *, defer_writes: bool = False):
        from django.core.cache import cache

        self._asked = set(keys)
        self._loaded: dict = {}
        self._defer_writes = defer_writes
        self._writes: dict[str, tuple[str, str, object, float | None]] = {}
        read_serialized = getattr(cache, "get_many_serialized", None)
        if read_serialized is None:
            self._found, self._loads = cache.get_many(list(keys)), None
        else:
            self._found, self._loads = read_serialized(list(keys))

    def get(self, key):
        if key not in self._asked:
            from django.core.cache import cache

            value = cache.get(key)
            count_cache_read(value is not None)
            return value
        if key not in self._loaded:
            value = self._found.get(key)
            count_cache_read(value is not None)  # a key read once per batch, however often it is asked
            if value is not None and self._loads is not None:
                value = self._loads(value)
            self._loaded[key] = value
        return self._loaded[key]

    def set(self, key, value, timeout) -> None:  # noqa: A003
        self._asked.add(key)
        self._loaded[key] = value
        self._write("set", key, value, timeout)

    def add(self, key, value, timeout) -> None:
        self._write("add", key, value, timeout)

    def _write(self, op, key, value, timeout) -> None:
        if self._defer_writes:
            if not (op == "add" and key in self._writes):  # the first add of a key is the one that counts
                self._writes[key] = (op, key, value, timeout)
            return
        from django.core.cache import cache

        getattr(cache, op)(key, value, timeout)

    def flush(self) -> None:
        """Write what waits (``defer_writes``): one pipeline on Redis, one call per key elsewhere."""
        writes, self._writes = list(self._writes.values()), {}
        if not writes:
            return
        from django.core.cache import cache

        if hasattr(cache, "write_many"):
            cache.write_many(writes)
        else:
            for op, key, value, timeout in writes:
                getattr(cache, op)(key, value, timeout)


def cache_get(key, batch: CacheBatch | None = None):
    """``key`` from ``batch`` when one was read, else from the cache."""
    if batch is not None:
        return batch.get(key)
    from django.core.cache import cache

    value = cache.get(key)
    count_cache_read(value is not None)
    return value


def cache_set(key, value, timeout, batch: CacheBatch | None = None) -> None:
    """``key`` written through ``batch`` when there is one (see ``CacheBatch.set``), else at once."""
    if batch is not None:
        batch.set(key, value, timeout)
        return
    from django.core.cache import cache

    cache.set(key, value, timeout)


def cache_add(key, value, timeout, batch: CacheBatch | None = None) -> None:
    """``cache.add`` through ``batch`` when there is one (see ``CacheBatch.add``), else at once."""
    if batch is not None:
        batch.add(key, value, timeout)
        return
    from django.core.cache import cache

    cache.add(key, value, timeout)
