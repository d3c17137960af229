"""The daily check of each app's serving model: data drift of its inputs and its freshness.

``check_app`` compares the last MONITORING_CURRENT_DAYS before ``as_of`` with the serving version's
training window (its last MONITORING_REFERENCE_DAYS), reports how old the model is against its
retrain schedule, when the last event and order arrived and how the last training run ended, and
stores the report as a ModelCheck. ``manage.py check_models`` and the daily task run it.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable

from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.mlops import selectors as mlops_selectors
from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.mlops.services import kind_for_app
from electroshop.seam import get_adapter

from . import features
from .ml.drift import Thresholds, drift_report
from .models import ModelCheck

APPS = ("recommendations", "forecasting", "fraud")
RUN_ERROR_CHARS = 500  # the failed run's error as the report quotes it


def thresholds() -> Thresholds:
    conf = electroshop_settings
    return Thresholds(psi_warn=conf.MONITORING_PSI_WARN, psi_drift=conf.MONITORING_PSI_DRIFT,
                      p_value=conf.MONITORING_P_VALUE, drift_share=conf.MONITORING_DRIFT_SHARE)


def windows(*, version: ModelVersion | None, as_of: datetime) -> dict[str, tuple[datetime, datetime]]:
    """The reference window (the last MONITORING_REFERENCE_DAYS of the version's training data) and the
    current one (the MONITORING_CURRENT_DAYS before ``as_of``), each ``(since, until)``."""
    reference_days = timedelta(days=electroshop_settings.MONITORING_REFERENCE_DAYS)
    current = (as_of - timedelta(days=electroshop_settings.MONITORING_CURRENT_DAYS), as_of)
    if version is None:
        reference_end = current[0]
    else:
        reference_end = version.data_end or version.as_of
    reference_start = reference_end - reference_days
    if version is not None and version.data_start is not None:
        reference_start = max(reference_start, version.data_start)
    return {"reference": (reference_start, reference_end), "current": current}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def freshness(*, app: str, version: ModelVersion | None, as_of: datetime) -> dict:
    """The model's age against its retrain schedule (stale: older than twice it), the last event and
    order received before ``as_of`` (None: none in the current window) and the last training run."""
    schedule_days = electroshop_settings.MONITORING_RETRAIN_DAYS.get(app, 1)
    age_days = (as_of - version.as_of).total_seconds() / 86400 if version is not None else None
    adapter = get_adapter()
    since = as_of - timedelta(days=electroshop_settings.MONITORING_CURRENT_DAYS)
    events = adapter.event_model.objects.filter(occurred_at__gte=since, occurred_at__lt=as_of).order_by("-occurred_at")
    last_event = events.values_list("occurred_at", flat=True).first()
    orders = adapter.orders_risk_frame(since=since, until=as_of)
    last_order = orders["created_at"].max().to_pydatetime() if not orders.empty else None
    run = mlops_selectors.last_run(app=app)
    unfinished = (run is not None and run.status in (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)
                  and as_of - run.created_at > timedelta(days=schedule_days))
    return {
        "model_as_of": _iso(version.as_of) if version else None,
        "activated_at": _iso(version.activated_at) if version else None,
        "age_days": round(age_days, 3) if age_days is not None else None,
        "schedule_days": schedule_days,
        "stale": age_days is None or age_days > 2 * schedule_days,
        "last_event_at": _iso(last_event),
        "last_order_at": _iso(last_order),
        "last_run": None if run is None else {
            "id": run.pk, "status": run.status, "created_at": _iso(run.created_at),
            "finished_at": _iso(run.finished_at), "error": run.error[:RUN_ERROR_CHARS]},
        "run_failed": run is not None and run.status == TrainingRun.Status.FAILED,
        # queued or running for longer than the time between two retrains: it will not finish
        "run_unfinished": unfinished,
    }


def check_app(*, app: str, as_of: datetime) -> dict:
    """Check one app's serving model (see the module) and store the report as a ModelCheck."""
    if app not in APPS:
        raise ValueError(f"unknown app {app!r}: one of {', '.join(APPS)}")
    version = mlops_selectors.active_version(app=app, kind=kind_for_app(app))
    spans = windows(version=version, as_of=as_of)
    read = features.READERS[app]
    reference_numeric, reference_categorical = read(since=spans["reference"][0], until=spans["reference"][1])
    current_numeric, current_categorical = read(since=spans["current"][0], until=spans["current"][1])
    names = sorted(set(reference_numeric) | set(current_numeric))
    categories = sorted(set(reference_categorical) | set(current_categorical))
    drift = drift_report(
        numeric={name: (reference_numeric.get(name, []), current_numeric.get(name, [])) for name in names},
        categorical={name: (reference_categorical.get(name, {}), current_categorical.get(name, {}))
                     for name in categories},
        thresholds=thresholds())
    checked_at = timezone.now()
    report = {
        "app": app,
        "model_version": version.version if version else 0,
        "checked_at": checked_at.isoformat(),
        "as_of": as_of.isoformat(),
        "windows": {name: [since.isoformat(), until.isoformat()] for name, (since, until) in spans.items()},
        "freshness": freshness(app=app, version=version, as_of=as_of),
        "drift": drift["tests"],
        "drift_share": round(drift["share"], 4),
        "input_drifted": drift["drifted"],
        "features_without_data": drift["skipped"],
        "performance": {},
        "alerts": [],
    }
    ModelCheck.objects.create(app=app, model_version=report["model_version"], checked_at=checked_at, as_of=as_of,
                              report=report)
    return report


def check_models(*, apps: Iterable[str], as_of: datetime) -> list[dict]:
    """``check_app`` for each of ``apps``, in order."""
    return [check_app(app=app, as_of=as_of) for app in apps]
