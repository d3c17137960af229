"""Service metrics in the Prometheus text format, summed over every process (``GET /metrics``).

Web workers (gunicorn) and Celery workers each write their counters and histograms to memory-mapped
files in ``ELECTROSHOP["METRICS_DIR"]`` (prometheus_client's multiprocess mode); a scrape reads and
adds up the files of every process that ever wrote there. Recording costs no query and no cache round
trip: an increment is a write into the process's mapped file. All processes of one installation must
share the directory: it comes from the setting (``METRICS_DIR`` in the environment, default
``var/metrics`` under the project), exported as ``PROMETHEUS_MULTIPROC_DIR`` when this module is first
imported, before prometheus_client reads it.

The files outlive their processes, so the counters keep counting across restarts (Prometheus treats a
drop as a counter reset anyway). The directory may be emptied while no web or Celery process runs.

Gauges are not written by the processes: the model registry's versions and ages and the Celery queue
lengths are read when ``/metrics`` is scraped (``ScrapeTimeCollector``).
"""
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

from electroshop.conf import electroshop_settings

logger = logging.getLogger("electroshop.metrics")


def metrics_dir() -> Path:
    """The shared directory of the metric files (created when missing)."""
    path = Path(electroshop_settings.METRICS_DIR)
    if not path.is_absolute():
        path = Path(settings.BASE_DIR) / path
    path.mkdir(parents=True, exist_ok=True)
    return path


# Before prometheus_client is imported: it picks its multiprocess value class from this variable. The
# directory is fixed for the life of the process.
DIRECTORY = metrics_dir()
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(DIRECTORY)

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.multiprocess import MultiProcessCollector  # noqa: E402

# Latencies of the hot reads are a few milliseconds: finer buckets at the low end than the defaults.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TRAINING_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200)

API_REQUESTS = Counter(
    "electroshop_api_requests", "API requests by URL route, method and response status",
    ["endpoint", "method", "status"])
API_REQUEST_SECONDS = Histogram(
    "electroshop_api_request_seconds", "API request latency by URL route", ["endpoint"], buckets=LATENCY_BUCKETS)
RECOMMENDATION_ANSWERS = Counter(
    "electroshop_recommendation_answers", "Recommendation answers by URL route and source of the list",
    ["endpoint", "source"])
CACHE_REQUESTS = Counter("electroshop_cache_requests", "Cache reads of the hot paths: hit or miss", ["result"])
TRAINING_RUNS = Counter("electroshop_training_runs", "Finished training runs by app and outcome", ["app", "outcome"])
TRAINING_SECONDS = Histogram(
    "electroshop_training_seconds", "Training run durations by app and outcome", ["app", "outcome"],
    buckets=TRAINING_BUCKETS)
CELERY_TASKS = Counter("electroshop_celery_tasks", "Celery tasks by name and outcome", ["task", "outcome"])
FRAUD_DECISIONS = Counter("electroshop_fraud_decisions", "Stored fraud assessments by decision level", ["level"])

UNMATCHED = "unmatched"  # the endpoint label of a request no URL pattern matched (a 404)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other counts as "other"

# The label children, kept per label values: ``labels()`` validates and hashes its arguments each time.
_hit = CACHE_REQUESTS.labels("hit")
_miss = CACHE_REQUESTS.labels("miss")


def count_cache_read(found: bool) -> None:
    (_hit if found else _miss).inc()


def count_request(*, endpoint: str, method: str, status: int, seconds: float, source: str | None) -> None:
    API_REQUESTS.labels(endpoint, method, str(status)).inc()
    API_REQUEST_SECONDS.labels(endpoint).observe(seconds)
    if source is not None:
        RECOMMENDATION_ANSWERS.labels(endpoint, source).inc()


def count_training_run(*, app: str, outcome: str, seconds: float | None) -> None:
    TRAINING_RUNS.labels(app, outcome).inc()
    if seconds is not None:
        TRAINING_SECONDS.labels(app, outcome).observe(max(seconds, 0.0))


def count_celery_task(*, task: str, outcome: str) -> None:
    CELERY_TASKS.labels(task, outcome).inc()


def count_fraud_decision(*, level: str) -> None:
    FRAUD_DECISIONS.labels(level).inc()


# --- the scrape --------------------------------------------------------------------------------------

