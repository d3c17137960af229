from django.urls import path

from . import views

urlpatterns = [
    path("score/", views.ScoreOrderView.as_view(), name="fraud-score"),
    path("assessments/<int:assessment_id>/decision/", views.DecisionView.as_view(), name="fraud-decision"),
]
