"""Writes of the experiments app: bringing attribution, KPIs and experiments up to date."""
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.utils import timezone

from .attribution import attribute_new_activity
from .kpis import refresh_daily_kpis


def update_experiments(*, now: datetime | None = None, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """What ``manage.py update_experiments`` and the beat task ``experiments.update`` run: new events and
    orders attributed, then the KPI rows of the (day, group) keys they touched recomputed.

    Returns counts only (JSON-serialisable): ``events_read``, ``events_skipped``, ``order_lines_read``,
    ``conversions``, ``groups_touched``, ``kpi_rows``."""
    now = now or timezone.now()
    attribution = attribute_new_activity(now=now, progress=progress)
    kpi_rows = refresh_daily_kpis(keys=attribution["touched"])
    # Experiment results, bandit weights and canary rollout steps are brought up to date here, after the
    # KPIs, from the same activity.
    return {"events_read": attribution["events_read"], "events_skipped": attribution["events_skipped"],
            "order_lines_read": attribution["order_lines_read"], "conversions": attribution["conversions"],
            "groups_touched": len(attribution["touched"]), "kpi_rows": kpi_rows}
