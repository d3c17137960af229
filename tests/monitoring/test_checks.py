"""check_app on a seeded shop: drift of each app's inputs, freshness, the stored report, the command."""
import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from electroshop.mlops.models import TrainingRun
from fraud import selectors as fraud_selectors
from monitoring import services
from monitoring.models import ModelCheck
from monitoring.tasks import check_models_task
from tests.monitoring.shops import AS_OF, CURRENT_START, REFERENCE_START, activate, build

pytestmark = pytest.mark.django_db

EXPECTED_FEATURES = {
    "recommendations": {"interactions per day", "active customers per day", "popularity concentration",
                        "catalogue churn", "category mix"},
    "forecasting": {"units per day", "category mix of units"},
    "fraud": {"order amount", "orders per day", "billing country"},
}


def drifted(report: dict) -> set[str]:
    return {row["feature"] for row in report["drift"] if row["drifted"]}


def test_a_stable_shop_drifts_nowhere_and_each_report_is_stored():
    shop = build(shifted=False)
    reports = services.check_models(apps=services.APPS, as_of=AS_OF)
    assert [r["app"] for r in reports] == list(services.APPS)
    for report in reports:
        features = {row["feature"] for row in report["drift"]}
        assert EXPECTED_FEATURES[report["app"]] <= features, report["app"]
        assert drifted(report) == set() and report["drift_share"] == 0 and not report["input_drifted"], report
        assert report["model_version"] == shop["versions"][report["app"]].version
        assert report["windows"] == {"reference": [REFERENCE_START.isoformat(), CURRENT_START.isoformat()],
                                     "current": [CURRENT_START.isoformat(), AS_OF.isoformat()]}
        assert report["performance"] == {} and report["alerts"] == []
    forecasting = reports[1]
    per_category = {row["feature"] for row in forecasting["drift"] if row["feature"].startswith("units per day, ")}
    assert per_category == {f"units per day, category {c.pk}" for c in shop["categories"]}
    assert reports[2]["features_without_data"] == ["risk score"]  # no order was scored
    stored = list(ModelCheck.objects.order_by("pk").values_list("app", "model_version", "as_of", "report"))
    assert [(app, version, as_of) for app, version, as_of, _ in stored] == [
        (r["app"], r["model_version"], AS_OF) for r in reports]
    assert [report for *_, report in stored] == reports


def test_shifted_inputs_are_flagged_per_app():
    shop = build(shifted=True)
    recommendations, forecasting, fraud = services.check_models(apps=services.APPS, as_of=AS_OF)
    assert {"interactions per day", "category mix", "catalogue churn"} <= drifted(recommendations)
    assert recommendations["input_drifted"]
    phones = shop["categories"][0].pk
    assert {f"units per day, category {phones}", "category mix of units"} <= drifted(forecasting)
    assert f"units per day, category {shop['categories'][1].pk}" not in drifted(forecasting)
    assert {"order amount", "billing country"} <= drifted(fraud) and "orders per day" not in drifted(fraud)
    assert fraud["input_drifted"]


def test_freshness_age_against_the_schedule_last_data_and_the_last_run():
    shop = build(shifted=False)
    report = services.check_app(app="fraud", as_of=AS_OF)
    fresh = report["freshness"]
    assert fresh["age_days"] == 7 and fresh["schedule_days"] == 1 and fresh["stale"]
    assert fresh["last_event_at"] == shop["last_event"].isoformat()
    assert fresh["last_order_at"] == shop["last_order"].isoformat()
    assert fresh["last_run"] is None and not fresh["run_failed"] and not fresh["run_unfinished"]

    activate("fraud", model_as_of=AS_OF - timedelta(hours=36))
    TrainingRun.objects.create(app="fraud", kind="order_risk", status=TrainingRun.Status.FAILED,
                               error="MemoryError: out of memory", created_at=AS_OF - timedelta(hours=3))
    fresh = services.check_app(app="fraud", as_of=AS_OF)["freshness"]
    assert fresh["age_days"] == 1.5 and not fresh["stale"]
    assert fresh["run_failed"] and fresh["last_run"]["status"] == "failed"
    assert fresh["last_run"]["error"] == "MemoryError: out of memory"
    TrainingRun.objects.create(app="fraud", kind="order_risk", status=TrainingRun.Status.RUNNING,
                               created_at=AS_OF - timedelta(days=2))
    TrainingRun.objects.filter(status=TrainingRun.Status.FAILED).delete()
    fresh = services.check_app(app="fraud", as_of=AS_OF)["freshness"]
    assert fresh["run_unfinished"] and not fresh["run_failed"]


def test_no_active_model_is_version_zero_stale_and_still_checked_against_the_weeks_before():
    report = services.check_app(app="recommendations", as_of=AS_OF)
    assert report["model_version"] == 0
    assert report["freshness"]["stale"] and report["freshness"]["age_days"] is None
    assert report["freshness"]["last_event_at"] is None and report["freshness"]["last_order_at"] is None
    assert report["windows"]["reference"] == [(CURRENT_START - timedelta(days=28)).isoformat(),
                                              CURRENT_START.isoformat()]
    assert report["drift"] == [] and not report["input_drifted"]
    with pytest.raises(ValueError, match="unknown app"):
        services.check_app(app="nope", as_of=AS_OF)


def test_the_command_prints_json_only_or_a_readable_report():
    build(shifted=True)
    out, err = StringIO(), StringIO()
    call_command("check_models", "--app", "fraud", "--as-of", "2026-06-01", "--json", stdout=out, stderr=err)
    (report,) = json.loads(out.getvalue())
    assert report["app"] == "fraud" and report["input_drifted"] and report["as_of"].startswith("2026-06-01T00:00")
    out = StringIO()
    call_command("check_models", "--as-of", "2026-06-01", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert text.count("version 1") == 3 and "INPUT DRIFTED" in text and "DRIFT" in text
    assert "order amount [ks]" in text and "STALE" in text
    assert ModelCheck.objects.count() == 4
    with pytest.raises(CommandError, match="--as-of"):
        call_command("check_models", "--as-of", "June", stdout=StringIO())


def test_the_daily_task_checks_every_app_now():
    build(shifted=False)
    assert check_models_task() == [1, 1, 1]
    assert sorted(ModelCheck.objects.values_list("app", flat=True)) == ["forecasting", "fraud", "recommendations"]


def test_served_risk_scores_are_compared_in_ten_point_bins():
    from fraud.models import Level, RiskAssessment

    build(shifted=False)
    rows = []
    for day in range(35):
        at = AS_OF - timedelta(days=35 - day, hours=-12)
        late = at >= CURRENT_START
        for k in range(20):
            score = (85 if late and k < 10 else 15) + k % 5  # the last week, half the orders score high
            rows.append(RiskAssessment(order_created_at=at, created_at=at, score=score, level=Level.ALLOW))
    RiskAssessment.objects.bulk_create(rows)
    RiskAssessment.objects.create(order_created_at=AS_OF, created_at=AS_OF, score=99, level=Level.ALLOW)  # after
    report = services.check_app(app="fraud", as_of=AS_OF)
    (scores,) = [row for row in report["drift"] if row["feature"] == "risk score"]
    assert scores["test"] == "chi_square" and scores["drifted"]
    assert report["features_without_data"] == []
    counts = fraud_selectors.score_counts(since=CURRENT_START, until=AS_OF, bin_width=10)
    assert counts[8] == 70 and counts[9] == 0  # the window is half-open: the assessment at AS_OF is not in it
