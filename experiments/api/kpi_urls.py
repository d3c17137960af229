"""Mounted at /api/v1/kpis/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import kpi_views

urlpatterns = [
    path("", kpi_views.KpisView.as_view(), name="kpis"),
]
