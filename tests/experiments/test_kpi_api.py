"""GET /api/v1/kpis/: rows per day and group with totals, filters, field-named 400s, staff or service tokens."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from experiments.kpis import refresh_daily_kpis
from experiments.models import Activity
from tests.clients import service_token_client

pytestmark = pytest.mark.django_db

URL = "/api/v1/kpis/"
CUSTOMER = ("customer", "active", 7, 3, "control")
SIMILAR = ("similar", "active", 7, 0, "")


def _activity(day, group, subject, **counts):
    Activity.objects.create(day=day, subject=subject, **dict(zip(("placement", "strategy", "model_version",
                                                                   "experiment_id", "variant"), group)), **counts)


@pytest.fixture
def kpis():
    today = timezone.now().date()
    yesterday, old = today - timedelta(days=1), today - timedelta(days=40)
    _activity(today, CUSTOMER, "customer:1", impressions=10, clicks=2, orders=1, revenue=Decimal("30.00"))
    _activity(yesterday, CUSTOMER, "customer:1", impressions=5, clicks=1)
    _activity(yesterday, CUSTOMER, "session:s", impressions=5)
    _activity(today, SIMILAR, "customer:1", impressions=8, clicks=0)
    _activity(old, CUSTOMER, "customer:9", impressions=100, clicks=50)
    refresh_daily_kpis(keys={(today, *CUSTOMER), (yesterday, *CUSTOMER), (today, *SIMILAR), (old, *CUSTOMER)})
    return {"today": today, "yesterday": yesterday, "old": old}


@pytest.fixture
def api():
    return service_token_client(username="shop-backend")


def test_the_last_30_days_by_default_with_rows_per_day_and_group_and_totals(api, kpis):
    body = api.get(URL).json()
    assert (body["from"], body["to"]) == ((kpis["today"] - timedelta(days=29)).isoformat(), kpis["today"].isoformat())
    assert [(r["day"], r["placement"], r["impressions"], r["subjects"]) for r in body["rows"]] == [
        (kpis["yesterday"].isoformat(), "customer", 10, 2),
        (kpis["today"].isoformat(), "customer", 10, 1),
        (kpis["today"].isoformat(), "similar", 8, 1)]
    row = body["rows"][1]
    assert row == {"day": kpis["today"].isoformat(), "placement": "customer", "strategy": "active", "model_version": 7,
                   "experiment_id": 3, "variant": "control", "impressions": 10, "subjects": 1, "clicking_subjects": 1,
                   "clicks": 2, "ctr": 0.2, "add_to_carts": 0, "orders": 1, "converting_subjects": 1,
                   "conversion_rate": 1.0, "revenue": "30.00", "revenue_per_subject": 30.0, "average_order_value": 30.0}
    totals = body["totals"]
    # customer:1 is active on both days and in both placements: one subject
    assert (totals["impressions"], totals["subjects"], totals["clicks"], totals["orders"], totals["revenue"]) == (
        28, 2, 3, 1, "30.00")
    assert totals["ctr"] == pytest.approx(3 / 28) and totals["revenue_per_subject"] == 15.0


def test_filters_narrow_rows_and_totals(api, kpis):
    day = kpis["old"].isoformat()
    body = api.get(URL, {"from": day, "to": day, "placement": "customer"}).json()
    assert [(r["day"], r["clicks"]) for r in body["rows"]] == [(day, 50)]
    assert body["totals"]["subjects"] == 1
    body = api.get(URL, {"placement": "similar"}).json()
    assert [r["placement"] for r in body["rows"]] == ["similar"] and body["totals"]["impressions"] == 8
    assert [r["variant"] for r in api.get(URL, {"experiment": 3}).json()["rows"]] == ["control", "control"]
    assert [r["placement"] for r in api.get(URL, {"experiment": 0}).json()["rows"]] == ["similar"]
    assert api.get(URL, {"model_version": 8}).json()["rows"] == []
    assert len(api.get(URL, {"strategy": "active", "model_version": 7}).json()["rows"]) == 3


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "2026-05-10", "to": "2026-05-09"}, "from"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
    ({"placement": "Customer!"}, "placement"),
    ({"placement": "x" * 33}, "placement"),
    ({"strategy": "a b"}, "strategy"),
    ({"model_version": "-1"}, "model_version"),
    ({"model_version": str(2**63)}, "model_version"),
    ({"experiment": "abc"}, "experiment"),
])
def test_bad_values_are_400s_naming_the_field(api, query, field):
    response = api.get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_staff_or_service_tokens_only(kpis):
    assert APIClient().get(URL).status_code == 401
    customer = APIClient()
    customer.force_login(get_user_model().objects.create_user("shopper", "shopper@example.com", None))
    assert customer.get(URL).status_code == 403
    staff = APIClient()
    staff.force_login(get_user_model().objects.create_user("merchant", "m@example.com", None, is_staff=True))
    assert staff.get(URL).status_code == 200


def test_a_range_ending_in_the_first_days_of_year_one_is_read_not_refused(api):
    response = api.get(f"{URL}?to=0001-01-20")
    assert response.status_code == 200 and response.json()["from"] == "0001-01-01"
