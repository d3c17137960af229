"""``manage.py seed_demo_experiment``: the demo's running A/B test with a week of simulated shoppers."""
from django.core.management.base import BaseCommand

from electroshop.demo.experiment_history import NAME, write_experiment_history


class Command(BaseCommand):
    help = ("Start the demo A/B test on the customer placement (trending vs the active model) and record a "
            "week of simulated shoppers' impressions, clicks and purchases of their lists (once; needs a "
            "trained recommendations model). Run update_experiments next to see the results.")

    def handle(self, *args, **options):
        written = write_experiment_history()
        if written is None:
            self.stdout.write(f"{NAME!r} exists already; kept.")
        else:
            self.stdout.write(f"Started {NAME!r} (experiment {written['experiment']}) with "
                              f"{written['events']:,} events of simulated shoppers.")
