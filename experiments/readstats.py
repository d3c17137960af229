"""Read statistics per served model version: reads, 5xx answers and a latency histogram.

The canary's guardrails (the candidate's error rate and p95 latency) are read from here. Recording a
read costs no query and no cache round trip: ``ReadStatsMiddleware`` times every request under
``/api/v1/recommendations/`` and adds it to counters in process memory, under the model version
the view served (``request.electroshop_served_version``, the version number). The storefront's
template tags render inside the shop's own pages: each widget's read is timed on its own
(``timed_read``: the list read, not the page) and counted the same way, under the version number of
the list it served. A read that fails after choosing its version (``note_serving_version``, called
by the recommendations' serving plan) counts under that version, so a candidate's errors count
against it; 0 when no version was chosen (a fallback answer, or a failure before the choice).

After a response is built, the first read at least ``READ_STATS_FLUSH_SECONDS`` after the oldest
unflushed one adds the process's counters to the Django cache: one pipeline of ``INCRBY`` on Redis
(``ResilientRedisCache.incr_many``; Redis down drops them), one ``incr`` per counter elsewhere. So the
reads of every process add up in the cache. A process that stops loses what it had not flushed, and
an idle process's last reads wait for its next read. With the local-memory cache each process has
its own cache, so the figures cover only the process that reads them: several web processes need
Redis (``REDIS_URL``).

Counters are kept per model version and per time slot of ``READ_STATS_SLOT_SECONDS`` (aligned to the
epoch, kept ``READ_STATS_KEEP_HOURS``): ``read_stats(version=..., since=...)`` sums the slots from the
one holding ``since``, so a canary step's figures start fresh with its step (plus the reads of the
part of that slot before it). Latencies fall into fixed log-spaced buckets (1 ms x 1.25^k, k < 42,
up to 9.4 s, and one above), so histograms of any number of processes merge by addition and the p95
of the merged histogram is exact to within its bucket (25%).
"""
import bisect
import contextvars
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from electroshop.conf import electroshop_settings

logger = logging.getLogger("electroshop.experiments")

APP = "recommendations"
PATH_PREFIX = "/api/v1/recommendations/"
BOUNDS_MS: tuple[float, ...] = tuple(1.25 ** k for k in range(42))
BUCKETS = len(BOUNDS_MS) + 1  # the last: slower than BOUNDS_MS[-1]
FIELDS = ("n", "e", *(f"h{i}" for i in range(BUCKETS)))  # reads, errors, histogram buckets
T = TypeVar("T")


def bucket_of(latency_ms: float) -> int:
    """Bucket i holds latencies in (BOUNDS_MS[i-1], BOUNDS_MS[i]]; bucket 0 everything up to 1 ms."""
    return bisect.bisect_left(BOUNDS_MS, latency_ms)


def percentile_ms(histogram: Sequence[int], q: float) -> float | None:
    """The q-quantile (0..1) of a latency histogram, interpolated within its bucket; None when empty.
    Past the last bound the histogram knows only "slower than" it: that bound is the answer."""
    total = sum(histogram)
    if not total:
        return None
    rank, seen = q * total, 0
    for index, count in enumerate(histogram):
        if count and seen + count >= rank:
            low = BOUNDS_MS[index - 1] if index else 0.0
            if index >= len(BOUNDS_MS):
                return low
            return low + (BOUNDS_MS[index] - low) * max(rank - seen, 0) / count
        seen += count
    return BOUNDS_MS[-1]


@dataclass(frozen=True)
class ReadStats:
    reads: int
    errors: int
    histogram: tuple[int, ...]

    @property
    def error_rate(self) -> float:
        return self.errors / self.reads if self.reads else 0.0

    @property
    def p95_ms(self) -> float | None:
        return percentile_ms(self.histogram, 0.95)


