"""The Redis cache backend: one client per connection pool, and Redis down is a miss, never an error."""
from electroshop.cache import ResilientRedisCache


def unreachable_cache() -> ResilientRedisCache:
    # Port 1: nothing listens there, so every call fails fast with a connection error.
    return ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2,
                                                                       "socket_timeout": 0.2}})


def test_the_redis_client_is_built_once_per_pool():
    cache = unreachable_cache()
    assert cache._cache.get_client() is cache._cache.get_client()
    assert cache._cache.get_client(write=True) is cache._cache.get_client()  # one server: one pool


def test_redis_down_reads_as_a_miss_and_writes_are_dropped():
    cache = unreachable_cache()
    assert cache.get("key", "default") == "default"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.set("key", 1) is None
    assert cache.delete_many(["a"]) is None


def test_redis_down_drops_a_batch_of_writes_without_an_error():
    assert unreachable_cache().write_many([("set", "a", 1, 60), ("add", "b", 2, 60)]) is None


def redis_cache() -> ResilientRedisCache:
    import os

    import pytest

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    return ResilientRedisCache(url, {"KEY_PREFIX": "test-write-many"})


def test_write_many_sets_adds_and_keeps_an_existing_key_in_one_pipeline():
    cache = redis_cache()
    cache.delete_many(["a", "b", "c", "d", "e"])
    cache.set("b", "there before", 60)
    cache.set("d", "there before", 60)
    cache.write_many([("set", "a", {"x": 1}, 60), ("add", "b", "mine", 60), ("add", "c", "mine", 60),
                      ("set", "d", "gone", 0), ("set", "e", "kept", None)])
    assert cache.get_many(["a", "b", "c", "d", "e"]) == {"a": {"x": 1}, "b": "there before", "c": "mine", "e": "kept"}
    assert 0 < cache._cache.get_client().ttl(cache.make_key("a")) <= 60
    assert cache._cache.get_client().ttl(cache.make_key("e")) == -1  # None: no expiry


def test_a_deferred_batch_writes_nothing_before_flush_and_everything_at_it(settings):
    from django.core.cache import cache

    from electroshop.cache import CacheBatch, cache_add, cache_set

    cache.set("taken", "old", 60)
    batch = CacheBatch(["row", "taken"], defer_writes=True)
    cache_set("row", [1, 2], 60, batch)
    cache_add("stamp", "first", 60, batch)
    cache_add("stamp", "second", 60, batch)  # the first add of a key is the one that counts
    cache_add("taken", "new", 60, batch)
    assert batch.get("row") == [1, 2]  # a set answers the batch's own reads at once
    assert cache.get_many(["row", "stamp"]) == {}  # ...but nothing reached the cache yet
    batch.flush()
    assert cache.get_many(["row", "stamp", "taken"]) == {"row": [1, 2], "stamp": "first", "taken": "old"}


def test_without_defer_writes_a_batch_writes_at_once():
    from django.core.cache import cache

    from electroshop.cache import CacheBatch

    batch = CacheBatch(["k"])
    batch.set("k", "v", 60)
    assert cache.get("k") == "v"


def test_redis_down_drops_counter_increments_without_an_error():
    assert unreachable_cache().incr_many({"a": 1, "b": 2}, 60) is None


def test_incr_many_adds_to_counters_in_one_pipeline_and_they_read_back_as_ints():
    cache = redis_cache()
    cache.delete_many(["n1", "n2"])
    cache.incr_many({"n1": 2, "n2": 1}, 60)
    cache.incr_many({"n1": 3}, 60)
    assert cache.get_many(["n1", "n2"]) == {"n1": 5, "n2": 1}
    assert 0 < cache._cache.get_client().ttl(cache.make_key("n1")) <= 60
