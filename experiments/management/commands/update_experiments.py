"""``manage.py update_experiments``: attribute new events and orders, refresh the KPIs they touched, the
experiments' results, the bandits' weights and the canary rollouts' steps."""
from django.core.management.base import BaseCommand
from tqdm import tqdm

from experiments import services


class Command(BaseCommand):
    help = ("Attribute the events and orders that arrived since the last run to recommendation lists, "
            "recompute the daily KPIs they changed, the experiments' results, the bandits' weights and "
            "the canary rollouts' steps (what beat runs every five minutes).")

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, **options):
        show = not options["no_progress"] and options["verbosity"] > 0
        with tqdm(desc="attributing", unit=" rows", disable=None if show else True, leave=False,
                  file=self.stderr._out) as bar:
            report = services.update_experiments(progress=bar.update)
        self.stdout.write(
            f"events read: {report['events_read']} (skipped: {report['events_skipped']}), "
            f"order lines read: {report['order_lines_read']}, conversions: {report['conversions']}, "
            f"KPI rows updated: {report['kpi_rows']} ({report['groups_touched']} day-groups touched), "
            f"experiments updated: {report['experiments']} (bandits re-weighted: {report['bandits']}), "
            f"rollout audit records: {report['rollout_steps']}")
