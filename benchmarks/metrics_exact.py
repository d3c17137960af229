"""GET /metrics under gunicorn (2 workers): after N reads of the customer endpoint, sent from 4 client
threads at once so both workers answer concurrently, the scraped request counter of that endpoint grew by
exactly N. Fresh small demo shop with a trained recommendations model, its own SQLite file and metrics
directory. Prints PASS/FAIL, the request rate and the scrape time.

    .venv/bin/python benchmarks/metrics_exact.py [--n 2000]
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUTE = "api/v1/recommendations/customers/<int:customer_id>/"
SETUP = """
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token
from electroshop.shop.models import Customer
user, _ = get_user_model().objects.get_or_create(username="metrics-service", defaults={"is_staff": True})
print(Token.objects.get_or_create(user=user)[0].key, *Customer.objects.order_by("pk").values_list("pk", flat=True)[:500])
"""


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def counted(text: str, metric: str, *, endpoint: str) -> dict[str, float]:
    """``metric``'s samples of one endpoint, by their other labels."""
    found = {}
    for labels, value in re.findall(rf"^{metric}\{{([^}}]*)\}} (\S+)$", text, re.M):
        if f'endpoint="{endpoint}"' in labels:
            rest = ",".join(part for part in labels.split(",") if not part.startswith("endpoint="))
            found[rest] = found.get(rest, 0.0) + float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="metrics_exact_"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}", "METRICS_DIR": str(work / "metrics"),
           "ARTIFACT_DIR": str(work / "artifacts"), "DEBUG": "False", "LOG_LEVEL": "WARNING",
           "OPENBLAS_NUM_THREADS": "1"}
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    started = time.perf_counter()
    for command in (["migrate", "--noinput"], ["seed_demo", "--scale", "small", "--no-progress"],
                    ["retrain", "recommendations", "--sync"]):
        subprocess.run([*manage, *command, "-v", "0"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    token, *customers = subprocess.run([*manage, "shell", "-v", "0", "-c", SETUP], cwd=ROOT, env=env, check=True,
                                       capture_output=True, text=True).stdout.split()
    print(f"small demo shop, trained: {time.perf_counter() - started:.0f} s; {len(customers)} customers read in turn")

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([str(Path(sys.executable).with_name("gunicorn")), "electroshop.wsgi", "-w", "2",
                               "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
                              cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(150):
            try:
                if get(f"{base}/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        anonymous = get(f"{base}/metrics")[0]
        before = get(f"{base}/metrics", token)[1].decode()
        urls = [f"{base}/api/v1/recommendations/customers/{customers[i % len(customers)]}/?limit=5"
                for i in range(args.n)]
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=4) as pool:
            statuses = list(pool.map(lambda url: get(url, token)[0], urls))
        elapsed = time.perf_counter() - t
        scrape_ms, after = [], ""
        for _ in range(5):
            t = time.perf_counter()
            status, body = get(f"{base}/metrics", token)
            scrape_ms.append((time.perf_counter() - t) * 1000)
            after = body.decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    grew = (sum(counted(after, "electroshop_api_requests_total", endpoint=ROUTE).values())
            - sum(counted(before, "electroshop_api_requests_total", endpoint=ROUTE).values()))
    sources_before = counted(before, "electroshop_recommendation_answers_total", endpoint=ROUTE)
    sources = {k: v - sources_before.get(k, 0.0)
               for k, v in counted(after, "electroshop_recommendation_answers_total", endpoint=ROUTE).items()}
    by_status = {s: statuses.count(s) for s in sorted(set(statuses))}
    print(f"{args.n} reads from 4 threads in {elapsed:.1f} s ({args.n / elapsed:.0f}/s), statuses {by_status}")
    print(f"customer endpoint counter grew by {grew:.0f} for {args.n} requests; answers by source: "
          + ", ".join(f"{k} {v:.0f}" for k, v in sorted(sources.items())))
    print(f"scrape: {len(after.splitlines())} lines, median {statistics.median(scrape_ms):.1f} ms "
          f"(max {max(scrape_ms):.1f} ms) over 5 scrapes; anonymous /metrics answered {anonymous}")
    ok = grew == args.n and anonymous in (401, 403) and sum(sources.values()) == by_status.get(200, 0)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
