from django.urls import path

from . import views

urlpatterns = [
    path("score/", views.ScoreOrderView.as_view(), name="fraud-score"),
]
