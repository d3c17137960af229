from django.urls import path

from . import experiment_views as views

urlpatterns = [
    path("", views.ExperimentsView.as_view(), name="experiments"),
    path("<int:experiment_id>/", views.ExperimentView.as_view(), name="experiment"),
    path("<int:experiment_id>/start/", views.StartExperimentView.as_view(), name="experiment-start"),
    path("<int:experiment_id>/stop/", views.StopExperimentView.as_view(), name="experiment-stop"),
    path("<int:experiment_id>/results/", views.ExperimentResultsView.as_view(), name="experiment-results"),
]
