"""``manage.py check_models [--app recommendations|forecasting|fraud|all] [--as-of YYYY-MM-DD] [--json]``.

Runs the daily model check (``monitoring.services.check_app``) now: each report is stored and
printed, as text or, with ``--json``, as one JSON list on stdout. Drift found is reported, not an
error: the exit status is 0.
"""
import json
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from monitoring import services


def _parse_as_of(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-11-28, not {value!r}") from None
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Check the serving models: data drift of their inputs against their training window, and freshness."

    def add_arguments(self, parser):
        parser.add_argument("--app", choices=[*services.APPS, "all"], default="all")
        parser.add_argument("--as-of", dest="as_of", help="The day the check treats as today (YYYY-MM-DD; default: now).")
        parser.add_argument("--json", action="store_true", help="Print the reports as a JSON list, nothing else.")

    def handle(self, *args, **options):
        as_of = _parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        apps = services.APPS if options["app"] == "all" else (options["app"],)
        # the progress bar goes to stderr: stdout holds only the report
        reports = [services.check_app(app=app, as_of=as_of)
                   for app in tqdm(apps, desc="checking models", unit="app", disable=options["json"])]
        if options["json"]:
            self.stdout.write(json.dumps(reports, indent=2))
            return
        for report in reports:
            self.stdout.write(render(report))


def render(report: dict) -> str:
    fresh = report["freshness"]
    run = fresh["last_run"]
    age = "no active model" if fresh["age_days"] is None else f"{fresh['age_days']:.1f} days old"
    lines = [
        f"{report['app']}: version {report['model_version'] or '-'}, {age}"
        f" (retrained every {fresh['schedule_days']} day(s)){' - STALE' if fresh['stale'] else ''}",
        f"  last event {fresh['last_event_at'] or 'none in the window'}, last order {fresh['last_order_at'] or 'none in the window'}",
        f"  last training run: {'none' if run is None else run['status']}"
        + (" - FAILED" if fresh["run_failed"] else "") + (" - NEVER FINISHED" if fresh["run_unfinished"] else ""),
        f"  drift: {report['drift_share']:.0%} of features drifted"
        + (" - INPUT DRIFTED" if report["input_drifted"] else ""),
    ]
    for test in report["drift"]:
        mark = "DRIFT" if test["drifted"] else ("warn" if test.get("warning") else "ok")
        lines.append(f"    {mark:5} {test['feature']} [{test['test']}] {test['statistic']:.4g}"
                     + (f" (p={test['p_value']:.3g}, threshold {test['threshold']:.3g})" if "p_value" in test
                        else f" (threshold {test['threshold']:.3g})"))
    if report["features_without_data"]:
        lines.append(f"    no data: {', '.join(report['features_without_data'])}")
    return "\n".join(lines) + "\n"
