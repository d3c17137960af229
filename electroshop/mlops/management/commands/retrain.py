"""``manage.py retrain {recommendations|forecasting|fraud|all} [--sync] [--as-of YYYY-MM-DD]``.

Creates a TrainingRun and runs exactly what a worker runs (``electroshop.mlops.tasks``). Without
``--sync`` the task is sent to the broker and the command returns at once, printing the run id;
with ``--sync`` everything (sub-tasks too) runs in this process behind a progress bar.
"""
from datetime import date, datetime, time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from electroshop.mlops import services
from electroshop.mlops.models import TrainingRun
from electroshop.mlops.registry import KNOWN_APPS
from electroshop.mlops.tasks import TrainerMissing, retrain_task, run_training


def _parse_as_of(value: str) -> datetime:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-11-28, not {value!r}") from None
    # The models treat this day as today: only data before its midnight (local time) is used.
    return timezone.make_aware(datetime.combine(day, time.min))


class Command(BaseCommand):
    help = "Retrain an AI app's models (train, evaluate, fill caches, activate)."

    def add_arguments(self, parser):
        parser.add_argument("app", choices=[*KNOWN_APPS, "all"])
        parser.add_argument("--sync", action="store_true", help="Run in this process, sub-tasks included; wait for it.")
        parser.add_argument("--as-of", dest="as_of", help="The day the models treat as today (YYYY-MM-DD; default: now).")
        parser.add_argument("--skip-missing", action="store_true",
                            help="Skip (and say so) apps whose models do not exist yet instead of failing.")

    def handle(self, *args, **options):
        as_of = _parse_as_of(options["as_of"]) if options["as_of"] else timezone.now()
        apps = list(KNOWN_APPS) if options["app"] == "all" else [options["app"]]
        failures: dict[str, str] = {}
        for app in apps:
            missing = services.trainer_missing_message(app)
            if missing is not None and options["skip_missing"]:
                self.stdout.write(self.style.WARNING(f"{app}: skipped - {missing}"))
                continue
            try:
                run = self._retrain(app, as_of=as_of, sync=options["sync"])
            except CommandError as exc:
                failures[app] = str(exc)
                if len(apps) > 1:  # a single app's error is the command's error, printed once
                    self.stderr.write(self.style.ERROR(f"{app}: FAILED - {exc}"))
                continue
            if options["sync"]:
                self.stdout.write(self.style.SUCCESS(f"{app}: run {run.pk} {run.status}{self._version_note(run)}"))
            else:
                self.stdout.write(f"{app}: run {run.pk} queued (task {run.celery_task_id or '-'})")
        if len(apps) == 1 and failures:
            raise CommandError(failures[apps[0]])
        if failures:
            raise CommandError(f"retrain failed for: {', '.join(failures)}")

    @staticmethod
    def _version_note(run: TrainingRun) -> str:
        return f", model version {run.model_version}" if run.model_version_id else ""

    def _retrain(self, app: str, *, as_of: datetime, sync: bool) -> TrainingRun:
        # Fail before queueing anything a worker could only fail on too.
        message = services.trainer_missing_message(app)
        if message is not None:
            raise CommandError(message)
        registration_kind = services.kind_for_app(app)
        run = services.start_training_run(app=app, kind=registration_kind, as_of=as_of, triggered_by="command")
        self.stdout.write(f"{app}: training run {run.pk}")
        if not sync:
            # Eager mode (no broker) runs the task right here; a real broker just takes the message.
            try:
                result = retrain_task.delay(run.pk, app, as_of.isoformat())
            except TrainerMissing as exc:
                raise CommandError(str(exc)) from exc
            except Exception as exc:
                run.refresh_from_db()
                raise CommandError(f"run {run.pk}: {run.error or f'{type(exc).__name__}: {exc}'}") from exc
            TrainingRun.objects.filter(pk=run.pk).update(celery_task_id=result.id or "")
            run.refresh_from_db()
            return run
        self._run_sync(run, app=app, as_of=as_of)
        run.refresh_from_db()
        if run.status != TrainingRun.Status.SUCCEEDED:
            raise CommandError(f"run {run.pk} ended {run.status}: {run.error}")
        return run

    def _run_sync(self, run: TrainingRun, *, app: str, as_of: datetime) -> None:
        from tqdm import tqdm

        bar = tqdm(total=100, desc=app, unit="%", file=self.stderr._out, leave=True,
                   bar_format="{desc}: {percentage:3.0f}%|{bar}| {postfix}")

        def on_progress(progress: float, stage: str) -> None:
            bar.n = round(progress * 100)
            bar.set_postfix_str(stage, refresh=False)
            bar.refresh()

        try:
            with services.watch_progress(run_id=run.pk, callback=on_progress):
                run_training(run_id=run.pk, app=app, as_of=as_of.isoformat(), sync=True)
        except TrainerMissing as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            run.refresh_from_db()
            raise CommandError(f"run {run.pk} failed: {run.error or exc}") from exc
        finally:
            bar.close()
