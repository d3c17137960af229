"""Daily KPIs: ``DailyKpi`` rows summed from ``Activity`` for the (day, group) keys whose activity changed.

A subject is counted in a day's group when it has an ``Activity`` row there: an impression, an exposure
(a holdout's list-level impression), a click, an add-to-cart, an attributed order, or an order after an
exposure in an experiment (``all_orders``, on the group of the subject's latest exposure). Orders,
converting subjects and revenue are the attributed ones. Rates:
``ctr`` = clicks / impressions, ``conversion_rate`` = converting subjects / subjects,
``revenue_per_subject`` = revenue / subjects, ``average_order_value`` = revenue / orders (0 when the
denominator is 0).
"""
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum

from .models import GROUP_FIELDS, Activity, Cursor, DailyKpi

LOCK = "daily_kpis"  # the Cursor row refreshes lock

COUNTS = ("impressions", "subjects", "clicking_subjects", "clicks", "add_to_carts", "orders", "converting_subjects")
RATES = ("ctr", "conversion_rate", "revenue_per_subject", "average_order_value")
PREFIX = "total_"


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else 0.0


def with_rates(counts: dict) -> dict:
    """``counts`` (COUNTS and ``revenue``) with the four rates added."""
    revenue = counts["revenue"] or Decimal("0")
    return {**counts, "revenue": revenue,
            "ctr": _ratio(counts["clicks"], counts["impressions"]),
            "conversion_rate": _ratio(counts["converting_subjects"], counts["subjects"]),
            "revenue_per_subject": _ratio(revenue, counts["subjects"]),
            "average_order_value": _ratio(revenue, counts["orders"])}


def activity_sums(*, distinct_subjects: bool, all_orders: bool = False) -> dict:
    """The aggregates of Activity rows behind every KPI, named ``total_<kpi>`` (an aggregate may not take
    the name of a field it reads); ``clean_sums`` names them back. Within one day and group each subject
    has one row; over several days or groups ``distinct_subjects`` counts each subject once. With
    ``all_orders`` the orders, converting subjects and revenue are those of every order after exposure
    (``all_orders``, ``all_revenue``: how an experiment with a holdout is compared) instead of the
    attributed ones."""
    def subjects(condition: Q | None = None) -> Count:
        return Count("subject", distinct=True, filter=condition) if distinct_subjects else Count("pk", filter=condition)

    orders, revenue = ("all_orders", "all_revenue") if all_orders else ("orders", "revenue")
    sums = {"impressions": Sum("impressions"), "subjects": subjects(), "clicking_subjects": subjects(Q(clicks__gt=0)),
            "clicks": Sum("clicks"), "add_to_carts": Sum("add_to_carts"), "orders": Sum(orders),
            "converting_subjects": subjects(Q(**{f"{orders}__gt": 0})), "revenue": Sum(revenue)}
    return {f"{PREFIX}{name}": aggregate for name, aggregate in sums.items()}


def clean_sums(row: dict) -> dict:
    """An aggregate row of ``activity_sums`` with the KPI names, empty sums as 0."""
    named = {key.removeprefix(PREFIX): value for key, value in row.items()}
    return {**named, **{name: named.get(name) or 0 for name in COUNTS}, "revenue": named.get("revenue") or Decimal("0")}


def refresh_daily_kpis(*, keys: Iterable[tuple]) -> int:
    """Recompute the ``DailyKpi`` row of each ``(day, placement, strategy, model_version, experiment_id,
    variant)`` key from its Activity (one grouped query per day); returns the rows written."""
    by_day: dict[date, set[tuple]] = defaultdict(set)
    for day, *group in keys:
        by_day[day].add(tuple(group))
    written = 0
    for day, groups in sorted(by_day.items()):
        activity = Activity.objects.filter(day=day, placement__in={g[0] for g in groups},
                                           strategy__in={g[1] for g in groups})
        sums = {tuple(row[f] for f in GROUP_FIELDS): clean_sums(row)
                for row in activity.values(*GROUP_FIELDS).annotate(**activity_sums(distinct_subjects=False)).order_by()}
        with transaction.atomic():
            Cursor.objects.select_for_update().get_or_create(name=LOCK)  # two runs at once take turns
            existing = {tuple(getattr(kpi, f) for f in GROUP_FIELDS): kpi for kpi in DailyKpi.objects.filter(day=day)}
            changed, created = [], []
            for group in groups:
                values = with_rates({name: sums.get(group, {}).get(name, 0) for name in (*COUNTS, "revenue")})
                kpi = existing.get(group)
                if kpi is None:
                    kpi = DailyKpi(day=day, **dict(zip(GROUP_FIELDS, group)))
                    created.append(kpi)
                else:
                    changed.append(kpi)
                for name, value in values.items():
                    setattr(kpi, name, value)
            DailyKpi.objects.bulk_update(changed, [*COUNTS, "revenue", *RATES], batch_size=500)
            DailyKpi.objects.bulk_create(created, batch_size=500)
        written += len(changed) + len(created)
    return written
