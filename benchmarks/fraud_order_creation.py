"""What fraud scoring adds to saving an order: the shop's order-creation time with and without it.

Each "checkout" is the shop's own write (an order and a line, in one transaction) followed by the
work the plugin hooks on its commit, as a storefront request would run it. Three modes on the same
database, interleaved round by round so the machine's load hits them alike:

* ``no scoring``: ``FRAUD_SCORE_ON_CREATE = "off"`` (the shop alone);
* ``inline``: the production default, ``FRAUD_SCORE_ON_CREATE = "inline"`` within
  ``FRAUD_SCORE_BUDGET_MS`` (the model's score, or the rules alone past the budget);
* ``queue``: ``FRAUD_SCORE_ON_CREATE = "queue"`` (a Celery task; on SQLite without a broker the
  tasks run in the request, which this mode then measures).

Target (fraud issue): order creation p99 unaffected by scoring, i.e. inline p99 within the budget
of the shop's own p99. Prints p50 / p99 per mode and the share of inline scores past the budget.

    .venv/bin/python benchmarks/fraud_order_creation.py --db var/demo.sqlite3 [--orders 300]
    DATABASE_URL=postgres://... REDIS_URL=redis://... .venv/bin/python benchmarks/fraud_order_creation.py

The database needs a shop with customers and products (``make demo`` or ``seed_demo``); without an
active fraud model one is trained first (``retrain fraud --sync``). The benchmark's orders are
deleted afterwards.
"""
from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.benchsetup import setup_django  # noqa: E402

MODES = ("no scoring", "inline", "queue")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="SQLite file of a demo shop (default: DATABASE_URL)")
    parser.add_argument("--orders", type=int, default=300, help="checkouts per mode")
    args = parser.parse_args()
    print("database:", setup_django(args.db, prefix="fraud_orders"))

    from django.core.management import call_command
    from django.db import transaction
    from django.test.utils import override_settings
    from django.conf import settings

    from electroshop.mlops.models import ModelVersion
    from electroshop.shop.models import Customer, Order, OrderLine, Product
    from fraud import services
    from fraud.models import RiskAssessment

    if not ModelVersion.objects.filter(app="fraud", kind="order_risk", status="active").exists():
        print("no active fraud model: retrain fraud --sync ...", flush=True)
        call_command("retrain", "fraud", "--sync")
    services.load_active_model()
    customers = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:2000])
    products = list(Product.objects.order_by("pk").values_list("pk", "price")[:500])
    if not customers or not products:
        sys.exit("the database has no customers or products: run make demo (or seed_demo) first")
    rng = np.random.default_rng(0)
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    created: list[int] = []

    def checkout(i: int) -> float:
        customer = customers[int(rng.integers(len(customers)))]
        product, price = products[int(rng.integers(len(products)))]
        started = time.perf_counter()
        with transaction.atomic():  # the storefront's request: the shop's write, then on_commit hooks
            order = Order.objects.create(number=f"BENCH-{time.time_ns()}-{i}", customer_id=customer,
                                         total=Decimal(price), email=f"c{customer}@example.com")
            OrderLine.objects.create(order=order, product_id=product, quantity=1, unit_price=Decimal(price))
        elapsed = time.perf_counter() - started
        created.append(order.pk)
        return elapsed

    base = dict(getattr(settings, "ELECTROSHOP", {}))
    try:
        for i in range(args.orders):
            for mode in MODES:
                setting = "off" if mode == "no scoring" else mode
                with override_settings(ELECTROSHOP={**base, "FRAUD_SCORE_ON_CREATE": setting}):
                    times[mode].append(checkout(i))
            if (i + 1) % 50 == 0:
                print(f"  {i + 1}/{args.orders} rounds", flush=True)
        inline = RiskAssessment.objects.filter(order_id__in=created, source="order")
        timeouts = sum(1 for reasons in inline.values_list("reasons", flat=True)
                       if reasons and reasons[0].get("code") == "MODEL_TIMEOUT")
        budget = float(base.get("FRAUD_SCORE_BUDGET_MS", 50))
        print(f"\n{'mode':<12} {'p50 ms':>8} {'p99 ms':>8}")
        for mode in MODES:
            ms = np.array(times[mode]) * 1000
            print(f"{mode:<12} {np.percentile(ms, 50):>8.1f} {np.percentile(ms, 99):>8.1f}")
        shop_p99 = np.percentile(np.array(times["no scoring"]) * 1000, 99)
        inline_p99 = np.percentile(np.array(times["inline"]) * 1000, 99)
        print(f"\ninline scoring adds {inline_p99 - shop_p99:.1f} ms at p99 (budget {budget:g} ms): "
              f"{'PASS' if inline_p99 - shop_p99 <= budget else 'FAIL'}; "
              f"{timeouts} of {inline.count()} inline scores past the budget (rules alone)")
    finally:
        RiskAssessment.objects.filter(order_id__in=created).delete()
        Order.objects.filter(pk__in=created).delete()


if __name__ == "__main__":
    main()
