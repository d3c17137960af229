"""Shared by the attribution and KPI tests: an experiment with two variants and list ids to send."""
from datetime import datetime

from electroshop.shop.models import Event
from experiments.bucketing import new_list_id
from experiments.models import Experiment, Variant
from tests.factories import EventFactory


def experiment_with_variants() -> Experiment:
    experiment = Experiment.objects.create(name="Hybrid vs trending", placement="customer",
                                           status=Experiment.Status.RUNNING)
    Variant.objects.create(experiment=experiment, name="control", position=0, weight=1, strategy="active")
    Variant.objects.create(experiment=experiment, name="trending", position=1, weight=1, strategy="trending")
    return experiment


def list_id(*, version: int = 7, strategy: str = "active", placement: str = "customer", experiment: int = 0,
            variant: int = 0, random_part: str = "a1b2c3") -> str:
    return new_list_id(model_version=version, strategy=strategy, placement=placement, experiment_id=experiment,
                       variant_position=variant, random_part=random_part)


def event(event_type: str, *, at: datetime, rid: str, product=None, customer=None, session: str = "") -> Event:
    return EventFactory(event_type=event_type, occurred_at=at, recommendation_id=rid, product=product,
                        customer=customer, session_id=session)
