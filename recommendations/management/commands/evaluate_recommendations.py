"""Show how a recommendations version did on its validation window, next to its baselines."""
import json

from django.core.management.base import BaseCommand, CommandError

from electroshop.mlops.models import ModelVersion
from recommendations.ml.evaluation import EVALUATION_METRICS
from recommendations.selectors import APP, KIND

METHOD_LABELS = {
    "hybrid": "hybrid (re-ranked)",
    "most_popular": "most popular",
    "item_knn": "item kNN",
    "als": "ALS",
    "ease": "EASE",
}


class Command(BaseCommand):
    help = ("Print the stored validation metrics of the active (or given) recommendations version: one row "
            "per method (the hybrid and its generators alone), and whether it was activated and why.")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # --version is the model version here, not Django's "print the Django version" option
        kwargs.setdefault("conflict_handler", "resolve")
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("--version", type=int, help="version number (default: the active version)")
        parser.add_argument("--json", action="store_true", help="print the stored metrics as JSON instead")

    def handle(self, *args, **options):
        versions = ModelVersion.objects.filter(app=APP, kind=KIND)
        if options["version"] is not None:
            version = versions.filter(version=options["version"]).first()
            if version is None:
                raise CommandError(f"no recommendations version {options['version']}")
        else:
            version = versions.filter(status=ModelVersion.Status.ACTIVE).first()
            if version is None:
                raise CommandError("no active recommendations version: train one with "
                                   "`retrain recommendations --sync` or pass --version N")
        metrics = version.metrics or {}
        if options["json"]:
            self.stdout.write(json.dumps(metrics, indent=2, sort_keys=True))
            return
        self.stdout.write(f"recommendations v{version.version} ({version.status}), as of {version.as_of:%Y-%m-%d %H:%M}")
        window = metrics.get("evaluation_window") or {}
        if window.get("start"):
            self.stdout.write(f"validation window {window['start'][:10]} .. {window['end'][:10]} "
                              f"({window.get('days')} days, inside the training history), "
                              f"{window.get('users', 0):,} held-out customers")
        evaluation = metrics.get("evaluation") or {}
        if not evaluation:
            self.stdout.write("no per-method evaluation stored for this version "
                              f"({window.get('note', 'trained before evaluation was recorded')})")
        else:
            width = max(len(label) for label in METHOD_LABELS.values())
            header = f"{'method':{width}s} " + " ".join(f"{name:>12s}" for name in EVALUATION_METRICS)
            self.stdout.write(header)
            self.stdout.write("-" * len(header))
            # JSON columns do not keep key order (PostgreSQL jsonb sorts them): print in a fixed one
            order = [m for m in METHOD_LABELS if m in evaluation] + sorted(set(evaluation) - set(METHOD_LABELS))
            for method in order:
                values = evaluation[method]
                cells = " ".join(f"{values[name]:12.4f}" if name in values else f"{'-':>12s}"
                                 for name in EVALUATION_METRICS)
                self.stdout.write(f"{METHOD_LABELS.get(method, method):{width}s} {cells}")
            baselines = [values.get("ndcg@10", 0.0) for method, values in evaluation.items() if method != "hybrid"]
            if "hybrid" in evaluation and baselines and max(baselines) > 0:
                self.stdout.write(f"hybrid / best single generator NDCG@10 = "
                                  f"{evaluation['hybrid'].get('ndcg@10', 0.0) / max(baselines):.2f}x")
        serving = metrics.get("serving")
        if serving:
            self.stdout.write(serving["message"])
        heldout = metrics.get("validation_ndcg@10_hybrid_heldout")
        if heldout is not None:
            self.stdout.write(f"activation metric validation_ndcg@10_hybrid_heldout = {heldout:.4f}")
        activation = metrics.get("activation")
        if activation:
            state = "activated" if activation.get("activate") else "NOT activated"
            self.stdout.write(f"{state}: {activation.get('message', '')}")
        else:
            self.stdout.write(f"activation not decided yet (status {version.status})")
