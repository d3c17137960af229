"""The end-to-end section of ``experiments_simulation.py``: an A/B test with a holdout through the real
read path, the event API and ``update_experiments`` on a fresh small demo shop, twice: in this process
(Django's test client) and through gunicorn (2 workers, the README's serving command, each with its
own process and, without ``REDIS_URL``, its own local-memory cache: bucketing must agree across them).

Synthetic customers of known true rates read their list from ``GET /api/v1/recommendations/customers/{id}/``
(Django's test client, a service token) on three visits each (the small demo shop has about 1,100
customers); the answer's variant decides what they do: arm ``A`` (``trending``) is clicked on 4% of
lists shown and arm ``B`` (the active model) on 10%, a click buys its item half of the time (a
customer buys once), and the holdout ``H`` (``none``, weight 10) sends the list-level exposure the
answer names. Every impression, click and purchase is posted to ``POST /api/v1/events/`` with its item's
``recommendation_id``; ``update_experiments`` runs; ``GET /api/v1/experiments/{id}/results/`` must count
exactly what was sent, find no sample-ratio mismatch, judge ``B`` better, and a second read of 300
customers must give each the same variant.

The canary section (below) runs repeated rollouts through ``start_rollout`` and ``advance_rollouts``.
"""
from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRUE_CLICK = {"A": 0.04, "B": 0.10}
BUY_AFTER_CLICK = 0.5
LIST_LENGTH = 5
VISITS = 3  # each customer reads their list this many times (returning visitors)


_ready = False


def _setup_once() -> None:
    """A fresh small demo shop with a trained model, once per run of the benchmark."""
    global _ready
    if not _ready:
        _setup()
        _ready = True


def _setup() -> None:
    import os

    from benchsetup import setup_django

    os.environ.setdefault("LOG_LEVEL", "WARNING")  # the figures, not every audit record's log line
    setup_django(None, prefix="experiments_live")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--scale", "small", "--no-progress", verbosity=0)
    call_command("retrain", "recommendations", "--sync", verbosity=0)


class InProcess:
    """The API through Django's test client, in this process."""

    name = "in-process"

    def __init__(self, token: str) -> None:
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Token {token}")

    def get(self, path: str, params: dict) -> dict:
        return self.client.get(path, params).json()

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        response = self.client.post(path, body, content_type="application/json")
        return response.status_code, response.json()


class OverHttp:
    """The API of a gunicorn server (2 workers, the README's serving command) on this database."""

    name = "gunicorn"

    def __init__(self, token: str) -> None:
        import os
        import socket
        import subprocess
        import sys
        import urllib.request

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.base, self.headers = f"http://127.0.0.1:{port}", {"Authorization": f"Token {token}"}
        self.server = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "electroshop.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning"], cwd=ROOT, env={**os.environ, "DEBUG": "False"}, start_new_session=True)
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=1)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer /healthz")

    def _call(self, request) -> tuple[int, dict]:
        import json
        import urllib.error
        import urllib.request

        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def get(self, path: str, params: dict) -> dict:
        import urllib.parse
        import urllib.request

        query = urllib.parse.urlencode(params)
        return self._call(urllib.request.Request(f"{self.base}{path}?{query}", headers=self.headers))[1]

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        import json
        import urllib.request

        return self._call(urllib.request.Request(f"{self.base}{path}", data=json.dumps(body).encode(), method="POST",
                                                 headers={**self.headers, "Content-Type": "application/json"}))

    def close(self) -> None:
        import os
        import signal

        os.killpg(self.server.pid, signal.SIGTERM)
        self.server.wait(timeout=20)


