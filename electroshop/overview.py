"""What the admin's front page (the overview at ``/admin/``) says about the three AI apps.

Reads only: the registry (active versions, last runs, failed runs), each version's stored metrics and
the apps' own selectors (stock alerts, stock-out risks, review queue). A dozen small queries, none
over a whole big table.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from electroshop.mlops import selectors as registry
from electroshop.mlops.charts import sparkline
from electroshop.mlops.formatting import HEADLINE_METRICS, format_metric, format_number, metric_label
from electroshop.mlops.models import ModelVersion, TrainingRun
from forecasting import selectors as forecasting
from forecasting.charts import category_chart
from forecasting.models import StockAlert
from fraud import selectors as fraud
from fraud.charts import score_chart
from recommendations.charts import methods_chart

STOCKOUT_WITHIN_DAYS = 14
FAILED_RUNS_DAYS = 7
TREND_VERSIONS = 12
CARD_CHART_SIZE = (400, 200)  # drawn at this size, scaled to the card's width
NOT_MEASURED = "not measured yet"


@dataclass
class Figure:
    label: str
    value: str


@dataclass
class ModelCard:
    title: str
    app: str
    kind: str
    url: str
    version: ModelVersion | None
    last_run: TrainingRun | None
    figures: list[Figure] = field(default_factory=list)
    chart: SafeString | str = ""
    trend: SafeString | str = ""
    trend_label: str = ""


@dataclass
class Alert:
    label: str
    count: int
    url: str
    severity: str  # "error", "warning" or "info": how loudly the page shows a non-zero count


@dataclass
class Overview:
    cards: list[ModelCard]
    alerts: list[Alert]


def _figure(key: str, value: str | None) -> Figure:
    return Figure(metric_label(key), NOT_MEASURED if value in (None, "—") else value)


def _recommendation_figures(version: ModelVersion) -> list[Figure]:
    metrics = version.metrics
    figures = [_figure(key, format_number(metrics.get(key))) for key in HEADLINE_METRICS["recommendations"]
               if key in metrics] or [_figure("validation_ndcg@10_served", None)]
    singles = {method: scores.get("ndcg@10") for method, scores in (metrics.get("evaluation") or {}).items()
               if method != "hybrid" and scores.get("ndcg@10") is not None}
    if singles:
        best = max(singles, key=singles.get)
        figures.append(Figure(f"Best single generator ({metric_label(best)}), NDCG@10",
                              format_number(singles[best])))
    serving = metrics.get("serving")
    if serving:  # the activation gate's decision: the hybrid, or the generator that beat it
        figures.append(Figure(metric_label("serving"), serving["message"]))
    return figures


def _recommendation_chart(version: ModelVersion) -> SafeString:
    return methods_chart(version, size=CARD_CHART_SIZE, title="NDCG@10, held-out window")


def _forecast_figures(version: ModelVersion) -> list[Figure]:
    metrics = version.metrics
    return [_figure(key, format_metric(key, metrics.get(key))) for key in ("wape_engine", "wape_seasonal_naive",
                                                                          "wrmsse_engine") if key in metrics]


def _forecast_chart(version: ModelVersion) -> SafeString:
    return category_chart(version_id=version.pk, category_id=forecasting.TOTAL_CATEGORY_ID,
                          title="Whole shop: units sold and forecast", size=CARD_CHART_SIZE) or ""


def _fraud_figures(version: ModelVersion) -> list[Figure]:
    metrics = version.metrics
    return [_figure(key, format_number(metrics.get(key))) for key in ("holdout_average_precision", "holdout_auc_roc")
            ] + [_figure("model", str(metrics.get("model") or "").replace("_", " ") or None)]


def _fraud_chart(version: ModelVersion) -> SafeString:
    return score_chart(size=CARD_CHART_SIZE)


# (title, app, kind, dashboard admin url name, headline figures, small chart)
MODELS = (
    ("Recommendations", "recommendations", "hybrid", "admin:recommendations_recommendationdashboard_changelist",
     _recommendation_figures, _recommendation_chart),
    ("Demand forecast", "forecasting", "demand", "admin:forecasting_forecastingdashboard_changelist",
     _forecast_figures, _forecast_chart),
    ("Fraud detection", "fraud", "order_risk", "admin:fraud_frauddashboard_changelist",
     _fraud_figures, _fraud_chart),
)


def _card(title: str, app: str, kind: str, url_name: str, figures, chart) -> ModelCard:
    versions = registry.versions_for(app=app, kind=kind)
    trend_metric = HEADLINE_METRICS[app][0]
    active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
    recent = versions[-TREND_VERSIONS:]
    trend_label = f"{metric_label(trend_metric)} over the last {len(recent)} versions"
    return ModelCard(
        title=title, app=app, kind=kind, url=reverse(url_name), version=active, last_run=registry.last_run(app=app),
        figures=figures(active) if active is not None else [], chart=chart(active) if active is not None else "",
        trend=sparkline([v.metrics.get(trend_metric) for v in recent], title=trend_label), trend_label=trend_label)


def overview() -> Overview:
    cards = [_card(*model) for model in MODELS]
    alert_counts = forecasting.stock_alert_counts()
    alerts_url = reverse("admin:forecasting_stockalert_changelist")
    failed_since = timezone.now() - timedelta(days=FAILED_RUNS_DAYS)
    alerts = [
        Alert(f"Training runs failed in the last {FAILED_RUNS_DAYS} days", registry.failed_runs_since(failed_since),
              reverse("admin:mlops_trainingrun_changelist") + "?status__exact=failed", "error"),
        Alert(f"Products projected to run out within {STOCKOUT_WITHIN_DAYS} days",
              forecasting.stockout_risk_count(within_days=STOCKOUT_WITHIN_DAYS),
              reverse("admin:forecasting_reordersuggestion_changelist"), "warning"),
        *(Alert(f"{label.capitalize()} alerts", alert_counts.get(kind, 0), f"{alerts_url}?kind__exact={kind}",
                "warning" if kind == "stockout_risk" else "info")
          for kind, label in StockAlert.Kind.choices),
        Alert("Orders waiting for a fraud review", fraud.review_queue().count(),
              reverse("admin:fraud_reviewqueueitem_changelist"), "warning"),
        Alert("Reviews held as possibly fake", fraud.held_reviews().count(),
              reverse("admin:fraud_heldreview_changelist"), "info"),
    ]
    return Overview(cards=cards, alerts=alerts)
