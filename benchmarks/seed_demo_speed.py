"""How fast does ``seed_demo`` fill a fresh database?

    .venv/bin/python benchmarks/seed_demo_speed.py [--scale medium] [--seed 42]
    DATABASE_URL=postgres://user@host/db .venv/bin/python benchmarks/seed_demo_speed.py   # also PostgreSQL

For each backend (a fresh SQLite file always; PostgreSQL too when DATABASE_URL points at one) a
child process migrates an empty database and then times, in the same run:

  reference  generate_demo_data() alone: the arrays, no database
  seed       the full ``seed_demo`` command (generate + write in one transaction)

and prints seconds, rows per second and seed / reference. The ratio says what writing costs on top
of generating, which is comparable across machines; absolute times are for context (the target is
medium on SQLite within 3 minutes on 2 cores). The PostgreSQL database is reset (``--reset``):
point DATABASE_URL at a throwaway database.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _child(scale: str, seed: int) -> dict:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from electroshop.demo.generator import generate_demo_data

    end_date = dt.date(2026, 1, 31)  # fixed: the same shop in every run
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    data = generate_demo_data(scale=scale, seed=seed, end_date=end_date)
    reference = time.perf_counter() - t0
    rows = sum(data.row_counts().values())
    del data
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        call_command("seed_demo", scale=scale, seed=seed, end_date=end_date, reset=True, verbosity=0,
                     ground_truth=Path(tmp) / "truth.json")
    seed_s = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return {"vendor": connection.vendor, "rows": rows, "reference_s": reference, "seed_s": seed_s, "seed_cpu_s": cpu}


def _run_backend(label: str, database_url: str, scale: str, seed: int) -> dict | None:
    env = {**os.environ, "DATABASE_URL": database_url}
    cmd = [sys.executable, __file__, "--child", "--scale", scale, "--seed", str(seed)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        print(f"{label}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["label"] = label
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.scale, args.seed)))
        return
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(_run_backend("sqlite (fresh file)", f"sqlite:///{tmp}/seed_bench.sqlite3", args.scale, args.seed))
    pg_url = os.environ.get("DATABASE_URL", "")
    if pg_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        results.append(_run_backend("postgresql", pg_url, args.scale, args.seed))
    print(f"seed_demo --scale {args.scale} --seed {args.seed}  ({os.cpu_count()} CPUs, load "
          f"{os.getloadavg()[0]:.1f})")
    print(f"{'backend':<22}{'rows':>11}{'generate s':>12}{'seed s':>9}{'seed cpu s':>12}{'rows/s':>10}"
          f"{'seed/generate':>15}")
    for r in filter(None, results):
        print(f"{r['label']:<22}{r['rows']:>11,}{r['reference_s']:>12.1f}{r['seed_s']:>9.1f}{r['seed_cpu_s']:>12.1f}"
              f"{r['rows'] / r['seed_s']:>10,.0f}{r['seed_s'] / r['reference_s']:>15.1f}x")


if __name__ == "__main__":
    main()
