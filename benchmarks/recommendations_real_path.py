"""Recommendation quality through the real path: import -> retrain -> cached rows -> REST endpoint.

The protocol of ``recommendations_quality.py`` (shared/data/README.md): history = purchases before
2011-11-09, test = what each of 1,288 customers bought from 2011-11-09 on that they had never bought
before. Here the history goes through the product itself, on a fresh database:

1. ``migrate``;
2. ``import_orders --format online-retail online_retail.csv.gz --until 2011-11-09`` (nothing from the
   test period enters the database);
3. ``retrain recommendations --sync --as-of 2011-11-09`` (train, evaluate, fill, activate);
4. every test customer's list is read back with ``GET /api/v1/recommendations/customers/{id}/?limit=20``
   (Django test client, a staff user), skus mapped back to StockCodes (the importer keeps them
   verbatim, and CustomerID as the customer's id).

In the same run the references (tuned implicit ALS and EASE l2=200) are computed with the offline
benchmark's code on the raw CSV, and the endpoint's lists are scored exactly as that benchmark does.
Also shown, to locate any loss: the cached rows before the read path's business rules.

Run from the repository root (SQLite in a temporary file unless DATABASE_URL is set; that database
must be empty)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_real_path.py [--data PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

import recommendations_quality as offline  # noqa: E402
from benchsetup import migrate_and_import_online_retail, setup_django  # noqa: E402

UNTIL = "2011-11-09"
LIMIT = 20


def run(path: Path, *, reuse: bool = False, db_file: Path | None = None) -> dict:
    t_start = time.perf_counter()
    where = setup_django(db_file, prefix="recs_real_path")
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from electroshop.mlops.models import ModelVersion
    from electroshop.shop.models import Product
    from recommendations.models import ProductRecommendation

    print(f"database: {where}")
    steps: dict[str, float] = {}
    migrate_and_import_online_retail(path, until=UNTIL, reuse=reuse, steps=steps)
    t = time.perf_counter()
    call_command("retrain", "recommendations", "--sync", "--as-of", UNTIL)
    steps["retrain --sync"] = time.perf_counter() - t
    version = ModelVersion.objects.get(app="recommendations", kind="hybrid", status="active")
    print(f"active version v{version.version}; {version.metrics.get('activation', {}).get('message', '')}")
    call_command("evaluate_recommendations")

    # --- the protocol's test set, from the raw file ----------------------------------------------
    t = time.perf_counter()
    interactions = offline.load_online_retail(path)
    split = offline.temporal_split(interactions, cutoff=offline.CUTOFF)
    test_users = sorted(split.relevant)
    steps["load test protocol"] = time.perf_counter() - t
    print(f"test customers {len(test_users):,}")

    # --- read every list back through the endpoint -----------------------------------------------
    t = time.perf_counter()
    staff = get_user_model().objects.create_user(f"bench-{int(time.time())}", None, None, is_staff=True)
    client = Client()
    client.force_login(staff)
    endpoint: dict[int, list[str]] = {}
    sources: dict[str, int] = {}
    for customer_id in test_users:
        response = client.get(f"/api/v1/recommendations/customers/{customer_id}/", {"limit": LIMIT})
        if response.status_code != 200:
            sources[f"http {response.status_code}"] = sources.get(f"http {response.status_code}", 0) + 1
            endpoint[customer_id] = []
            continue
        body = response.json()
        sources[body["source"]] = sources.get(body["source"], 0) + 1
        endpoint[customer_id] = [item["sku"] for item in body["items"]]
    steps[f"{len(test_users)} GETs"] = time.perf_counter() - t
    print("endpoint sources:", sources)

    # the cached rows the endpoint starts from (before stock / already-bought / category rules)
    sku_of = dict(Product.objects.values_list("id", "sku"))
    cached = {row.customer_id: [sku_of.get(int(i[0])) for i in row.items[:LIMIT]]
              for row in ProductRecommendation.objects.filter(model_version=version, customer_id__in=test_users)}

    # --- references on the raw CSV, same run -------------------------------------------------------
    t = time.perf_counter()
    data = offline.binary_data(interactions, offline.CUTOFF)
    im = data.im
    rows_idx = np.array([im.user_index[u] for u in test_users])
    rows = im.matrix[rows_idx]
    results: dict[str, dict[str, float]] = {}
    timings: dict[str, float] = {}
    for name, (scores, seconds, note) in offline.tuned_als_and_ease(interactions, data, rows, rows_idx).items():
        lists = offline._lists_from_scores(scores, rows, im.item_ids, LIMIT)
        results[name] = offline.evaluate_rankings(dict(zip(test_users, lists)), split.relevant, ks=(10, 20),
                                                  catalogue_size=len(im.item_ids))
        timings[name] = seconds
        if note:
            print(note)
    steps["references (ALS grid + EASE)"] = time.perf_counter() - t

    results["cached rows (before read rules)"] = offline.evaluate_rankings(
        cached, split.relevant, ks=(10, 20), catalogue_size=len(im.item_ids))
    timings["cached rows (before read rules)"] = steps["retrain --sync"]
    results["endpoint GET /customers/{id}/"] = offline.evaluate_rankings(
        endpoint, split.relevant, ks=(10, 20), catalogue_size=len(im.item_ids))
    timings["endpoint GET /customers/{id}/"] = steps["retrain --sync"]

    reference = max(results["implicit ALS, tuned grid"]["ndcg@10"], results["EASE (l2=200)"]["ndcg@10"])
    print()
    print(f"{'method':34s} {'NDCG@10':>8s} {'P@10':>7s} {'R@20':>7s} {'MAP@10':>7s} {'cov@10':>7s} "
          f"{'vs best(ALS,EASE)':>18s} {'time s':>7s}")
    for name, m in results.items():
        print(f"{name:34s} {m['ndcg@10']:8.4f} {m['precision@10']:7.4f} {m['recall@20']:7.4f} {m['map@10']:7.4f} "
              f"{m['coverage@10']:7.3f} {m['ndcg@10'] / reference:17.3f}x {timings[name]:7.1f}")
    ndcg = results["endpoint GET /customers/{id}/"]["ndcg@10"]
    ratio = ndcg / reference
    ok = ratio >= 1.15 and ndcg >= 0.115
    print(f"\nendpoint NDCG@10 / max(ALS, EASE) = {ratio:.3f}  (target >= 1.15 and NDCG@10 >= 0.115: "
          f"{'met' if ok else 'NOT met'}); endpoint NDCG@10 = {ndcg:.4f}")
    print("steps:", {k: round(v, 1) for k, v in steps.items()})
    print(f"total runtime {time.perf_counter() - t_start:.0f}s")
    return {"results": results, "ratio": ratio, "steps": steps}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=offline.DEFAULT_DATA)
    parser.add_argument("--db-file", type=Path, help="SQLite file to use (and keep); default: a temporary file")
    parser.add_argument("--reuse", action="store_true",
                        help="skip the import when the database already holds the imported orders (for iterating)")
    args = parser.parse_args(argv)
    run(args.data, reuse=args.reuse, db_file=args.db_file)


if __name__ == "__main__":
    main()
