"""One set of settings on three kinds of shop: is the served version ever below its best generator?

Each shop goes through the product on a fresh database, in its own process: its orders are imported
(or generated) with the product's commands, then the recommendations pipeline's own functions read
them through the shop seam, train with the production parameters (``services.training_params`` of
the default settings row) and evaluate the version exactly as ``retrain recommendations`` does
(``services.evaluation_metrics``: NDCG@10 of first purchases on the held-out half of the validation
window inside the history; the other half tuned the generators). Printed per shop: the hybrid and
each generator alone, what the activation gate serves, and whether the served figure is below the
best single generator's (it must never be).

The shops:

* ``online-retail``: UCI Online Retail (``../shared/data``), ``import_orders --format online-retail
  --until 2011-11-09``: a gift wholesaler, purchases only;
* ``grocery``: a generated grocery shop (3,000 SKUs in 40 aisles, 4,000 households buying a personal
  set of staples every few days for 180 days, adopting new staples from their favourite aisles),
  imported with ``import_orders --format generic``: many repeat purchases, thousands of SKUs;
* ``demo``: the electronics demo shop, ``seed_demo --scale medium`` (orders and browsing events).

Run from the repository root (each shop takes a few minutes; SQLite in temporary files)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_robustness.py [--shops grocery,demo]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import numpy as np  # noqa: E402

SHOPS = ("online-retail", "grocery", "demo")
ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail.csv.gz"


def write_grocery_orders(path: Path, *, seed: int = 11, products: int = 3000, aisles: int = 40,
                         households: int = 4000, days: int = 180) -> str:
    """A grocery shop's order lines in the generic CSV format; returns the day after the last order.

    Each household shops every few days (its own interval) from 3-6 favourite aisles: most of a basket
    is its staples (each in a basket with its own probability), the rest tries products of its aisles
    by their popularity, and a tried product becomes a staple now and then. So most lines repeat
    earlier purchases and first purchases follow the household's aisles and what similar households buy.
    """
    rng = np.random.default_rng(seed)
    aisle_of = rng.integers(0, aisles, products)
    popularity = rng.zipf(1.6, products).astype(float)
    price = np.round(np.exp(rng.normal(1.0, 0.7, products)), 2) + 0.29
    start = np.datetime64("2026-01-05T08:00")
    with gzip.open(path, "wt", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "customer_id", "sku", "quantity", "unit_price", "ordered_at", "product_name",
                      "category"])
        order = 0
        for household in range(1, households + 1):
            favourite = rng.choice(aisles, size=rng.integers(3, 7), replace=False)
            pool = np.flatnonzero(np.isin(aisle_of, favourite))
            weights = popularity[pool] / popularity[pool].sum()
            staples = {int(p): float(rng.uniform(0.4, 0.9))
                       for p in rng.choice(pool, size=min(len(pool), rng.integers(6, 20)), replace=False, p=weights)}
            interval = float(rng.uniform(3, 12))
            day = float(rng.uniform(0, interval))
            while day < days:
                order += 1
                basket = [p for p, chance in staples.items() if rng.random() < chance]
                for tried in rng.choice(pool, size=rng.integers(1, 5), p=weights):
                    basket.append(int(tried))
                    if int(tried) not in staples and rng.random() < 0.15:
                        staples[int(tried)] = float(rng.uniform(0.3, 0.7))
                when = start + np.timedelta64(int(day * 24 * 60), "m")
                for product in dict.fromkeys(basket):
                    out.writerow([f"G{order}", household, f"G{product:05d}", int(rng.integers(1, 4)),
                                  f"{price[product]:.2f}", str(when) + "Z", f"Aisle {aisle_of[product]} item {product}",
                                  f"Grocery/Aisle {aisle_of[product]}"])
                day += interval * float(rng.uniform(0.7, 1.3))
    return str((start + np.timedelta64(days, "D")).astype("datetime64[D]"))


def evaluate_shop(shop: str) -> dict:
    """Load one shop into a fresh database, train and evaluate as the pipeline does (this process)."""
    from benchsetup import setup_django

    setup_django(None, prefix=f"recs_robust_{shop}")
    from datetime import datetime, timezone

    from django.core.management import call_command
    from django.utils import timezone as dj_timezone

    from recommendations import services
    from recommendations.ml.training import train_hybrid

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    if shop == "online-retail":
        as_of = "2011-11-09"
        call_command("import_orders", str(ONLINE_RETAIL), "--format", "online-retail", "--until", as_of, verbosity=0)
        as_of_moment = datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)
    elif shop == "grocery":
        path = Path(tempfile.mkdtemp(prefix="recs_robust_grocery_")) / "orders.csv.gz"
        as_of = write_grocery_orders(path)
        call_command("import_orders", str(path), "--format", "generic", "--max-bad-rows", "0", verbosity=0)
        as_of_moment = datetime.fromisoformat(as_of).replace(tzinfo=timezone.utc)
    else:
        call_command("seed_demo", "--scale", "medium", verbosity=0)
        as_of_moment = dj_timezone.now()
    loaded = time.perf_counter() - started

    interactions = services._interactions_until(as_of_moment)
    products = services.product_frame_for_training()
    params = services.training_params(services.recommendation_settings())
    t = time.perf_counter()
    model = train_hybrid(interactions, products, as_of=as_of_moment.replace(tzinfo=None), params=params)
    metrics = services.evaluation_metrics(model)
    return {
        "shop": shop, "interactions": int(len(interactions)), "customers": int(interactions["customer_id"].nunique()),
        "products": int(len(products)), "load_seconds": round(loaded, 1), "train_seconds": round(time.perf_counter() - t, 1),
        "window": metrics.get("evaluation_window", {}), "serving": metrics["serving"],
        "ndcg@10": {method: values.get("ndcg@10") for method, values in metrics.get("evaluation", {}).items()},
    }


def report(result: dict) -> str:
    scores = result["ndcg@10"]
    singles = {method: value for method, value in scores.items() if method != "hybrid" and value is not None}
    best = max(singles, key=singles.get) if singles else None
    served = result["serving"]
    below = best is not None and served.get("ndcg@10") is not None and served["ndcg@10"] < singles[best]
    lines = [f"{result['shop']}: {result['interactions']:,} interactions, {result['customers']:,} customers, "
             f"{result['products']:,} products; held-out users {result['window'].get('users', 0):,} "
             f"(load {result['load_seconds']} s, train + evaluate {result['train_seconds']} s)"]
    for method, value in sorted(scores.items(), key=lambda kv: -(kv[1] or 0)):
        lines.append(f"  {method:<14} NDCG@10 {value:.4f}" if value is not None else f"  {method:<14} -")
    lines.append(f"  served: {served['method']} ({served.get('ndcg@10') or 0:.4f}); best single: "
                 f"{best} ({singles.get(best, 0):.4f}); served below best single: {'YES' if below else 'no'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", default=",".join(SHOPS), help=f"comma-separated, of {', '.join(SHOPS)}")
    parser.add_argument("--one", choices=SHOPS, help=argparse.SUPPRESS)  # the child process of one shop
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(evaluate_shop(args.one)))
        return 0
    failed = False
    for shop in args.shops.split(","):
        # one process per shop: each its own database and Django set-up
        child = subprocess.run([sys.executable, __file__, "--one", shop], capture_output=True, text=True, cwd=ROOT)
        if child.returncode != 0:
            print(f"{shop}: failed\n{child.stderr[-3000:]}")
            failed = True
            continue
        result = json.loads(child.stdout.strip().splitlines()[-1])
        print(report(result), flush=True)
        failed |= "served below best single: YES" in report(result)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
