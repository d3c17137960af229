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
