"""The admin's KPI page: charts of daily CTR and revenue per subject, a table per group, filters; read-only."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from experiments.kpis import refresh_daily_kpis
from experiments.models import Activity

from .activity import experiment_with_variants

pytestmark = pytest.mark.django_db

URL = "/admin/experiments/dailykpi/"


@pytest.fixture
def kpis():
    experiment = experiment_with_variants()
    today = timezone.now().date()
    keys = set()
    for days_ago, placement, variant, clicks in ((0, "customer", "trending", 3), (1, "customer", "control", 1),
                                                  (0, "similar", "", 2)):
        group = dict(placement=placement, strategy="active", model_version=7,
                     experiment_id=experiment.pk if variant else 0, variant=variant)
        day = today - timedelta(days=days_ago)
        Activity.objects.create(day=day, subject="customer:1", impressions=20, clicks=clicks, orders=1,
                                revenue=Decimal("45.00"), **group)
        keys.add((day, *group.values()))
    refresh_daily_kpis(keys=keys)
    return experiment


def test_the_kpi_page_draws_both_charts_and_a_row_per_group(admin_client, kpis):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(URL)
    assert response.status_code == 200 and len(queries) <= 20
    page = response.content.decode()
    assert page.count('role="img"') == 2
    assert 'aria-label="Click-through rate per day"' in page and 'aria-label="Revenue per subject per day"' in page
    assert page.count("<polyline") == 2  # the customer placement's two days, in each chart
    assert "Hybrid vs trending / trending" in page and "Hybrid vs trending / control" in page
    assert page.count("<tr><td>customer</td>") == 2 and page.count("<tr><td>similar</td>") == 1
    assert "£135.00" in page  # the revenue of the range, every placement


def test_the_placement_and_date_filters(admin_client, kpis):
    today = timezone.now().date()
    page = admin_client.get(URL, {"placement": "similar", "start": today.isoformat()}).content.decode()
    assert page.count("<tr><td>similar</td>") == 1 and "<tr><td>customer</td>" not in page
    page = admin_client.get(URL, {"start": today.isoformat(), "end": today.isoformat()}).content.decode()
    assert page.count("<tr><td>customer</td>") == 1  # yesterday's control row is outside
    response = admin_client.get(URL, {"start": today.isoformat(), "end": (today - timedelta(days=3)).isoformat()})
    assert response.status_code == 200 and 'class="errornote"' in response.content.decode()


def test_kpi_rows_cannot_be_added_changed_or_deleted(admin_client, kpis):
    from experiments.models import DailyKpi

    kpi = DailyKpi.objects.first()
    assert admin_client.get("/admin/experiments/dailykpi/add/").status_code == 403
    assert admin_client.post(f"/admin/experiments/dailykpi/{kpi.pk}/delete/", {"post": "yes"}).status_code == 403
    assert DailyKpi.objects.filter(pk=kpi.pk).exists()
