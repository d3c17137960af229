"""Serving speed of read endpoints against GET /api/v1/whoami/, measured with wrk in one run.

Starts gunicorn (2 workers) with Redis as the cache, then for each endpoint runs wrk at 50
connections (requests per second) and at 10 connections (p99 latency), with the same token
authentication. Prints absolute figures and the ratio to whoami, the cheapest authenticated
endpoint. Targets (issue 3): customer endpoint >= 0.8x whoami's requests/s at 50 connections,
p99 <= 25 ms at 10 connections.

    .venv/bin/python benchmarks/serving_latency.py [--endpoint recommendations] [--seconds 15]

Uses DATABASE_URL if set (PostgreSQL), else a SQLite file under var/bench/; REDIS_URL defaults to
redis://127.0.0.1:6379/1. The database is seeded (small demo shop) and trained if it is empty.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from urllib.parse import quote
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def manage(*args: str, env: dict) -> str:
    done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def django_shell(code: str, env: dict) -> str:
    return manage("shell", "--no-imports", "-c", code, env=env).strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, *, token: str, connections: int, seconds: int, paths: list[str],
        bodies: list[str] | None = None) -> dict[str, float]:
    """Run wrk; each request takes the next path (and JSON body, for a POST) from the lists, so
    requests spread over many subjects."""
    lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    quoted = ",".join(f'"{p}"' for p in paths)
    method = "POST" if bodies else "GET"
    body_list = ",".join("'" + b + "'" for b in (bodies or [""]))
    lua.write(f'local paths = {{{quoted}}}\nlocal bodies = {{{body_list}}}\nlocal i = 0\n'
              f'wrk.headers["Authorization"] = "Token {token}"\n'
              'wrk.headers["Content-Type"] = "application/json"\n'
              'request = function()\n  i = i % #paths + 1\n'
              f'  return wrk.format("{method}", paths[i], nil, bodies[(i - 1) % #bodies + 1])\nend\n')
    lua.close()
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", lua.name, url],
                         capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "errors": int(non2xx.group(1)) if non2xx else 0}


ENDPOINTS = {
    "recommendations": ("customer recommendations", "recommendations"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--subjects", type=int, default=500, help="how many different customers to rotate over")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "DJANGO_SETTINGS_MODULE": "electroshop.settings",
           "DEBUG": "False", "LOG_LEVEL": "ERROR",
           "THROTTLE_WRITE": "1000000/min"}  # measure the endpoint, not the throttle
    env.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
    if "DATABASE_URL" not in env:
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{ROOT / 'var' / 'bench' / 'serving.sqlite3'}"
    manage("migrate", "--noinput", env=env)
    if django_shell("from electroshop.shop.models import Product; print(Product.objects.exists())", env) != "True":
        print("seeding the small demo shop ...", flush=True)
        manage("seed_demo", "--scale", "small", "--no-progress", env=env)
    has_model = django_shell("from electroshop.mlops.selectors import active_version; "
                             "print(active_version(app='recommendations', kind='hybrid') is not None)", env)
    if has_model != "True":
        print("training recommendations ...", flush=True)
        manage("retrain", "recommendations", "--sync", env=env)
    token = django_shell(
        "from django.contrib.auth import get_user_model; from rest_framework.authtoken.models import Token;"
        "u, _ = get_user_model().objects.get_or_create(username='bench-service', defaults={'is_staff': True});"
        "print(Token.objects.get_or_create(user=u)[0].key)", env)
    has_forecast = django_shell("from electroshop.mlops.selectors import active_version; "
                                "print(active_version(app='forecasting', kind='demand') is not None)", env)
    if has_forecast != "True":
        print("training forecasting and fraud ...", flush=True)
        manage("retrain", "forecasting", "--sync", env=env)
        manage("retrain", "fraud", "--sync", env=env)
    skus = django_shell(f"from electroshop.shop.models import Product; "
                        f"print('\\n'.join(Product.objects.order_by('pk').values_list('sku', flat=True)[:{args.subjects}]))",
                        env).splitlines()
    orders = django_shell(f"from electroshop.shop.models import Order; "
                          f"print(','.join(map(str, Order.objects.order_by('-pk').values_list('pk', flat=True)[:{args.subjects}])))",
                          env).split(",")
    customers = django_shell(
        "from recommendations.selectors import customers_with_recommendations as c;"
        f"print(','.join(map(str, c()[:{args.subjects}])))", env).split(",")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(PY).with_name("gunicorn")), "electroshop.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        targets = {
            "whoami (reference)": (["/api/v1/whoami/"], None),
            "customer recommendations": ([f"/api/v1/recommendations/customers/{c}/?limit=10" for c in customers],
                                         None),
            "product forecast": ([f"/api/v1/forecasts/products/{quote(sku, safe='')}/?horizon=28" for sku in skus],
                                 None),
            "fraud score (POST)": (["/api/v1/fraud/score/"], [f'{{"order_id": {o}}}' for o in orders]),
        }
        # Warm up: every path once (fills the Redis cache as production traffic would).
        for paths, bodies in targets.values():
            wrk(base, token=token, connections=4, seconds=3, paths=paths, bodies=bodies)
        results = {}
        for name, (paths, bodies) in targets.items():
            high = wrk(base, token=token, connections=50, seconds=args.seconds, paths=paths, bodies=bodies)
            low = wrk(base, token=token, connections=10, seconds=args.seconds, paths=paths, bodies=bodies)
            four = wrk(base, token=token, connections=4, seconds=args.seconds, paths=paths, bodies=bodies)
            results[name] = (high, low, four)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    ref_rps = results["whoami (reference)"][0]["rps"]
    print(f"\ngunicorn 2 workers, Redis cache, {os.environ.get('DATABASE_URL', 'SQLite')}; wrk -t2, "
          f"{args.seconds}s per run, {len(customers)} customers rotated")
    print(f"{'endpoint':28} {'req/s @50':>10} {'x whoami':>9} {'p99 ms @10':>11} {'p99 ms @4':>10} {'non-2xx':>8}")
    for name, (high, low, four) in results.items():
        print(f"{name:28} {high['rps']:10.0f} {high['rps'] / ref_rps:9.2f} {low['p99_ms']:11.1f} "
              f"{four['p99_ms']:10.1f} {high['errors'] + low['errors'] + four['errors']:8d}")
    rec_high, rec_low, _ = results["customer recommendations"]
    print(f"\ntarget: >= 0.80x whoami -> {rec_high['rps'] / ref_rps:.2f}x "
          f"({'met' if rec_high['rps'] / ref_rps >= 0.8 else 'NOT met'}); "
          f"p99 <= 25 ms -> {rec_low['p99_ms']:.1f} ms ({'met' if rec_low['p99_ms'] <= 25 else 'NOT met'})")
    forecast_p99 = results["product forecast"][1]["p99_ms"]
    fraud_p99 = results["fraud score (POST)"][2]["p99_ms"]
    print(f"target: product forecast p99 <= 25 ms (10 connections) -> {forecast_p99:.1f} ms; "
          f"fraud score p99 <= 30 ms (4 connections) -> {fraud_p99:.1f} ms")


if __name__ == "__main__":
    main()
