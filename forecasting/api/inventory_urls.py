"""Mounted at /api/v1/inventory/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    path("reorder-suggestions/", views.ReorderSuggestionsView.as_view(), name="inventory-reorder-suggestions"),
    path("stockout-risks/", views.StockoutRisksView.as_view(), name="inventory-stockout-risks"),
]
