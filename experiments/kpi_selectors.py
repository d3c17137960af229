"""Reads of the KPIs: what ``GET /api/v1/kpis/`` and the admin's KPI page show.

Rows per day and group are the ``DailyKpi`` table. Anything spanning several days or groups (totals,
a group over a date range, a placement's day) is summed from ``Activity`` so that a subject active on
several days or in several groups counts once in ``subjects``, ``clicking_subjects`` and
``converting_subjects``.
"""
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from .kpis import COUNTS, RATES, activity_sums, clean_sums, with_rates
from .models import GROUP_FIELDS, Activity, DailyKpi, Experiment

ORDER = ("day", *GROUP_FIELDS)
DEFAULT_DAYS = 30  # the range shown when none is asked for: the last 30 days, today included
MAX_DAYS = 366


def date_range(start: date | None, end: date | None) -> tuple[date, date]:
    """The range asked for, the missing ends filled: ``end`` today (UTC), ``start`` DEFAULT_DAYS before."""
    end = end or timezone.now().date()
    if start is None:  # (a range ending in the first days of year 1 starts on its first day)
        span = timedelta(days=DEFAULT_DAYS - 1)
        start = end - span if end - date.min >= span else date.min
    return start, end


def range_problem(start: date, end: date) -> str | None:
    """What is wrong with a range (said of its first day), or None."""
    if start > end:
        return f"Must be on or before the last day ({end.isoformat()})."
    if (end - start).days >= MAX_DAYS:
        return f"The range must be at most {MAX_DAYS} days."
    return None


@dataclass(frozen=True)
class KpiFilter:
    start: date
    end: date  # inclusive
    placement: str | None = None
    strategy: str | None = None
    model_version: int | None = None
    experiment_id: int | None = None

    def apply(self, queryset: QuerySet) -> QuerySet:
        """``queryset`` (of DailyKpi or Activity: the same field names) narrowed to the filter."""
        queryset = queryset.filter(day__gte=self.start, day__lte=self.end)
        for field in ("placement", "strategy", "model_version", "experiment_id"):
            value = getattr(self, field)
            if value is not None:
                queryset = queryset.filter(**{field: value})
        return queryset


def daily_rows(kpi_filter: KpiFilter) -> list[dict[str, Any]]:
    """The DailyKpi rows of the filter, by day then group."""
    return list(kpi_filter.apply(DailyKpi.objects.all()).order_by(*ORDER)
                .values(*ORDER, *COUNTS, "revenue", *RATES))


def totals(kpi_filter: KpiFilter) -> dict[str, Any]:
    """All of the filter's activity together (each subject once)."""
    row = kpi_filter.apply(Activity.objects.all()).aggregate(**activity_sums(distinct_subjects=True))
    return with_rates(clean_sums(row))


def group_totals(kpi_filter: KpiFilter) -> list[dict[str, Any]]:
    """Per group over the filter's days (each subject once per group), by group."""
    rows = (kpi_filter.apply(Activity.objects.all()).values(*GROUP_FIELDS)
            .annotate(**activity_sums(distinct_subjects=True)).order_by(*GROUP_FIELDS))
    return [with_rates(clean_sums(row)) for row in rows]


def placement_days(kpi_filter: KpiFilter) -> list[dict[str, Any]]:
    """Per day and placement (each subject once per day and placement), by day: the admin's charts."""
    rows = (kpi_filter.apply(Activity.objects.all()).values("day", "placement")
            .annotate(**activity_sums(distinct_subjects=True)).order_by("day", "placement"))
    return [with_rates(clean_sums(row)) for row in rows]


def placements() -> list[str]:
    """The placements with KPI rows, sorted (the admin's filter)."""
    return list(DailyKpi.objects.order_by("placement").values_list("placement", flat=True).distinct())


def experiment_names(experiment_ids: Iterable[int]) -> dict[int, str]:
    wanted = {i for i in experiment_ids if i}
    return dict(Experiment.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}


def variant_days(experiment_id: int, *, all_orders: bool = False) -> list[dict[str, Any]]:
    """Per day and variant of one experiment (each subject once per day and variant): its admin chart.
    ``all_orders``: orders and revenue of every order after exposure (an experiment with a holdout)."""
    rows = (Activity.objects.filter(experiment_id=experiment_id).values("day", "variant")
            .annotate(**activity_sums(distinct_subjects=True, all_orders=all_orders)).order_by("day", "variant"))
    return [with_rates(clean_sums(row)) for row in rows]
