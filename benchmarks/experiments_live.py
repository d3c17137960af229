"""The end-to-end section of ``experiments_simulation.py``: one A/B test with a holdout through the real
read path, the event API and ``update_experiments``, in this process, on a fresh small demo shop.

Synthetic customers of known true rates read their list from ``GET /api/v1/recommendations/customers/{id}/``
(Django's test client, a service token); the answer's variant decides what they do: arm ``A``
(``trending``) is clicked on 4% of lists and arm ``B`` (the active model) on 10%, a click buys its item
half of the time, and the holdout ``H`` (``none``, weight 10) sends the list-level exposure the answer
names. Every impression, click and purchase is posted to ``POST /api/v1/events/`` with its item's
``recommendation_id``; ``update_experiments`` runs; ``GET /api/v1/experiments/{id}/results/`` must count
exactly what was sent, find no sample-ratio mismatch, judge ``B`` better, and a second read of 300
customers must give each the same variant.
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


def _setup() -> None:
    from benchsetup import setup_django

    setup_django(None, prefix="experiments_live")
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--scale", "small", "--no-progress", verbosity=0)
    call_command("retrain", "recommendations", "--sync", verbosity=0)


def live_section(args: argparse.Namespace, design: object) -> list[bool]:
    from experiments_simulation import report

    started = time.perf_counter()
    _setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from electroshop.seam import get_adapter

    user = get_user_model().objects.create_user("live-benchmark", is_staff=True)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    created = client.post("/api/v1/experiments/", {
        "name": "live A/B", "placement": "customer", "mode": "ab", "primary_metric": "ctr",
        "variants": [{"name": "A", "weight": 45, "strategy": "trending"}, {"name": "B", "weight": 45, "strategy": "active"},
                     {"name": "H", "weight": 10, "strategy": "none"}]}, content_type="application/json")
    experiment_id = created.json()["id"]
    client.post(f"/api/v1/experiments/{experiment_id}/start/", {}, content_type="application/json")

    rnd = random.Random(args.seed)
    customers = sorted(get_adapter().customer_model.objects.values_list("pk", flat=True))
    sent = {v: {"subjects": 0, "impressions": 0, "clicks": 0, "conversions": 0} for v in ("A", "B", "H")}
    seen, events = {}, []
    for customer_id in customers:
        body = client.get(f"/api/v1/recommendations/customers/{customer_id}/", {"limit": LIST_LENGTH}).json()
        variant, items = body["experiment"]["variant"], body["items"]
        seen[customer_id] = variant
        if variant == "H":
            events.append({"event_type": "impression", "customer_id": customer_id,
                           "recommendation_id": body["experiment"]["exposure_id"]})
            sent["H"]["subjects"] += 1
            continue
        if not items:
            continue
        sent[variant]["subjects"] += 1
        sent[variant]["impressions"] += len(items)
        events += [{"event_type": "impression", "customer_id": customer_id, "sku": item["sku"],
                    "recommendation_id": item["recommendation_id"]} for item in items]
        if rnd.random() < TRUE_CLICK[variant]:
            item = rnd.choice(items)
            sent[variant]["clicks"] += 1
            events.append({"event_type": "click", "customer_id": customer_id, "sku": item["sku"],
                           "recommendation_id": item["recommendation_id"]})
            if rnd.random() < BUY_AFTER_CLICK:
                sent[variant]["conversions"] += 1
                events.append({"event_type": "purchase", "customer_id": customer_id, "sku": item["sku"],
                               "recommendation_id": item["recommendation_id"]})
    for start in range(0, len(events), 1000):
        posted = client.post("/api/v1/events/", {"events": events[start:start + 1000]}, content_type="application/json")
        assert posted.status_code in (200, 201, 202), posted.content[:300]
    flips = sum(client.get(f"/api/v1/recommendations/customers/{c}/", {"limit": LIST_LENGTH}).json()
                ["experiment"]["variant"] != seen[c] for c in list(seen)[:300])
    call_command("update_experiments", "--no-progress", verbosity=0)
    results = client.get(f"/api/v1/experiments/{experiment_id}/results/").json()
    got = {v["name"]: v for v in results["variants"]}
    wrong = [f"{v}.{k} {got[v][k]} != {n}" for v, counts in sent.items() for k, n in counts.items() if got[v][k] != n]
    print(f"      live: {len(customers)} customers of the small demo shop; sent {sent}; results B ctr "
          f"{got['B']['ctr']:.4f} vs A {got['A']['ctr']:.4f}, lift {got['B']['lift']:.2f} "
          f"{[round(x, 2) for x in got['B']['lift_ci']]}, decision {got['B']['decision']}; srm p "
          f"{results['srm_p_value']:.3f}; {time.perf_counter() - started:.0f} s", flush=True)
    return [
        report(not wrong, "live: results count exactly the impressions, clicks, purchases and subjects sent"
               + (f" ({'; '.join(wrong[:4])})" if wrong else "")),
        report(flips == 0, f"live: a customer's variant never changes between requests ({flips} of 300 changed)"),
        report(results["srm_p_value"] > 0.001, f"live: no sample-ratio mismatch (p {results['srm_p_value']:.3f})"),
        report(got["B"]["decision"] == "better", f"live: B (true CTR 2.5x A's) judged {got['B']['decision']}"),
    ]