class ScrapeTimeCollector:
    """Gauges read when scraped: the registry's serving versions and their ages, the broker's queues."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.db import DatabaseError
        from django.utils import timezone

        from electroshop.mlops.models import ModelVersion

        version = GaugeMetricFamily(
            "electroshop_model_version", "Version number of the active model per app and kind", labels=["app", "kind"])
        age = GaugeMetricFamily(
            "electroshop_model_age_seconds", "Seconds since the active model was trained", labels=["app", "kind"])
        now = timezone.now()
        try:
            active = list(ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).values_list(
                "app", "kind", "version", "created_at"))
        except DatabaseError as exc:  # the scrape still answers the processes' counters
            logger.warning("model gauges not read: %s", exc)
            active = []
        for app, kind, number, created_at in active:
            version.add_metric([app, kind], number)
            age.add_metric([app, kind], (now - created_at).total_seconds())
        yield version
        yield age
        lengths = celery_queue_lengths()
        if lengths:
            queues = GaugeMetricFamily(
                "electroshop_celery_queue_length", "Tasks waiting in each Celery queue", labels=["queue"])
            for queue, length in lengths.items():
                queues.add_metric([queue], length)
            yield queues


def celery_queue_lengths() -> dict[str, int]:
    """The waiting tasks per queue on a Redis broker; empty without one (eager tasks or memory://) or
    when Redis does not answer."""
    broker = getattr(settings, "CELERY_BROKER_URL", "") or ""
    if not broker.startswith(("redis://", "rediss://")):
        return {}
    import redis

    queues = {settings.CELERY_TASK_DEFAULT_QUEUE}
    queues.update(route["queue"] for route in getattr(settings, "CELERY_TASK_ROUTES", {}).values() if "queue" in route)
    try:
        client = redis.Redis.from_url(broker, socket_timeout=0.5, socket_connect_timeout=0.5)
        pipe = client.pipeline(transaction=False)
        ordered = sorted(queues)
        for queue in ordered:
            pipe.llen(queue)
        return dict(zip(ordered, (int(n) for n in pipe.execute())))
    except redis.RedisError as exc:
        logger.warning("celery queue lengths not read: %s", exc)
        return {}


class _Merged:
    """The metrics merged from a list of the processes' files."""

    def __init__(self, files: list[str]) -> None:
        self.files = files

    def collect(self):
        return MultiProcessCollector.merge(self.files, accumulate=True)


class MetricsUnavailable(Exception):
    """No metric file could be read."""


def _readable_files(directory: Path) -> tuple[list[str], list[str]]:
    """The metric files that merge on their own, and those that do not (truncated, corrupt)."""
    files = sorted(str(path) for path in directory.glob("*.db"))
    try:
        MultiProcessCollector.merge(files, accumulate=True)
        return files, []
    except Exception:  # noqa: BLE001 - any unreadable file: find which, below
        good, bad = [], []
        for path in files:
            try:
                MultiProcessCollector.merge([path], accumulate=True)
                good.append(path)
            except Exception:  # noqa: BLE001
                bad.append(path)
        return good, bad


def scrape(*, directory: Path | None = None) -> bytes:
    """The Prometheus text of every process's metrics (the files in ``directory``, default the shared
    one) and the scrape-time gauges.

    A metric file that cannot be read is left out (and logged); when files exist but none can be read,
    ``MetricsUnavailable``.
    """
    good, bad = _readable_files(directory or DIRECTORY)
    if bad:
        logger.error("unreadable metric files left out of the scrape: %s", ", ".join(bad))
        if not good:
            raise MetricsUnavailable(f"{len(bad)} metric file(s) could not be read")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Merged(good))
    registry.register(ScrapeTimeCollector())
    return generate_latest(registry)


class RequestMetricsMiddleware:
    """Counts and times every request under ``/api/`` by its URL route (the pattern, not the path: a
    bounded set of label values), method and status, 4xx and 5xx included; a recommendation answer's
    ``source`` (``request.electroshop_answer_source``, set by the view) is counted too. Scrapes of
    ``/metrics`` are not counted."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith("/api/"):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        count_request(endpoint=match.route if match is not None else UNMATCHED, method=request.method if request.method in METHODS else "other",
                      status=response.status_code, seconds=time.perf_counter() - started,
                      source=getattr(request, "electroshop_answer_source", None))
        return response
