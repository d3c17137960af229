"""Scale-out of the recommendations fill: the same trained version filled by one, then two real
Celery workers (one thread each), then by two of which one is killed mid-fill.

Each run deletes the version's cached rows, starts the workers (``celery worker --pool solo``,
``OPENBLAS_NUM_THREADS=1``) and waits until they answer a ping, then times from dispatching the
fill's chunks (``services.dispatch_fill``: customer chunks, product chunks, trending, segments)
until the finaliser has marked the run succeeded. Loading the artifact in each worker is inside the
time. Each run also prints the workers' CPU seconds and the machine's load average: on a shared
machine the wall-clock ratio only means something when the load stays at the workers' count. The third run SIGKILLs one worker once a quarter of the chunks are done: its late-acked chunk
goes back to the queue after the broker's visibility timeout (set to ``--visibility-timeout`` for
these workers) and the other worker fills it; the run must still complete with the same rows.

Needs PostgreSQL and Redis (the workers are other processes) and a trained version (the latest with
an artifact; ``--train`` runs ``retrain recommendations --sync`` first)::

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/electroshop_bench REDIS_URL=redis://127.0.0.1:6379/8
    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_fill_workers.py [--train]
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLES = ("ProductRecommendation", "SimilarProducts", "BoughtTogether", "TrendingProducts")


def start_workers(count: int, *, log_dir: Path, label: str, visibility_timeout: int) -> list[tuple[subprocess.Popen, Path]]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout)}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    workers = []
    for k in range(count):
        log = log_dir / f"{label}-worker{k}.log"
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "electroshop", "worker", "-Q", "ml,default", "--pool", "solo",
             "--concurrency", "1", "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
             "-n", f"fillbench-{label}-{k}-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)
        workers.append((worker, log))
    from electroshop.celery import app

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if any(w.poll() is not None for w, _ in workers):
            raise SystemExit(f"a worker exited at start-up; see {log_dir}")
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return workers
    raise SystemExit(f"workers did not answer a ping within 120 s; see {log_dir}")


def stop_workers(workers) -> None:
    for worker, _ in workers:
        if worker.poll() is None:
            worker.terminate()
    for worker, _ in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def chunks_per_worker(workers) -> list[int]:
    pattern = re.compile(r"Task ml\.recommendations\.fill_chunk\[[^\]]+\] succeeded")
    return [len(pattern.findall(log.read_text(errors="replace"))) for _, log in workers]


def table_counts(version_id: int) -> dict[str, tuple[int, int]]:
    """table -> (rows, distinct keys) of the version: equal when no chunk wrote its rows twice."""
    from recommendations import models

    out = {}
    for name in TABLES:
        rows = getattr(models, name).objects.filter(model_version_id=version_id)
        key = {"ProductRecommendation": ("customer_id",), "TrendingProducts": ("category_id", "segment")}.get(
            name, ("product_id",))
        out[name] = (rows.count(), rows.values(*key).distinct().count())
    return out


def fill_run(version, model, *, workers_count: int, log_dir: Path, label: str, visibility_timeout: int,
             kill_at: float | None = None) -> dict:
    from django.utils import timezone

    from electroshop.celery import app
    from electroshop.mlops import services as registry
    from electroshop.mlops.fanout import chunk_progress
    from electroshop.mlops.models import TrainingRun
    from recommendations import models, services

    for name in TABLES:
        getattr(models, name).objects.filter(model_version=version).delete()
    with app.connection_for_write() as connection:  # nothing left over from an earlier run, acked or not
        for queue in ("ml", "default"):
            connection.default_channel.queue_purge(queue)
        connection.default_channel.client.delete("unacked", "unacked_index")
    run = registry.start_training_run(app="recommendations", kind="hybrid", as_of=version.as_of, triggered_by="benchmark")
    TrainingRun.objects.filter(pk=run.pk).update(model_version=version, status=TrainingRun.Status.RUNNING,
                                                 started_at=timezone.now())
    workers = start_workers(workers_count, log_dir=log_dir, label=label, visibility_timeout=visibility_timeout)
    killed = None
    cpu_before = {w.pid: cpu_seconds(w.pid) for w, _ in workers}
    load_before = os.getloadavg()[0]
    try:
        started = time.perf_counter()
        services.dispatch_fill(run_id=run.pk, model=model, sync=False)
        while True:
            row = TrainingRun.objects.filter(pk=run.pk).values("status", "error").get()
            if row["status"] in ("succeeded", "failed"):
                break
            done, total = chunk_progress(run_id=run.pk)
            if kill_at is not None and killed is None and total and done >= kill_at * total:
                victim, _ = workers[0]
                os.kill(victim.pid, signal.SIGKILL)
                killed = {"after_chunks": done, "of": total, "at_seconds": round(time.perf_counter() - started, 1)}
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        cpu = [round(cpu_seconds(w.pid) - cpu_before[w.pid], 1) if w.poll() is None else None for w, _ in workers]
        load = (load_before + os.getloadavg()[0]) / 2
    finally:
        stop_workers(workers)
    if row["status"] != "succeeded":
        raise SystemExit(f"{label}: the run failed: {row['error']}")
    done, total = chunk_progress(run_id=run.pk)
    return {"seconds": seconds, "cpu": cpu, "load": load, "chunks": total, "chunks_counted": done, "per_worker": chunks_per_worker(workers),
            "rows": table_counts(version.pk), "killed": killed}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", action="store_true", help="run `retrain recommendations --sync` first")
    parser.add_argument("--visibility-timeout", type=int, default=60,
                        help="seconds before a dead worker's chunk is delivered again (kill run)")
    parser.add_argument("--skip-kill", action="store_true")
    args = parser.parse_args(argv)
    if not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("needs DATABASE_URL (PostgreSQL) and REDIS_URL: the workers are other processes")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from electroshop.mlops import services as registry
    from electroshop.mlops.models import ModelVersion

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}; broker {os.environ['REDIS_URL']}")
    if args.train:
        call_command("retrain", "recommendations", "--sync")
    version = ModelVersion.objects.filter(app="recommendations").exclude(artifact_path="").order_by("-pk").first()
    if version is None:
        raise SystemExit("no trained recommendations version: pass --train")
    model = registry.load_artifact(version=version)
    print(f"version v{version.version}: {len(model.user_ids):,} customers, {len(model.item_ids):,} products; "
          f"artifact {Path(version.artifact_path).stat().st_size / 1e6:.1f} MB")
    log_dir = Path(tempfile.mkdtemp(prefix="fill_workers_"))
    results = {}
    for label, count, kill in (("one", 1, None), ("two", 2, None), ("two-kill", 2, 0.25)):
        if kill is not None and args.skip_kill:
            continue
        results[label] = fill_run(version, model, workers_count=count, log_dir=log_dir, label=label, kill_at=kill,
                                  visibility_timeout=args.visibility_timeout)
        r = results[label]
        print(f"{label:9s} {r['seconds']:8.1f} s  worker CPU s {r['cpu']}, machine load ~{r['load']:.1f}; chunks {r['chunks_counted']}/{r['chunks']}, per worker "
              f"{r['per_worker']}; rows (rows, distinct) {r['rows']}" + (f"; killed {r['killed']}" if r["killed"] else ""))
    one, two = results["one"]["seconds"], results["two"]["seconds"]
    print(f"\ntwo workers / one worker = {two / one:.2f}x (target <= 0.6x); worker logs in {log_dir}")
    print("(the machine is shared: a load above the workers' count means they did not each have a core; "
          "the worker CPU seconds say what the fill itself cost)")
    if "two-kill" in results:
        same = results["two-kill"]["rows"] == results["one"]["rows"]
        print(f"killed worker: run completed in {results['two-kill']['seconds']:.1f} s, "
              f"rows {'identical to' if same else 'DIFFERENT from'} the one-worker run")


if __name__ == "__main__":
    main()
