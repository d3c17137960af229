"""Writes of the experiments app: bringing attribution, KPIs and experiments up to date."""
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from .attribution import attribute_new_activity
from .kpis import refresh_daily_kpis
from .models import Experiment
from .results import refresh_results, update_bandit_weights
from .rollout import advance_rollouts


def update_experiments(*, now: datetime | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """What ``manage.py update_experiments`` and the beat task ``experiments.update`` run: new events and
    orders attributed, the KPI rows of the (day, group) keys they touched recomputed, then every running
    experiment's results (and those of experiments stopped since their last results), one batch of each
    running bandit's weights, and one check of each canary rollout (step up, hold, roll back or complete).

    Returns counts only (JSON-serialisable): ``events_read``, ``events_skipped``, ``order_lines_read``,
    ``conversions``, ``groups_touched``, ``kpi_rows``, ``experiments``, ``bandits``, ``rollout_steps``."""
    now = now or timezone.now()
    attribution = attribute_new_activity(now=now, progress=progress)
    kpi_rows = refresh_daily_kpis(keys=attribution["touched"])
    bandits = 0
    refreshed = experiments_to_refresh()
    for experiment in refreshed:
        refresh_results(experiment=experiment)
        bandits += bool(update_bandit_weights(experiment=experiment))
    rollout_steps = advance_rollouts(now=now)
    return {"events_read": attribution["events_read"], "events_skipped": attribution["events_skipped"],
            "order_lines_read": attribution["order_lines_read"], "conversions": attribution["conversions"],
            "groups_touched": len(attribution["touched"]), "kpi_rows": kpi_rows,
            "experiments": len(refreshed), "bandits": bandits,
            "rollout_steps": len(rollout_steps)}


def experiments_to_refresh() -> list[Experiment]:
    """Running experiments and canaries, and stopped ones whose results predate their stop."""
    stale_stopped = Q(status=Experiment.Status.STOPPED) & (Q(results_at__isnull=True) | Q(results_at__lt=F("stopped_at")))
    return list(Experiment.objects.filter(Q(status=Experiment.Status.RUNNING) | stale_stopped).order_by("pk"))
