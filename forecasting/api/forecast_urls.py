"""Mounted at /api/v1/forecasts/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    # SKUs may contain "/": the path converter keeps them whole.
    path("products/<path:sku>/", views.ProductForecastView.as_view(), name="forecast-product"),
    path("categories/<int:category_id>/", views.CategoryForecastView.as_view(), name="forecast-category"),
]