def _ab_through(api, *, seed: int, name: str) -> tuple[dict, dict, int, dict]:
    """Run one A/B test with a holdout through ``api``: (what was sent, the results, variant changes among
    300 customers read again, the results' variants by name)."""
    from django.core.management import call_command

    from electroshop.seam import get_adapter

    status, created = api.post("/api/v1/experiments/", {
        "name": name, "placement": "customer", "mode": "ab", "primary_metric": "ctr",
        "variants": [{"name": "A", "weight": 45, "strategy": "trending"}, {"name": "B", "weight": 45, "strategy": "active"},
                     {"name": "H", "weight": 10, "strategy": "none"}]})
    assert status == 201, created
    experiment_id = created["id"]
    status, started = api.post(f"/api/v1/experiments/{experiment_id}/start/", {})
    assert status == 200, started
    rnd = random.Random(seed)
    customers = sorted(get_adapter().customer_model.objects.values_list("pk", flat=True))
    sent = {v: {"subjects": 0, "impressions": 0, "clicks": 0, "conversions": 0} for v in ("A", "B", "H")}
    seen, events = {}, []
    for customer_id in customers:
        bought = False
        for visit in range(VISITS):
            body = api.get(f"/api/v1/recommendations/customers/{customer_id}/", {"limit": LIST_LENGTH})
            variant, items = body["experiment"]["variant"], body["items"]
            if seen.setdefault(customer_id, variant) != variant:
                raise AssertionError(f"customer {customer_id} moved from {seen[customer_id]} to {variant}")
            if variant == "H":
                events.append({"event_type": "impression", "customer_id": customer_id,
                               "recommendation_id": body["experiment"]["exposure_id"]})
                sent["H"]["subjects"] += visit == 0
                continue
            if not items:
                continue
            sent[variant]["subjects"] += visit == 0
            sent[variant]["impressions"] += len(items)
            events += [{"event_type": "impression", "customer_id": customer_id, "sku": item["sku"],
                        "recommendation_id": item["recommendation_id"]} for item in items]
            if rnd.random() < TRUE_CLICK[variant]:
                item = rnd.choice(items)
                sent[variant]["clicks"] += 1
                events.append({"event_type": "click", "customer_id": customer_id, "sku": item["sku"],
                               "recommendation_id": item["recommendation_id"]})
                if not bought and rnd.random() < BUY_AFTER_CLICK:  # a customer buys once
                    bought = True
                    sent[variant]["conversions"] += 1
                    events.append({"event_type": "purchase", "customer_id": customer_id, "sku": item["sku"],
                                   "recommendation_id": item["recommendation_id"]})
    for start in range(0, len(events), 1000):
        status, posted = api.post("/api/v1/events/", {"events": events[start:start + 1000]})
        assert status in (200, 201, 202), posted
    flips = sum(api.get(f"/api/v1/recommendations/customers/{c}/", {"limit": LIST_LENGTH})
                ["experiment"]["variant"] != seen[c] for c in list(seen)[:300])
    call_command("update_experiments", "--no-progress", verbosity=0)
    results = api.get(f"/api/v1/experiments/{experiment_id}/results/", {})
    api.post(f"/api/v1/experiments/{experiment_id}/stop/", {"reason": "measured"})
    return sent, results, flips, {v["name"]: v for v in results["variants"]}


def live_section(args: argparse.Namespace, design: object) -> list[bool]:
    from experiments_simulation import report

    _setup_once()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_user("live-benchmark", is_staff=True)
    token = Token.objects.create(user=user).key
    checks = []
    for transport in (InProcess, OverHttp):
        started = time.perf_counter()
        api = transport(token)
        try:
            sent, results, flips, got = _ab_through(api, seed=args.seed, name=f"live A/B ({api.name})")
        finally:
            if hasattr(api, "close"):
                api.close()
        wrong = [f"{v}.{k} {got[v][k]} != {n}" for v, counts in sent.items() for k, n in counts.items()
                 if got[v][k] != n]
        print(f"      live {api.name}: {sum(c['subjects'] for c in sent.values())} customers of the small demo "
              f"shop; sent {sent}; results B ctr {got['B']['ctr']:.4f} vs A {got['A']['ctr']:.4f}, lift "
              f"{got['B']['lift']:.2f} {[round(x, 2) for x in got['B']['lift_ci']]}, decision {got['B']['decision']}; "
              f"srm p {results['srm_p_value']:.3f}; {time.perf_counter() - started:.0f} s", flush=True)
        checks += [
            report(not wrong, f"live {api.name}: results count exactly the impressions, clicks, purchases and "
                              f"subjects sent" + (f" ({'; '.join(wrong[:4])})" if wrong else "")),
            report(flips == 0, f"live {api.name}: a customer's variant never changes between requests "
                               f"({flips} of 300 changed)"),
            report(results["srm_p_value"] > 0.001,
                   f"live {api.name}: no sample-ratio mismatch (p {results['srm_p_value']:.3f})"),
            report(got["B"]["decision"] == "better",
                   f"live {api.name}: B (true CTR 2.5x A's) judged {got['B']['decision']}"),
        ]
    return checks


# --- canary rollouts ------------------------------------------------------------------------------------
# Repeated rollouts fed synthetic counts straight to the rollout's statistics (the issue allows it for the
# repeated runs): every CHECK_HOURS of simulated time, VISITORS_PER_HOUR new customers are bucketed by the
# rollout's own hash at its current share; each sees 1 + Poisson(2) impressions and clicks with the arm's
# CTR (its Activity rows, as attribution writes them); every candidate visitor is one read of the
# candidate's version (``readstats.record_read`` at the simulated time) with a log-normal latency and the
# scenario's failure rate; then ``advance_rollouts(now=...)``, what update_experiments runs. The policy is
# the production default (steps 10/25/50/75/100%, 24 h windows, 500 reads before latency and errors
# are judged, 1% errors, p95 250 ms, KPI tolerance 5%).
CHECK_HOURS = 3
VISITORS_PER_HOUR = 1000
CONTROL_CTR = 0.03
SCENARIOS = {  # name: (candidate CTR, error rate, median latency ms), all but "healthy" breach one guardrail
    "healthy": (CONTROL_CTR, 0.001, 8.0),
    "errors": (CONTROL_CTR, 0.05, 8.0),
    "slow": (CONTROL_CTR, 0.001, 400.0),
    "worse KPI": (CONTROL_CTR * 0.5, 0.001, 8.0),
}


