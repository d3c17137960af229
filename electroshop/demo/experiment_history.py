"""A demo A/B test with a few days of simulated shoppers, so the experiments and KPI screens have
something to show after ``make demo``.

The experiment is created and started through the same service as the API's; each simulated shopper
reads their list through the real read path (``recommendations_for_customer``, which buckets them),
and their impressions, clicks and purchases of that list are recorded as events with its
recommendation ids (``record_events``), dated over the last days. The shoppers' behaviour is the
demo's assumption, stated in ``CLICK_RATES``: the active model's lists are clicked more often than
trending ones. ``update_experiments`` then attributes them like any shop's events.
"""
import datetime as dt
import random

from django.utils import timezone

from electroshop.seam.events import record_events
from electroshop.shop.models import Customer
from experiments import lifecycle
from experiments.models import Experiment
from recommendations import selectors

NAME = "Demo: trending vs personal picks (simulated shoppers)"
CLICK_RATES = {"trending": 0.05, "personal": 0.09}  # per list shown: the demo's assumption
BUY_AFTER_CLICK = 0.3
DAYS, SHOPPERS_PER_DAY, LIST_LENGTH = 7, 150, 6


def write_experiment_history(*, seed: int = 7) -> dict[str, int] | None:
    """Create and start the demo experiment and record its shoppers' events; None when it exists already."""
    if Experiment.objects.filter(name=NAME).exists():
        return None
    experiment = lifecycle.create_experiment(
        name=NAME, placement="customer", mode="ab", primary_metric="ctr", guardrail_metrics=["conversion"],
        variants=[lifecycle.VariantSpec("trending", 50, "trending"), lifecycle.VariantSpec("personal", 50, "active")])
    lifecycle.start_experiment(experiment_id=experiment.pk)
    rnd = random.Random(seed)
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True))
    now, events = timezone.now(), []
    for day in range(DAYS, 0, -1):
        for customer_id in rnd.sample(customers, min(SHOPPERS_PER_DAY, len(customers))):
            result = selectors.recommendations_for_customer(customer_id=customer_id, limit=LIST_LENGTH)
            if result is None or not result.items or result.experiment is None:
                continue
            moment = now - dt.timedelta(days=day, seconds=rnd.uniform(0, 86400))
            base = {"customer_id": customer_id, "occurred_at": moment.isoformat()}
            events += [{**base, "event_type": "impression", "sku": item["sku"],
                        "recommendation_id": item["recommendation_id"]} for item in result.items]
            if rnd.random() < CLICK_RATES[result.experiment["variant"]]:
                item = rnd.choice(result.items)
                clicked = {**base, "sku": item["sku"], "recommendation_id": item["recommendation_id"]}
                events.append({**clicked, "event_type": "click"})
                if rnd.random() < BUY_AFTER_CLICK:
                    events.append({**clicked, "event_type": "purchase"})
    for start in range(0, len(events), 1000):
        record_events(rows=events[start:start + 1000], source="demo")
    return {"experiment": experiment.pk, "events": len(events)}
