"""GET /metrics: who may read it, the text format, and counters that count every request exactly."""
import os

from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from electroshop import metrics
from tests.recommendations.conftest import customer_client_for

CUSTOMER_ROUTE = "api/v1/recommendations/customers/<int:customer_id>/"


def samples(client) -> dict[tuple[str, tuple], float]:
    """Every sample of a scrape, by name and sorted labels."""
    response = client.get("/metrics")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.content.decode()) for s in family.samples}


def value(found: dict, name: str, **labels) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


def test_only_staff_and_service_tokens_read_the_metrics(shop, staff_client):
    anonymous = APIClient().get("/metrics")
    assert anonymous.status_code == 401 and "detail" in anonymous.json()
    bad_token = APIClient(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000").get("/metrics")
    assert bad_token.status_code == 401 and "detail" in bad_token.json()
    customer_client_for(shop["customer"])  # gives the customer a user
    customer_token = Token.objects.create(user=shop["customer"].user)
    customer = APIClient(HTTP_AUTHORIZATION=f"Token {customer_token.key}").get("/metrics")
    assert customer.status_code == 403 and "staff" in customer.json()["detail"]
    staff_client.get(f"/api/v1/recommendations/customers/{shop['customer'].pk}/")
    # Prometheus asks for OpenMetrics or text; it gets the text format either way.
    scraped = staff_client.get("/metrics", HTTP_ACCEPT="application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert scraped.status_code == 200 and b"# TYPE electroshop_api_requests_total counter" in scraped.content


def test_requests_are_counted_exactly_by_route_method_and_status_refusals_included(shop, staff_client):
    customer = shop["customer"]
    before = samples(staff_client)
    for _ in range(7):
        assert staff_client.get(f"/api/v1/recommendations/customers/{customer.pk}/").status_code == 200
    assert APIClient().get(f"/api/v1/recommendations/customers/{customer.pk}/").status_code == 401
    assert staff_client.get(f"/api/v1/recommendations/customers/{customer.pk}/", {"limit": "x"}).status_code == 400
    assert staff_client.get("/api/v1/no-such-thing/").status_code == 404
    after = samples(staff_client)

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    total = "electroshop_api_requests_total"
    assert grew(total, endpoint=CUSTOMER_ROUTE, method="GET", status="200") == 7
    assert grew(total, endpoint=CUSTOMER_ROUTE, method="GET", status="401") == 1
    assert grew(total, endpoint=CUSTOMER_ROUTE, method="GET", status="400") == 1
    assert grew(total, endpoint=metrics.UNMATCHED, method="GET", status="404") == 1
    # The scrapes themselves are not API requests.
    assert not any(name == total and dict(labels)["endpoint"] == "metrics" for name, labels in after)
    assert grew("electroshop_api_request_seconds_count", endpoint=CUSTOMER_ROUTE) == 9
    # The first read renders the list, the next six are its stored answer: each counted with its source.
    assert grew("electroshop_recommendation_answers_total", endpoint=CUSTOMER_ROUTE, source="personalized") == 7
    assert grew("electroshop_cache_requests_total", result="hit") > 0
    assert grew("electroshop_cache_requests_total", result="miss") > 0


def test_the_active_models_version_and_age_are_read_at_scrape_time(shop, staff_client):
    found = samples(staff_client)
    version = shop["version"]
    assert value(found, "electroshop_model_version", app="recommendations", kind="hybrid") == version.version
    assert 0 <= value(found, "electroshop_model_age_seconds", app="recommendations", kind="hybrid") < 600
    queues = {dict(labels)["queue"] for name, labels in found if name == "electroshop_celery_queue_length"}
    if settings.CELERY_BROKER_URL.startswith("redis://"):  # the Redis broker's queues, waiting tasks counted
        assert {settings.CELERY_TASK_DEFAULT_QUEUE, "ml"} <= queues
    else:  # eager tasks, no broker: no queue lengths rather than zeros
        assert queues == set()


def test_training_runs_are_counted_by_outcome(db, staff_client):
    from electroshop.mlops import services as registry

    before = samples(staff_client)
    ok = registry.start_training_run(app="forecasting", kind="demand", as_of=None, triggered_by="test")
    registry.finish_training_run(run_id=ok.pk)
    failed = registry.start_training_run(app="forecasting", kind="demand", as_of=None, triggered_by="test")
    registry.fail_training_run(run_id=failed.pk, error="boom")
    after = samples(staff_client)
    for outcome in ("succeeded", "failed"):
        assert (value(after, "electroshop_training_runs_total", app="forecasting", outcome=outcome)
                - value(before, "electroshop_training_runs_total", app="forecasting", outcome=outcome)) == 1
    assert (value(after, "electroshop_training_seconds_count", app="forecasting", outcome="succeeded")
            - value(before, "electroshop_training_seconds_count", app="forecasting", outcome="succeeded")) == 1


def test_celery_tasks_are_counted_by_name_and_outcome(db, staff_client, eager_celery):
    @eager_celery.task(name="tests.metrics_ok")
    def ok():
        return 1

    before = samples(staff_client)
    ok.delay()
    after = samples(staff_client)
    key = dict(task="tests.metrics_ok", outcome="success")
    assert value(after, "electroshop_celery_tasks_total", **key) - value(before, "electroshop_celery_tasks_total", **key) == 1


def test_a_corrupt_metric_file_is_left_out_and_none_readable_is_a_503(tmp_path, staff_client, db, monkeypatch):
    staff_client.get("/api/v1/")  # this process has a counter file
    (tmp_path / "counter_999999.db").write_bytes(b"\x00garbage that is no metric file")
    readable = metrics.DIRECTORY / f"counter_{os.getpid()}.db"  # this process's, with the request just counted
    (tmp_path / readable.name).write_bytes(readable.read_bytes())
    assert b"electroshop_api_requests_total" in metrics.scrape(directory=tmp_path)  # what can be read

    monkeypatch.setattr(metrics, "DIRECTORY", tmp_path)
    (tmp_path / readable.name).unlink()
    response = staff_client.get("/metrics")
    assert response.status_code == 503 and "could not be read" in response.json()["detail"]
