"""Mounted at /api/v1/forecasts/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import event_views, override_views, views

urlpatterns = [
    # SKUs may contain "/": the path converter keeps them whole.
    path("products/<path:sku>/", views.ProductForecastView.as_view(), name="forecast-product"),
    path("categories/<int:category_id>/", views.CategoryForecastView.as_view(), name="forecast-category"),
    path("overrides/", override_views.OverridesView.as_view(), name="forecast-overrides"),
    path("overrides/<int:override_id>/", override_views.OverrideView.as_view(), name="forecast-override"),
    path("events/", event_views.EventsView.as_view(), name="forecast-events"),
    path("events/<int:event_id>/", event_views.EventView.as_view(), name="forecast-event"),
    path("bias/", override_views.BiasView.as_view(), name="forecast-bias"),
]
