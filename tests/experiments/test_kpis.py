"""Daily KPIs summed from activity for the touched keys only; the command and the beat task that run it."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from experiments import tasks
from experiments.kpis import refresh_daily_kpis
from experiments.models import Activity, DailyKpi
from tests.factories import CustomerFactory, ProductFactory

from .activity import event, list_id

pytestmark = pytest.mark.django_db

DAY = date(2026, 5, 10)
GROUP = ("customer", "active", 7, 0, "")


def _activity(subject: str, *, day: date = DAY, group: tuple = GROUP, **counts) -> None:
    Activity.objects.create(day=day, subject=subject, **dict(zip(("placement", "strategy", "model_version",
                                                                   "experiment_id", "variant"), group)), **counts)


def test_kpis_are_summed_per_day_and_group_with_their_rates():
    _activity("customer:1", impressions=10, clicks=2, add_to_carts=1, orders=1, revenue=Decimal("30.00"))
    _activity("customer:2", impressions=6, clicks=1)
    _activity("session:a", impressions=4)
    _activity("session:b", impressions=0)  # an exposure: a subject without impressions
    _activity("customer:3", impressions=0, orders=2, revenue=Decimal("50.00"))  # ordered after an earlier click
    _activity("customer:1", group=("similar", "active", 7, 0, ""), impressions=99)  # another group, not touched

    assert refresh_daily_kpis(keys={(DAY, *GROUP)}) == 1

    kpi = DailyKpi.objects.get()
    assert (kpi.day, kpi.placement, kpi.strategy, kpi.model_version, kpi.experiment_id, kpi.variant) == (DAY, *GROUP)
    assert (kpi.impressions, kpi.subjects, kpi.clicking_subjects, kpi.clicks, kpi.add_to_carts, kpi.orders,
            kpi.converting_subjects, kpi.revenue) == (20, 5, 2, 3, 1, 3, 2, Decimal("80.00"))
    assert kpi.ctr == pytest.approx(3 / 20)
    assert kpi.conversion_rate == pytest.approx(2 / 5)
    assert kpi.revenue_per_subject == pytest.approx(80 / 5)
    assert kpi.average_order_value == pytest.approx(80 / 3)


def test_a_refresh_rewrites_the_touched_rows_and_leaves_the_others():
    other = (DAY - timedelta(days=1), *GROUP)
    _activity("customer:1", impressions=4, clicks=1)
    _activity("customer:1", day=other[0], impressions=2)
    refresh_daily_kpis(keys={(DAY, *GROUP), other})
    Activity.objects.filter(day=DAY).update(impressions=8, clicks=2)
    Activity.objects.filter(day=other[0]).update(impressions=50)

    assert refresh_daily_kpis(keys={(DAY, *GROUP)}) == 1

    kpis = {k.day: k for k in DailyKpi.objects.all()}
    assert len(kpis) == 2
    assert (kpis[DAY].impressions, kpis[DAY].clicks, kpis[DAY].ctr) == (8, 2, 0.25)
    assert kpis[other[0]].impressions == 2  # not touched: not recomputed


def test_rates_of_nothing_are_zero():
    _activity("session:x")  # an exposure alone
    refresh_daily_kpis(keys={(DAY, *GROUP)})
    kpi = DailyKpi.objects.get()
    assert (kpi.subjects, kpi.ctr, kpi.conversion_rate, kpi.revenue_per_subject, kpi.average_order_value) == (
        1, 0.0, 0.0, 0.0, 0.0)


def _events():
    customer, product = CustomerFactory(), ProductFactory(price=Decimal("40.00"))
    rid = list_id()
    at = datetime.now(UTC) - timedelta(minutes=10)
    event("impression", at=at, rid=f"{rid}.1", product=product, customer=customer)
    event("click", at=at, rid=f"{rid}.1", product=product, customer=customer)
    event("purchase", at=at, rid=f"{rid}.1", product=product, customer=customer)
    return at.date()


def test_the_command_attributes_refreshes_and_reports():
    day = _events()
    out = StringIO()
    call_command("update_experiments", "--no-progress", stdout=out, stderr=StringIO())
    assert out.getvalue().strip() == ("events read: 3 (skipped: 0), order lines read: 0, conversions: 1, "
                                      "KPI rows updated: 1 (1 day-groups touched), experiments updated: 0 "
                                      "(bandits re-weighted: 0), rollout audit records: 0")
    kpi = DailyKpi.objects.get()
    assert (kpi.day, kpi.impressions, kpi.clicks, kpi.orders, kpi.revenue) == (day, 1, 1, 1, Decimal("40.00"))

    out = StringIO()
    call_command("update_experiments", "--no-progress", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("events read: 0 (skipped: 0)")
    assert DailyKpi.objects.get().impressions == 1


def test_the_beat_task_runs_the_same_update(eager_celery):
    _events()
    report = tasks.update_experiments_task.apply().get()
    assert report == {"events_read": 3, "events_skipped": 0, "order_lines_read": 0, "conversions": 1,
                      "groups_touched": 1, "kpi_rows": 1, "experiments": 0, "bandits": 0,
                      "rollout_steps": 0}
