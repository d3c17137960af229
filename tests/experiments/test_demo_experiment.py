"""make demo's experiment: started through the service, a week of simulated shoppers' events, results."""
from io import StringIO

from django.core.management import call_command

from electroshop.shop.models import Event
from experiments.bucketing import parse_recommendation_id
from experiments.models import Experiment
from tests.factories import CustomerFactory
from tests.recommendations import conftest as recommendation_fixtures

shop, staff_client = recommendation_fixtures.shop, recommendation_fixtures.staff_client  # the fixtures


def test_the_demo_experiment_runs_with_attributed_shoppers(shop):
    CustomerFactory.create_batch(60)
    out = StringIO()
    call_command("seed_demo_experiment", stdout=out)
    experiment = Experiment.objects.get(status="running", placement="customer")
    events = list(Event.objects.exclude(recommendation_id=""))
    assert events and {parse_recommendation_id(e.recommendation_id).experiment_id for e in events} == {experiment.pk}
    call_command("seed_demo_experiment", stdout=out)  # once only
    assert Experiment.objects.count() == 1 and "exists already" in out.getvalue()
    call_command("update_experiments", "--no-progress", stdout=StringIO())
    results = Experiment.objects.get(pk=experiment.pk).results
    assert sum(v["impressions"] for v in results["variants"]) == sum(e.event_type == "impression" for e in events)
