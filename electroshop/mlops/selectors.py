"""Reads of the model registry. The active version id is cached: it is on every hot read path."""
from django.core.cache import cache

from electroshop.conf import electroshop_settings

from .models import ModelVersion, TrainingRun

_NONE = -1  # cached marker for "no active version", so a miss is cached too


def _active_key(app: str, kind: str) -> str:
    return f"mlops:active:{app}:{kind}"


def active_version_id(*, app: str, kind: str) -> int | None:
    """The id of the active version of (app, kind), or None. At most one query, usually none."""
    key = _active_key(app, kind)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == _NONE else cached
    version_id = (
        ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.ACTIVE)
        .values_list("pk", flat=True)
        .first()
    )
    cache.set(key, _NONE if version_id is None else version_id, electroshop_settings.SELECTOR_CACHE_SECONDS)
    return version_id


def active_version(*, app: str, kind: str) -> ModelVersion | None:
    return ModelVersion.objects.filter(app=app, kind=kind, status=ModelVersion.Status.ACTIVE).first()


def forget_active_version(*, app: str, kind: str) -> None:
    cache.delete(_active_key(app, kind))


def versions_for(*, app: str, kind: str) -> list[ModelVersion]:
    return list(ModelVersion.objects.filter(app=app, kind=kind).order_by("version"))


def latest_runs(*, limit: int = 20) -> list[TrainingRun]:
    return list(TrainingRun.objects.select_related("model_version")[:limit])
