"""Speed of the whole recommendations pipeline against the raw ``implicit`` ALS on the same matrix.

On a synthetic shop (``seed_demo --scale large``: 100,000 customers, 20,000 products, ~2M events),
time ``retrain recommendations --sync`` end to end (read interactions, build the matrix, tune and
train the hybrid, evaluate, fill every cached table, activate) and, in the same run, the reference
(printed: the ratio, the fill's cost per customer list, the retrain's peak memory, the artifact's size):
``implicit``'s ALS fitted on the very matrix the pipeline trained on (same factors / regularisation /
alpha / iterations as the pipeline's chosen ALS, one thread like the pipeline) plus a batch
``recommend(N=100)`` for every user. The reference runs in a fresh subprocess so both peak-memory
figures (max RSS) are its own.

Run from the repository root against a database holding the shop (PostgreSQL recommended)::

    createdb -h 127.0.0.1 -U postgres electroshop_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/electroshop_bench
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --scale large
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_pipeline_speed.py [--profile out.pstats]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _max_rss_mb() -> float:
    """Peak resident memory of this process. VmHWM first: getrusage's ru_maxrss survives fork+exec,
    so a subprocess would report its parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: kilobytes


def recommend_every_user(model, matrix, n: int = 100, step: int = 10_000) -> None:
    """A raw ``implicit`` batch ``recommend(N=n)`` for every row of ``matrix``, in batches of ``step``
    users so the score block stays bounded."""
    import numpy as np

    users = np.arange(matrix.shape[0])
    for s in range(0, len(users), step):
        model.recommend(users[s:s + step], matrix[s:s + step], N=n, filter_already_liked_items=True)


def reference(matrix_path: Path, settings: dict, n: int = 100) -> dict:
    """Raw implicit: ALS fit + batch recommend(N) for every user of the saved matrix."""
    import numpy as np
    import scipy.sparse as sp
    from implicit.cpu.als import AlternatingLeastSquares

    matrix = sp.load_npz(matrix_path).tocsr().astype(np.float32)
    t = time.perf_counter()
    model = AlternatingLeastSquares(num_threads=1, random_state=42, **settings)
    model.fit(matrix, show_progress=False)
    fit = time.perf_counter() - t
    t = time.perf_counter()
    recommend_every_user(model, matrix, n)
    recommend = time.perf_counter() - t
    return {"fit": fit, "recommend": recommend, "total": fit + recommend, "max_rss_mb": _max_rss_mb(),
            "shape": list(matrix.shape), "nnz": int(matrix.nnz)}


def run(profile: Path | None = None) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    # this run's model files, apart from other databases' (artifact paths are app/kind/version)
    os.environ.setdefault("ARTIFACT_DIR", tempfile.mkdtemp(prefix="recs_speed_artifacts_"))
    import django

    django.setup()
    import scipy.sparse as sp
    from django.core.management import call_command
    from django.db import connection

    from electroshop.mlops.models import TrainingRun
    from electroshop.shop.models import Customer, Event, OrderLine, Product
    from recommendations import services
    from recommendations.models import ProductRecommendation

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    sizes = {"customers": Customer.objects.count(), "products": Product.objects.count(),
             "order lines": OrderLine.objects.count(), "events": Event.objects.count()}
    print("shop:", {k: f"{v:,}" for k, v in sizes.items()})
    if not sizes["customers"]:
        raise SystemExit("empty shop: run `manage.py seed_demo --scale large` first")

    rss_before = _max_rss_mb()
    t = time.perf_counter()
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    call_command("retrain", "recommendations", "--sync")
    if profile:
        profiler.disable()
        profiler.dump_stats(str(profile))
    pipeline = time.perf_counter() - t
    pipeline_rss = _max_rss_mb()

    run_row = TrainingRun.objects.filter(app="recommendations").order_by("-pk").first()
    version = run_row.model_version
    model = services.model_for_version(version.pk)
    stored = ProductRecommendation.objects.filter(model_version=version).count()
    print(f"version v{version.version} {version.status}; {stored:,} customer lists stored; "
          f"train {version.train_seconds:.1f}s, fill {version.fill_seconds or 0:.1f}s")
    print("hybrid timings:", {k: round(v, 1) for k, v in model.timings.items()})
    window = version.metrics.get("evaluation_window", {})
    print(f"evaluation: {window.get('seconds')}s on {window.get('users')} held-out users; "
          f"{version.metrics.get('activation', {}).get('message', '')}")

    settings = dict(model.generator_settings.get("als") or {})
    settings = {k: settings[k] for k in ("factors", "regularization", "alpha", "iterations") if k in settings}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "matrix.npz"
        sp.save_npz(path, model.data.im.matrix.tocsr())
        out = subprocess.run([sys.executable, __file__, "--reference", str(path), "--als", json.dumps(settings)],
                             capture_output=True, text=True, check=True, env={**os.environ})
        ref = json.loads(out.stdout.strip().splitlines()[-1])

    ratio = pipeline / ref["total"]
    fill_ms = 1000.0 * (version.fill_seconds or 0.0) / max(stored, 1)
    artifact_mb = Path(version.artifact_path).stat().st_size / 1e6
    print()
    print(f"matrix {ref['shape'][0]:,} users x {ref['shape'][1]:,} items, {ref['nnz']:,} non-zeros; ALS {settings}")
    print(f"{'':44s} {'seconds':>9s} {'peak RSS MB':>12s}")
    print(f"{'retrain recommendations --sync (whole)':44s} {pipeline:9.1f} {pipeline_rss:12.0f}")
    print(f"{'raw implicit ALS fit + recommend(N=100) all':44s} {ref['total']:9.1f} {ref['max_rss_mb']:12.0f}")
    print(f"{'  of which fit / recommend':44s} {ref['fit']:5.1f} / {ref['recommend']:.1f}")
    print(f"\npipeline / raw implicit = {ratio:.2f}x (target <= 8x); process RSS before retrain {rss_before:.0f} MB")
    print(f"fill per customer list = {fill_ms:.2f} ms (target <= 1.5 ms; whole fill {version.fill_seconds or 0:.1f} s "
          f"/ {stored:,} lists)")
    print(f"peak memory of the retrain = {pipeline_rss / 1024:.2f} GB (target <= 2 GB)")
    print(f"artifact = {artifact_mb:.1f} MB")
    return {"pipeline": pipeline, "reference": ref, "ratio": ratio, "pipeline_rss_mb": pipeline_rss,
            "fill_ms_per_customer": fill_ms, "artifact_mb": artifact_mb}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="write a cProfile of the retrain here")
    parser.add_argument("--reference", type=Path, help=argparse.SUPPRESS)  # internal: the subprocess
    parser.add_argument("--als", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.reference:
        print(json.dumps(reference(args.reference, json.loads(args.als))))
        return
    run(args.profile)


if __name__ == "__main__":
    main()