def _canary_run(scenario: str, rng, started) -> tuple[str, float, float, str]:
    """One rollout of a new ready version; (final status, highest share, hours until it ended, reason)."""
    import datetime as dt

    import numpy as np

    from electroshop.mlops import services as registry
    from experiments import readstats
    from experiments.bucketing import pick, position_in_unit
    from experiments.models import Activity, Rollout
    from experiments.rollout import advance_rollouts, start_rollout

    ctr, error_rate, latency_median = SCENARIOS[scenario]
    candidate = registry.register_model_version(app="recommendations", kind="hybrid", as_of=started)
    candidate = registry.mark_version_ready(version_id=candidate.pk)
    rollout = start_rollout(candidate=candidate, now=started)
    salt, highest, now, visitor = rollout.experiment.salt, rollout.share, started, 0
    while rollout.status == Rollout.Status.RUNNING and now < started + dt.timedelta(days=8):
        rows = []
        for _ in range(VISITORS_PER_HOUR * CHECK_HOURS):
            visitor += 1
            subject = f"customer:{rollout.pk}-{visitor}"
            arm = pick([1 - rollout.share, rollout.share], position_in_unit(salt, subject))
            impressions = 1 + int(rng.poisson(2))
            clicks = int(rng.binomial(impressions, ctr if arm else CONTROL_CTR))
            rows.append(Activity(day=now.date(), placement="customer", strategy="personalized",
                                 model_version=candidate.version if arm else rollout.control_number,
                                 experiment_id=rollout.experiment_id, variant=("control", "candidate")[arm],
                                 subject=subject, impressions=impressions, clicks=clicks))
            if arm:
                readstats.record_read(version=candidate.version, latency_ms=float(rng.lognormal(np.log(latency_median), 0.5)),
                                      failed=bool(rng.random() < error_rate),
                                      at=(now + dt.timedelta(seconds=float(rng.uniform(0, CHECK_HOURS * 3600)))).timestamp())
        Activity.objects.bulk_create(rows, batch_size=2000)
        readstats.flush()
        now += dt.timedelta(hours=CHECK_HOURS)
        advance_rollouts(now=now)
        rollout.refresh_from_db()
        highest = max(highest, rollout.share)
    return rollout.status, highest, (now - started).total_seconds() / 3600, rollout.reason


def canary_section(args: argparse.Namespace, design: object) -> list[bool]:
    import datetime as dt

    import numpy as np

    from experiments_simulation import report

    _setup_once()
    from electroshop.mlops.models import ModelVersion
    from experiments.policy import rollout_policy

    window = rollout_policy(app="recommendations").window_hours
    rng = np.random.default_rng(args.seed)
    started, checks, clock = dt.datetime.now(dt.timezone.utc), [], time.perf_counter()
    for scenario in SCENARIOS:
        outcomes = []
        for _ in range(args.runs_canary):
            outcomes.append(_canary_run(scenario, rng, started))
            started += dt.timedelta(days=10)  # each run in its own stretch of time
        if scenario == "healthy":
            active = ModelVersion.objects.get(app="recommendations", kind="hybrid", status="active")
            done = sum(status == "completed" and highest == 1.0 for status, highest, _, _ in outcomes)
            checks.append(report(done == len(outcomes) and active.version == ModelVersion.objects.filter(
                app="recommendations").order_by("-version").first().version,
                f"canary healthy: {done} of {len(outcomes)} rollouts reached 100% and activated the candidate "
                f"(after {np.median([h for _, _, h, _ in outcomes]):.0f} h of simulated time)"))
        else:
            late = [h for status, _, h, _ in outcomes if status != "rolled_back" or h > window]
            checks.append(report(not late, f"canary {scenario}: {len(outcomes) - len(late)} of {len(outcomes)} rolled "
                                           f"back within one window ({window:g} h; the latest after "
                                           f"{max(h for _, _, h, _ in outcomes):.0f} h): {outcomes[0][3][:90]}"))
    print(f"      canary: {time.perf_counter() - clock:.0f} s", flush=True)
    return checks
