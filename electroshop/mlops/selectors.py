"""Reads of the model registry. The active version id is cached: it is on every hot read path."""
from django.core.cache import cache

from electroshop.cache import CacheBatch, cache_get
from electroshop.conf import electroshop_settings

from .models import ModelVersion, TrainingRun

_NONE = -1  # cached marker for "no active version", so a miss is cached too

# The active version of each (app, kind) as this process last read it. A hot read fetches that
# version's cached rows in the same cache round trip as the pointer and keeps them only if the pointer
# agrees, which saves a second round trip unless a new version was activated since.
_last_seen: dict[tuple[str, str], int] = {}


def active_version_key(*, app: str, kind: str) -> str:
    """The cache key of the active version pointer (for readers that fetch several keys at once)."""
    return f"mlops:active:{app}:{kind}"


def active_version_id(*, app: str, kind: str, prefetched: CacheBatch | None = None) -> int | None:
    """The id of the active version of (app, kind), or None. At most one query, usually none.

    ``prefetched``: a batch of cache reads that may include ``active_version_key``.
    """
    key = active_version_key(app=app, kind=kind)
    cached = cache_get(key, prefetched)
    if cached is not None:
        version_id = None if cached == _NONE else cached
    else:
        version_id = (
            ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.ACTIVE)
            .values_list("pk", flat=True)
            .first()
        )
        cache.set(key, _NONE if version_id is None else version_id, electroshop_settings.SELECTOR_CACHE_SECONDS)
    if version_id is not None:
        _last_seen[(app, kind)] = version_id
    return version_id


def last_seen_version_id(*, app: str, kind: str) -> int | None:
    """The active version of (app, kind) when this process last read it (a guess worth prefetching for)."""
    return _last_seen.get((app, kind))


def active_version(*, app: str, kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.ACTIVE).first()


def forget_active_version(*, app: str, kind: str) -> None:
    cache.delete(active_version_key(app=app, kind=kind))


def versions_for(*, app: str, kind: str) -> list[ModelVersion]:
    return list(ModelVersion.objects.filter(app=app, kind=kind).order_by("version"))


def latest_runs(*, limit: int = 20) -> list[TrainingRun]:
    return list(TrainingRun.objects.select_related("model_version")[:limit])


def version_number_key(version_id: int) -> str:
    return f"mlops:version-number:{version_id}"


def version_number(version_id: int | None, *, prefetched: CacheBatch | None = None) -> int | None:
    """The version number (``model_version`` of every API answer) of a version id. Cached: it never changes.

    ``prefetched``: a batch of cache reads that may include ``version_number_key``.
    """
    if version_id is None:
        return None
    key = version_number_key(version_id)
    number = cache_get(key, prefetched)
    if number is None:
        number = ModelVersion.objects.filter(pk=version_id).values_list("version", flat=True).first()
        if number is not None:
            cache.set(key, number, 24 * 3600)
    return number


def last_run(*, app: str) -> TrainingRun | None:
    return TrainingRun.objects.filter(app=app).order_by("-created_at").first()


def failed_runs_since(since) -> int:
    return TrainingRun.objects.filter(status=TrainingRun.Status.FAILED, created_at__gte=since).count()
