from importlib.util import find_spec

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("", views.ApiRootView.as_view(), name="api-root"),
    path("whoami/", views.WhoAmIView.as_view(), name="whoami"),
    path("events/", views.EventBatchView.as_view(), name="events"),
    path("events/collect/", views.EventCollectView.as_view(), name="events-collect"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="api/redoc.html"), name="redoc"),
    path("forecasts/", include("forecasting.api.forecast_urls")),
    path("inventory/", include("forecasting.api.inventory_urls")),
    path("experiments/", include("experiments.api.experiment_urls")),
    path("kpis/", include("experiments.api.kpi_urls")),
    path("monitoring/", include("monitoring.api.urls")),
]

# Each AI app's endpoints live in its own ``<app>/api/urls.py`` and are mounted here once it has one.
for _app in ("recommendations", "forecasting", "fraud"):
    if find_spec(f"{_app}.api") is not None and find_spec(f"{_app}.api.urls") is not None:
        urlpatterns.append(path(f"{_app}/", include(f"{_app}.api.urls")))