def _slot(epoch_seconds: float) -> int:
    size = int(electroshop_settings.READ_STATS_SLOT_SECONDS)
    return int(epoch_seconds // size) * size


def _key(app: str, version: int, slot: int, field: str) -> str:
    return f"readstats:{app}:{version}:{slot}:{field}"


# --- recording (request path) -------------------------------------------------------------------------

class _Pending:
    """This process's counters not yet in the cache: cache key -> increment."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.oldest: float | None = None  # time.monotonic() of the oldest unflushed read


_pending = _Pending()


def record_read(*, version: int | None, latency_ms: float, failed: bool, at: float | None = None,
                app: str = APP) -> None:
    """Count one read in this process (``at``: its epoch seconds, default now)."""
    slot = _slot(time.time() if at is None else at)
    keys = [_key(app, version or 0, slot, "n"), _key(app, version or 0, slot, f"h{bucket_of(latency_ms)}")]
    if failed:
        keys.append(_key(app, version or 0, slot, "e"))
    with _pending.lock:
        for key in keys:
            _pending.counts[key] = _pending.counts.get(key, 0) + 1
        if _pending.oldest is None:
            _pending.oldest = time.monotonic()


def flush_due() -> bool:
    oldest = _pending.oldest
    return oldest is not None and time.monotonic() - oldest >= electroshop_settings.READ_STATS_FLUSH_SECONDS


def flush() -> None:
    """Add this process's pending counters to the cache, now."""
    with _pending.lock:
        counts, _pending.counts, _pending.oldest = _pending.counts, {}, None
    if not counts:
        return
    timeout = int(electroshop_settings.READ_STATS_KEEP_HOURS * 3600)
    if hasattr(cache, "incr_many"):
        cache.incr_many(counts, timeout)
        return
    for key, delta in counts.items():
        try:
            cache.incr(key, delta)
        except ValueError:  # a new counter (or an expired one)
            if not cache.add(key, delta, timeout):  # another process created it meanwhile
                cache.incr(key, delta)


# The model version id the current read chose to serve (set by the serving plan, before any row is read).
_serving_version_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("serving_version_id", default=None)
_numbers: dict[int, int | None] = {}  # version id -> number: they never change, so each process asks once


def note_serving_version(version_id: int | None) -> None:
    _serving_version_id.set(version_id)


def _chosen_version_number() -> int | None:
    version_id = _serving_version_id.get()
    if version_id is None:
        return None
    if version_id not in _numbers:
        from electroshop.mlops.selectors import version_number

        _numbers[version_id] = version_number(version_id)
    return _numbers[version_id]


def _flush_if_due() -> None:
    if flush_due():
        try:
            flush()
        except Exception:  # statistics must never fail a read (e.g. a cache backend without incr)
            logger.exception("read statistics not flushed")


def timed_read(read: Callable[[], T], *, version_of: Callable[[T], int | None]) -> T:
    """``read()``, timed and counted as one read under ``version_of(its result)`` (a version number); a
    read that raises counts as failed under the version its serving plan chose, and the exception
    propagates. For reads outside the recommendation API (storefront widgets)."""
    started = time.perf_counter()
    token = _serving_version_id.set(None)
    try:
        result = read()
    except Exception:
        try:
            version = _chosen_version_number()  # a query the first time this process sees the version
        except Exception:  # e.g. the database is what failed: the error still counts, under 0
            version = None
        _count(version, started, failed=True)
        raise
    finally:
        _serving_version_id.reset(token)
    _count(version_of(result), started, failed=False)
    return result


def _count(version: int | None, started: float, *, failed: bool) -> None:
    record_read(version=version, latency_ms=(time.perf_counter() - started) * 1000, failed=failed)
    _flush_if_due()


class ReadStatsMiddleware:
    """Times the recommendation API's requests and counts them under the version they served."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PATH_PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        token = _serving_version_id.set(None)
        try:
            response = self.get_response(request)
            version = getattr(request, "electroshop_served_version", None)
            if version is None and response.status_code >= 500:
                version = _chosen_version_number()
        finally:
            _serving_version_id.reset(token)
        _count(version, started, failed=response.status_code >= 500)
        return response


# --- reading (update_experiments) ----------------------------------------------------------------------

def read_stats(*, version: int, since: datetime, until: datetime | None = None, app: str = APP) -> ReadStats:
    """The reads of ``version`` flushed to the cache in the slots from the one holding ``since`` to the one
    holding ``until`` (default now), at most ``READ_STATS_KEEP_HOURS`` back."""
    last = _slot((until or timezone.now()).timestamp())
    keep = int(electroshop_settings.READ_STATS_KEEP_HOURS * 3600)
    first = max(_slot(since.timestamp()), _slot(last - keep))
    size = int(electroshop_settings.READ_STATS_SLOT_SECONDS)
    slots = range(first, last + 1, size)
    found = cache.get_many([_key(app, version, slot, field) for slot in slots for field in FIELDS])

    def total(field: str) -> int:
        return sum(int(found.get(_key(app, version, slot, field)) or 0) for slot in slots)

    return ReadStats(reads=total("n"), errors=total("e"), histogram=tuple(total(f"h{i}") for i in range(BUCKETS)))
