"""Metric labels, number formats and the SVG charts the admin screens share."""
from decimal import Decimal

import pytest

from electroshop.mlops.charts import BarData, Marker, bar_chart, sparkline
from electroshop.mlops.formatting import format_duration, format_money, format_number, format_percent, metric_label


@pytest.mark.parametrize("key, label", [
    ("validation_ndcg@10_hybrid_heldout", "NDCG@10, hybrid, held-out window"),
    ("validation_ndcg@10_item_knn", "NDCG@10, item kNN, validation window"),
    ("holdout_average_precision", "Average precision (AP), time hold-out"),
    ("holdout_auc_roc", "ROC AUC, time hold-out"),
    ("wrmsse_seasonal_naive", "WRMSSE, seasonal naive"),
    ("coverage95_engine", "95% interval coverage, engine"),
    ("hit_rate@10", "Hit rate@10"),
    ("most_popular", "Most popular"),
    ("validation_users", "Customers in the validation window"),
    ("something_new", "Something new"),
])
def test_metric_keys_get_a_merchants_label(key, label):
    assert metric_label(key) == label


@pytest.mark.parametrize("value, text", [
    (0.0349752, "0.0350"), (12345.678, "12,346"), (955.0, "955"), (1234567, "1,234,567"), (1.5e9, "1,500,000,000"),
    (1.2345e-05, "0.000012"), (1e-9, "0"), (-0.5, "-0.500"), (None, "—"), (float("nan"), "—"),
])
def test_numbers_never_use_scientific_notation(value, text):
    assert format_number(value) == text
    assert "e" not in format_number(value).lower()


def test_money_percent_and_durations():
    assert format_money(Decimal("3524.99"), "GBP") == "£3,524.99"
    assert format_money("119.9", "EUR") == "€119.90"
    assert format_money(-5, "CHF") == "-5.00 CHF"
    assert format_percent(0.2345) == "23.4%"
    assert (format_duration(3.21), format_duration(245), format_duration(7400)) == ("3.2 s", "4 min 05 s", "2 h 03 min")


def test_bar_chart_draws_a_bar_per_label_with_markers_and_formatted_axis():
    svg = bar_chart(BarData(title="Scores", labels=["0", "5", "10"], values=[1200, 300, 0],
                            markers=[Marker("review 5", 1)]))
    assert svg.count("<rect") == 3 and "review 5" in svg and "1,200" in svg and 'role="img"' in svg
    assert "no data yet" in bar_chart(BarData(title="Scores", labels=["0"], values=[0]))


def test_sparkline_needs_two_points():
    assert "<polyline" in sparkline([0.1, None, 0.3], title="NDCG over versions")
    assert sparkline([0.1], title="one version") == ""
