"""GET /api/v1/monitoring/: staff and service tokens only, the latest report per app, ?app= validated."""
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from monitoring import services
from tests.clients import service_token_client
from tests.monitoring.shops import AS_OF, build

pytestmark = pytest.mark.django_db
URL = "/api/v1/monitoring/"


def test_only_staff_and_service_tokens_read_the_reports():
    assert APIClient().get(URL).status_code == 401
    user = get_user_model().objects.create_user("shopper", None, None)
    customer = APIClient(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    refused = customer.get(URL)
    assert refused.status_code == 403 and "staff" in refused.json()["detail"]
    empty = service_token_client(username="backend").get(URL)
    assert empty.status_code == 200 and empty.json() == {"reports": []}


def test_the_latest_report_of_each_app_and_the_app_filter():
    build(shifted=True)
    services.check_models(apps=services.APPS, as_of=AS_OF - timedelta(days=1))
    latest = services.check_models(apps=services.APPS, as_of=AS_OF)
    client = service_token_client(username="backend")
    answer = client.get(URL)
    assert answer.status_code == 200
    reports = answer.json()["reports"]
    assert [r["app"] for r in reports] == ["recommendations", "forecasting", "fraud"]
    assert reports == latest
    for report in reports:
        assert {"app", "model_version", "checked_at", "freshness", "drift", "performance", "alerts"} <= set(report)
        assert {"feature", "test", "statistic", "threshold", "drifted"} <= set(report["drift"][0])
    only = client.get(URL, {"app": "fraud"}).json()["reports"]
    assert only == [latest[2]]


def test_an_unknown_app_is_a_400_naming_the_field():
    answer = service_token_client(username="backend").get(URL, {"app": "weather"})
    assert answer.status_code == 400 and list(answer.json()) == ["app"]
