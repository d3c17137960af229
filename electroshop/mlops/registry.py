"""What each AI app plugs into the registry: its trainer and its cached tables.

Apps register in ``AppConfig.ready()``. A retrain of an app with no trainer registered fails
loudly instead of pretending; pruning a version deletes its rows in every registered table and
spares the versions a prune guard names (a running canary rollout's candidate: ``experiments``
registers that guard, since mlops knows no app that uses it).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models


@dataclass
class AppRegistration:
    app: str
    kind: str
    # trainer(run_id=..., as_of=..., sync=...) -> None: trains, fills, evaluates and activates.
    trainer: Callable[..., Any] | None = None
    cached_tables: list[type[models.Model]] = field(default_factory=list)
    # warm_up() -> Any: load the active model into this process (worker start, after an activation).
    warm_up: Callable[[], Any] | None = None


_REGISTRY: dict[str, AppRegistration] = {}

KNOWN_APPS = ("recommendations", "forecasting", "fraud")


def register_app(*, app: str, kind: str, trainer: Callable[..., Any] | None = None,
                 cached_tables: list[type[models.Model]] | None = None,
                 warm_up: Callable[[], Any] | None = None) -> AppRegistration:
    registration = AppRegistration(app=app, kind=kind, trainer=trainer, cached_tables=list(cached_tables or []),
                                   warm_up=warm_up)
    _REGISTRY[app] = registration
    return registration


def registration_for(app: str) -> AppRegistration | None:
    return _REGISTRY.get(app)


def registrations() -> list[AppRegistration]:
    return list(_REGISTRY.values())


# guard(app, kind) -> ids of versions pruning must keep
_PRUNE_GUARDS: list[Callable[[str, str], Iterable[int]]] = []


def register_prune_guard(guard: Callable[[str, str], Iterable[int]]) -> None:
    if guard not in _PRUNE_GUARDS:
        _PRUNE_GUARDS.append(guard)


def guarded_versions(*, app: str, kind: str) -> set[int]:
    """Ids of versions of (app, kind) that a registered guard keeps from pruning."""
    return {version_id for guard in _PRUNE_GUARDS for version_id in guard(app, kind)}


def cached_tables_for(app: str) -> list[type[models.Model]]:
    registration = _REGISTRY.get(app)
    return registration.cached_tables if registration else []
