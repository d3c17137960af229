"""Mounted at /api/v1/monitoring/ (see electroshop/api/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.MonitoringView.as_view(), name="monitoring"),
]
