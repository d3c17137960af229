"""Read statistics: p95 from merged histograms, windows per slot, flushing to the cache, the middleware."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from experiments import readstats
from experiments.readstats import BOUNDS_MS, ReadStatsMiddleware, bucket_of, percentile_ms, read_stats, record_read

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.ELECTROSHOP = {"READ_STATS_SLOT_SECONDS": 60, "READ_STATS_FLUSH_SECONDS": 3600}
    readstats.flush()
    cache.clear()


def _histogram(latencies) -> list[int]:
    counts = [0] * readstats.BUCKETS
    for ms in latencies:
        counts[bucket_of(ms)] += 1
    return counts


def test_buckets_are_fixed_and_log_spaced():
    assert bucket_of(0.2) == 0 and bucket_of(1.0) == 0 and bucket_of(1.01) == 1
    assert bucket_of(BOUNDS_MS[10]) == 10 and bucket_of(BOUNDS_MS[10] * 1.0001) == 11
    assert bucket_of(60_000) == len(BOUNDS_MS)  # slower than the last bound
    assert all(b / a == pytest.approx(1.25) for a, b in zip(BOUNDS_MS, BOUNDS_MS[1:]))


def test_the_p95_of_merged_histograms_is_the_p95_of_all_reads_within_a_bucket():
    rng = np.random.default_rng(3)
    fast = rng.lognormal(np.log(8), 0.4, 6000)  # one process: cached reads
    slow = rng.lognormal(np.log(60), 0.5, 2000)  # another: cold reads
    merged = [a + b for a, b in zip(_histogram(fast), _histogram(slow))]
    true = np.percentile(np.concatenate([fast, slow]), 95)
    assert true / 1.25 <= percentile_ms(merged, 0.95) <= true * 1.25
    assert percentile_ms([0] * readstats.BUCKETS, 0.95) is None
    only_slow = [0] * readstats.BUCKETS
    only_slow[-1] = 5
    assert percentile_ms(only_slow, 0.95) == BOUNDS_MS[-1]  # "slower than the last bound"


def test_reads_reach_the_cache_only_at_a_flush_and_add_up_across_flushes():
    at = (T0 + timedelta(seconds=5)).timestamp()
    for ms in (3.0, 4.0, 900.0):
        record_read(version=7, latency_ms=ms, failed=ms > 500, at=at)
    assert read_stats(version=7, since=T0, until=T0 + timedelta(minutes=1)).reads == 0  # still in memory
    readstats.flush()
    for _ in range(2):  # another process's reads of the same slot (the counters exist: incr)
        record_read(version=7, latency_ms=5.0, failed=False, at=at)
    record_read(version=8, latency_ms=5.0, failed=False, at=at)
    readstats.flush()
    stats = read_stats(version=7, since=T0, until=T0 + timedelta(minutes=1))
    assert (stats.reads, stats.errors, stats.error_rate) == (5, 1, 0.2)
    assert sum(stats.histogram) == 5 and stats.histogram[bucket_of(900.0)] == 1
    assert read_stats(version=8, since=T0, until=T0 + timedelta(minutes=1)).reads == 1


def test_figures_start_with_the_slot_holding_since(settings):
    for minute, failed in ((0, True), (1, True), (5, False), (6, False)):
        at = T0 + timedelta(minutes=minute, seconds=30)
        record_read(version=3, latency_ms=10.0, failed=failed, at=at.timestamp())
    readstats.flush()
    until = T0 + timedelta(minutes=10)
    assert read_stats(version=3, since=T0, until=until).reads == 4
    later = read_stats(version=3, since=T0 + timedelta(minutes=5, seconds=40), until=until)  # a step started at 5:40
    assert (later.reads, later.errors) == (2, 0)  # its slot (5:00-6:00) on: the earlier errors are not counted
    assert read_stats(version=3, since=T0, until=T0 + timedelta(minutes=1)).reads == 2  # nothing after until
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "READ_STATS_KEEP_HOURS": 0.05}  # 3 minutes kept
    assert read_stats(version=3, since=T0, until=T0 + timedelta(minutes=8)).reads == 2  # at most that far back


def test_counters_expire_after_the_keep_time_in_the_local_memory_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "readstats"}}
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "READ_STATS_KEEP_HOURS": 1}
    record_read(version=4, latency_ms=2.0, failed=False)
    readstats.flush()
    key = next(k for k in cache._cache if ":readstats:recommendations:4:" in k)
    assert 3500 < cache._expire_info[key] - datetime.now().timestamp() <= 3600


def _middleware(status: int, version: int | None):
    def view(request):
        if version is not None:
            request.electroshop_served_version = version  # what the recommendation views set
        return HttpResponse(status=status)

    return ReadStatsMiddleware(view)


def test_the_middleware_records_the_served_version_and_5xx_without_a_query_or_a_cache_call(
        db, django_assert_num_queries, monkeypatch):
    calls = []
    for name in ("get", "get_many", "set", "add", "incr", "set_many"):
        original = getattr(cache, name)
        monkeypatch.setattr(cache, name,
                            lambda *a, _name=name, _call=original, **k: calls.append(_name) or _call(*a, **k))
    factory = RequestFactory()
    with django_assert_num_queries(0):
        for status in (200, 200, 500):
            response = _middleware(status, 12)(factory.get("/api/v1/recommendations/customers/5/"))
            assert response.status_code == status
        _middleware(200, None)(factory.get("/api/v1/recommendations/trending/"))  # no version: 0
        _middleware(500, 12)(factory.get("/api/v1/whoami/"))  # not a recommendation read
    assert calls == []  # nothing left the process: not due yet
    monkeypatch.undo()
    readstats.flush()
    now = datetime.now(timezone.utc)
    stats = read_stats(version=12, since=now - timedelta(minutes=2), until=now)
    assert (stats.reads, stats.errors) == (3, 1)
    assert read_stats(version=0, since=now - timedelta(minutes=2), until=now).reads == 1


def test_the_middleware_flushes_after_the_flush_interval(settings, monkeypatch):
    settings.ELECTROSHOP = {**settings.ELECTROSHOP, "READ_STATS_FLUSH_SECONDS": 5}
    clock = [1000.0]
    monkeypatch.setattr(readstats.time, "monotonic", lambda: clock[0])
    request = RequestFactory().get("/api/v1/recommendations/customers/5/")
    now = datetime.now(timezone.utc)

    def flushed() -> int:
        return read_stats(version=9, since=now - timedelta(minutes=2), until=now + timedelta(minutes=2)).reads

    _middleware(200, 9)(request)
    clock[0] += 4.9
    _middleware(200, 9)(request)
    assert flushed() == 0
    clock[0] += 0.1  # 5 s after the oldest unflushed read
    _middleware(200, 9)(request)
    assert flushed() == 3
    assert readstats.flush_due() is False


def test_the_middleware_is_installed_and_times_the_recommendation_api(client, db):
    readstats.flush()
    response = client.get("/api/v1/recommendations/session/")
    assert response.status_code == 200
    readstats.flush()
    now = datetime.now(timezone.utc)
    stats = read_stats(version=0, since=now - timedelta(minutes=2), until=now)
    assert stats.reads == 1 and stats.p95_ms is not None


def test_processes_add_up_in_redis(settings):
    import os

    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("needs REDIS_URL")
    settings.CACHES = {"default": {"BACKEND": "electroshop.cache.ResilientRedisCache", "LOCATION": url,
                                   "KEY_PREFIX": "test-readstats"}}
    cache.clear()
    at = (T0 + timedelta(seconds=5)).timestamp()
    for failed in (False, True):  # two flushes: two processes' counters
        record_read(version=5, latency_ms=20.0, failed=failed, at=at)
        readstats.flush()
    stats = read_stats(version=5, since=T0, until=T0 + timedelta(minutes=1))
    assert (stats.reads, stats.errors, stats.histogram[bucket_of(20.0)]) == (2, 1, 2)
    cache.clear()


def test_a_read_that_fails_after_choosing_its_version_counts_against_that_version(db, monkeypatch):
    from tests.clients import service_token_client
    from tests.recommendations import conftest as recommendation_fixtures

    shop = recommendation_fixtures.shop.__wrapped__(db)
    client = service_token_client(username="svc-readstats")
    client.raise_request_exception = False
    from recommendations import selectors

    monkeypatch.setattr(selectors, "_assemble", lambda **kwargs: 1 / 0)  # a bug after the plan chose a version
    response = client.get(f"/api/v1/recommendations/customers/{shop['customer'].pk}/")
    assert response.status_code == 500
    readstats.flush()
    now = datetime.now(timezone.utc)
    stats = read_stats(version=shop["version"].version, since=now - timedelta(minutes=2), until=now)
    assert (stats.reads, stats.errors) == (1, 1)
