"""``manage.py seed_demo``: fill the shop tables with a generated electronics shop."""
import datetime as dt
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from electroshop.demo.fraud_history import delete_fraud_history, write_fraud_history
from electroshop.demo.generator import SCALES, generate_demo_data
from electroshop.demo.purchasing_history import delete_purchasing_history, write_purchasing_history
from electroshop.demo.services import delete_shop_data, shop_has_data, write_demo_data, write_ground_truth


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--end-date must be YYYY-MM-DD, got {value!r}") from exc


class Command(BaseCommand):
    help = "Generate a deterministic demo electronics shop (catalogue, customers, orders, events, fraud)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="medium")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--end-date", type=_date, default=None,
                            help="Last day of history is the day before this date (default: today, UTC).")
        parser.add_argument("--reset", action="store_true", help="Delete all shop data first.")
        parser.add_argument("--ground-truth", type=Path, default=None,
                            help="Where to write the fraud / fake-review ground truth JSON "
                                 "(default: var/demo/ground_truth.json).")
        parser.add_argument("--no-progress", action="store_true", help="Hide progress bars.")
        parser.add_argument("--if-empty", action="store_true",
                            help="Do nothing (successfully) when the shop already has data; `make demo` re-runs.")

    def handle(self, *args, **opts) -> None:
        end_date = opts["end_date"] or dt.datetime.now(dt.UTC).date()
        if shop_has_data() and not opts["reset"]:
            if opts["if_empty"]:
                self.stdout.write("The shop already has data; keeping it (--if-empty).")
                return
            raise CommandError("The shop already has data (products, customers, orders or events). "
                               "Use --reset to delete it and seed again.")
        show = not opts["no_progress"] and opts["verbosity"] > 0
        started = time.perf_counter()
        with tqdm(total=7, desc="generating", disable=not show, leave=False) as bar:
            def step(label: str) -> None:
                bar.set_postfix_str(label)
                bar.update(1)
            data = generate_demo_data(scale=opts["scale"], seed=opts["seed"], end_date=end_date, progress=step)
        generated = time.perf_counter()

        def progress(label: str, total: int):
            return tqdm(total=total, desc=f"writing {label}", unit="rows", disable=not show, leave=False,
                        mininterval=0.5)

        with transaction.atomic():  # a failed write leaves the old shop in place, not an empty one
            if opts["reset"]:
                delete_fraud_history()
                delete_purchasing_history()
                delete_shop_data()
            written = write_demo_data(data=data, progress=progress)
            finished = time.perf_counter()
            history = write_fraud_history(data=data, seed=opts["seed"])
            fraud_seconds = time.perf_counter() - finished
            purchasing = write_purchasing_history(data=data, seed=opts["seed"])
        path = opts["ground_truth"] or Path(settings.BASE_DIR) / "var" / "demo" / "ground_truth.json"
        path, tastes_path = write_ground_truth(data=data, path=path)
        if opts["verbosity"] > 0:
            rows = sum(written.values())
            summary = ", ".join(f"{label.split('.')[-1]} {n:,}" for label, n in written.items())
            self.stdout.write(self.style.SUCCESS(
                f"Seeded the {opts['scale']} demo shop (seed {opts['seed']}, history to {end_date}): {summary}."))
            self.stdout.write(f"{rows:,} rows; generated in {generated - started:.1f}s, written in "
                              f"{finished - generated:.1f}s ({rows / max(finished - generated, 1e-9):,.0f} rows/s). "
                              f"Ground truth: {path}, {tastes_path.name}")
            self.stdout.write(f"Fraud history in {fraud_seconds:.1f}s: {history.assessments:,} risk assessments "
                              f"({history.pending_review} in the review queue), {history.approved:,} orders approved "
                              f"and {history.rejected:,} rejected by a reviewer, {history.chargebacks:,} chargebacks.")
            self.stdout.write(f"Purchasing: {purchasing['suppliers']} suppliers, {purchasing['orders']} purchase orders "
                              f"({purchasing['lines']} lines, {purchasing['receipts']} receipts), "
                              f"{purchasing['stockout_days']} logged stock-out days.")
