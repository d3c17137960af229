"""Does ``retrain forecasting --sync`` forecast and fill 10,000 products with two years of daily
history within 10 minutes on this 2-core machine?

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/forecasting_scale.py [--products 10000] [--days 730]
        [--db-file PATH [--reuse | --generate-only]] [--profile 30]

1. A synthetic shop on a fresh database (SQLite in a temporary file unless DATABASE_URL is set):
   ``--products`` stock-managed products in 60 categories, each with its own level (log-normal:
   many slow movers, a few fast ones), weekday profile, yearly seasonality, trend, launch or
   discontinuation date, plus category promotions; ``--days`` days of orders (baskets of about three
   lines, a few cancelled). Written with the demo shop's bulk writer
   (``electroshop.demo.services.write_demo_data``: executemany on SQLite, COPY on PostgreSQL);
   not timed.
2. Timed end to end: ``retrain forecasting --sync --as-of`` (choose products, read every chunk's
   history, forecast, backtest, advise, write the cached rows, forecast the categories, activate) -
   exactly what a worker runs, here in one process.

Printed: wall seconds, CPU seconds (this process, all threads) and CPU seconds per series, the rows
written, and PASS/FAIL against 10 minutes. ``--profile N`` also prints the N most expensive
functions (cumulative) of the retrain.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
from benchsetup import setup_django  # noqa: E402

AS_OF = dt.date(2026, 1, 1)
TARGET_SECONDS = 600
DAY = 86_400


def synthetic_shop(*, products: int, days: int, seed: int = 0):
    """The shop as the demo writer's column arrays (``DemoData``): catalogue, stock, promotions,
    orders and order lines; no customers, events or reviews (forecasting reads none of them)."""
    from electroshop.demo.generator import DemoData

    rng = np.random.default_rng(seed)
    end_ts = int(dt.datetime.combine(AS_OF, dt.time.min, tzinfo=dt.UTC).timestamp())
    start_ts = end_ts - days * DAY
    n_parents, n_leaves = 10, 60
    cat_ids = np.arange(1, n_parents + n_leaves + 1)
    parent_of = np.concatenate([np.full(n_parents, -1), rng.integers(1, n_parents + 1, n_leaves)])
    names = [f"Group {i}" for i in range(1, n_parents + 1)] + [f"Line {i}" for i in range(1, n_leaves + 1)]
    paths = names[:n_parents] + [f"{names[p - 1]}/{names[n_parents + i]}" for i, p in enumerate(parent_of[n_parents:])]
    categories = {"id": cat_ids, "name": names, "slug": [n.lower().replace(" ", "-") for n in names],
                  "parent_id": [None if p < 0 else int(p) for p in parent_of], "path": paths}

    # products: level (units/day), weekday profile of their category, seasonality, trend, life span
    pid = np.arange(1, products + 1)
    leaf = rng.integers(0, n_leaves, products)
    level = rng.lognormal(-1.6, 1.3, products)
    weekday = rng.uniform(0.6, 1.3, (n_leaves, 7))
    weekday /= weekday.mean(1, keepdims=True)
    amplitude = rng.uniform(0, 0.5, products)
    phase = rng.uniform(0, 2 * np.pi, products)
    trend = rng.normal(0, 0.4, products)
    launch = np.where(rng.random(products) < 0.15, rng.integers(0, days - 60, products), 0)
    stop = np.where(rng.random(products) < 0.05, rng.integers(days // 2, days, products), days)
    price = np.round(rng.lognormal(3.0, 0.8, products) * 100).astype(np.int64)
    product_cols = {
        "id": pid, "sku": [f"SKU-{i:06d}" for i in pid], "name": [f"Product {i}" for i in pid],
        "description": [""] * products, "attributes": [{}] * products, "price": price,
        "currency": ["GBP"] * products, "category_id": cat_ids[n_parents + leaf], "brand_id": [None] * products,
        "is_active": (stop == days).tolist(), "created_at": start_ts + launch * DAY,
    }
    stock = {"id": pid, "product_id": pid, "on_hand": rng.integers(0, 200, products), "on_order": np.zeros(products, int),
             "lead_time_days": rng.choice([3, 7, 14, 21], products), "supplier": [f"Supplier {i % 40}" for i in pid],
             "pack_size": rng.choice([1, 1, 5, 10, 12], products), "minimum_order_quantity": rng.choice([1, 10], products)}

    # daily units: Poisson-gamma around level x weekday x season x trend, zero outside the life span
    t = np.arange(days)
    dow = (np.datetime64(dt.date.fromtimestamp(start_ts).isoformat()) + t).astype("datetime64[D]").view("int64")
    dow = (dow + 3) % 7  # 1970-01-01 was a Thursday: Monday = 0
    lines_product, lines_day, lines_qty = [], [], []
    for lo in range(0, products, 1000):
        sl = slice(lo, min(lo + 1000, products))
        season = 1 + amplitude[sl, None] * np.sin(2 * np.pi * t[None, :] / 365.25 + phase[sl, None])
        growth = np.exp(trend[sl, None] * (t[None, :] - days) / days)
        lam = level[sl, None] * weekday[leaf[sl]][:, dow] * season * growth
        lam *= (t[None, :] >= launch[sl, None]) & (t[None, :] < stop[sl, None])
        units = rng.poisson(lam * rng.gamma(2.0, 0.5, lam.shape))
        i, d = np.nonzero(units)
        lines_product.append(pid[sl][i])
        lines_day.append(d)
        lines_qty.append(units[i, d])
    product_of = np.concatenate(lines_product)
    day_of = np.concatenate(lines_day)
    qty = np.concatenate(lines_qty)
    # baskets: each day's lines shuffled into orders of about three lines
    order_key = np.lexsort((rng.random(len(day_of)), day_of))
    product_of, day_of, qty = product_of[order_key], day_of[order_key], qty[order_key]
    first_of_day = np.r_[0, np.flatnonzero(np.diff(day_of)) + 1]
    within = np.arange(len(day_of)) - np.repeat(first_of_day, np.diff(np.r_[first_of_day, len(day_of)]))
    new_order = (within % 3 == 0)
    order_of_line = np.cumsum(new_order)            # 1-based order ids
    n_orders = int(order_of_line[-1])
    order_day = day_of[new_order]
    created = start_ts + order_day * DAY + rng.integers(8 * 3600, 22 * 3600, n_orders)
    status = np.where(rng.random(n_orders) < 0.02, "cancelled", "completed")
    unit_price = price[product_of - 1]
    total = np.bincount(order_of_line - 1, weights=unit_price * qty, minlength=n_orders).astype(np.int64)
    blank = [""] * n_orders
    orders = {"id": np.arange(1, n_orders + 1), "number": [f"S{i:08d}" for i in range(1, n_orders + 1)],
              "customer_id": [None] * n_orders, "email": blank, "created_at": created, "status": status.tolist(),
              "total": total, "currency": ["GBP"] * n_orders, "billing_country": blank, "shipping_country": blank,
              "shipping_address": blank, "ip_address": [None] * n_orders, "ip_country": blank, "device_id": blank,
              "user_agent": blank, "payment_method": blank, "card_fingerprint": blank, "card_bin": blank,
              "card_last4": blank, "card_country": blank}
    order_lines = {"id": np.arange(1, len(qty) + 1), "order_id": order_of_line, "product_id": product_of,
                   "quantity": qty, "unit_price": unit_price}
    # category promotions (a known future input): 30 of one or two weeks, some running past the as-of day
    starts = rng.integers(days - 400, days + 7, 30)
    promo_start = [AS_OF - dt.timedelta(days=int(days - s)) for s in starts]
    promotions = {"id": np.arange(1, 31), "name": [f"Promo {i}" for i in range(1, 31)], "product_id": [None] * 30,
                  "category_id": cat_ids[n_parents + rng.integers(0, n_leaves, 30)],
                  "starts_on": promo_start,
                  "ends_on": [s + dt.timedelta(days=int(rng.choice([6, 13]))) for s in promo_start],
                  "discount_percent": rng.choice([10, 15, 20, 30], 30)}
    empty_customers = {k: [] for k in ("id", "user_id", "email", "name", "country", "created_at", "marketing_consent",
                                       "personalization_consent", "signup_ip", "signup_device_id", "signup_source")}
    empty_events = {k: [] for k in ("id", "customer_id", "session_id", "product_id", "event_type", "occurred_at",
                                    "query", "device", "traffic_source", "dwell_seconds")}
    empty_reviews = {k: [] for k in ("id", "product_id", "customer_id", "rating", "title", "text", "status",
                                     "created_at")}
    return DemoData(categories=categories, brands={"id": [], "name": []}, products=product_cols, stock=stock,
                    customers=empty_customers, promotions=promotions, orders=orders, order_lines=order_lines,
                    events=empty_events, reviews=empty_reviews, end_ts=end_ts)


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def run(*, products: int, days: int, db_file: Path | None, reuse: bool, profile: int, generate_only: bool = False) -> bool:
    where = setup_django(db_file, prefix="forecast_scale")
    from django.core.management import call_command
    from tqdm import tqdm

    from electroshop.demo.services import write_demo_data
    from electroshop.mlops.models import ModelVersion
    from electroshop.seam import get_adapter
    from electroshop.shop.models import OrderLine, Product
    from forecasting.models import CategoryForecast, DemandForecast, ForecastBacktest, ReorderSuggestion

    print(f"database: {where}")
    call_command("migrate", verbosity=0)
    if reuse and Product.objects.exists():
        print("--reuse: the shop already in this database is used")
    else:
        if Product.objects.exists():
            raise SystemExit("the database already holds products: give an empty one (or --reuse)")
        t = time.perf_counter()
        data = synthetic_shop(products=products, days=days)
        generated = time.perf_counter() - t
        bars = []

        def progress(label: str, total: int):
            bars.append(tqdm(total=total, desc=f"writing {label}", unit="rows", leave=False))
            return bars[-1]

        t = time.perf_counter()
        write_demo_data(data=data, progress=progress)
        print(f"synthetic shop: {data.row_counts()} generated in {generated:.0f}s, "
              f"written in {time.perf_counter() - t:.0f}s (not timed below)")
        del data
    n_products = Product.objects.count()
    print(f"{n_products:,} products, {OrderLine.objects.count():,} order lines; retrain as of {AS_OF}")
    if generate_only:
        return True

    profiler = cProfile.Profile() if profile else None
    wall, cpu = time.perf_counter(), _cpu_seconds()
    if profiler:
        profiler.enable()
    call_command("retrain", "forecasting", "--sync", "--as-of", AS_OF.isoformat())
    if profiler:
        profiler.disable()
    wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu

    version = ModelVersion.objects.filter(app="forecasting", kind="demand", status="active").latest("pk")
    series = version.metrics.get("products") or 0
    counts = {"DemandForecast": DemandForecast.objects.filter(model_version=version).count(),
              "ReorderSuggestion": ReorderSuggestion.objects.filter(model_version=version).count(),
              "CategoryForecast": CategoryForecast.objects.filter(model_version=version).count(),
              "ForecastBacktest": ForecastBacktest.objects.filter(model_version=version).count()}
    backtest = {m: s.get("wrmsse") for m, s in version.metrics.get("backtest", {}).items()}
    print(f"\nactive v{version.version}: {series:,} products forecast, rows {counts}")
    print(f"backtest WRMSSE (last 28 days before the origin): {backtest}")
    print(f"retrain forecasting --sync: wall {wall:.0f} s, CPU {cpu:.0f} s "
          f"({cpu / max(wall, 1e-9):.2f} cores busy), CPU per series {cpu / max(series, 1) * 1000:.1f} ms")
    # what the pipeline must forecast: stock-managed active products and everything sold in two years
    until = dt.datetime.combine(AS_OF, dt.time.min, tzinfo=dt.UTC)
    adapter = get_adapter()
    expected = len(set(adapter.stocked_product_ids())
                   | set(adapter.product_revenue(until=until, since=until - dt.timedelta(days=730))))
    ok = wall <= TARGET_SECONDS and series == expected and counts["DemandForecast"] == expected * 28
    print(f"{'PASS' if ok else 'FAIL'}  {series:,} products forecast and filled in {wall:.0f} s "
          f"(target <= {TARGET_SECONDS} s; {expected:,} products stocked or sold, each needs 28 days)")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(profile)
        print(out.getvalue())
    return ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--db-file", type=Path, help="SQLite file to use (and keep); default: a temporary file")
    parser.add_argument("--reuse", action="store_true", help="reuse the shop already in --db-file (for iterating)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="print the N costliest functions")
    parser.add_argument("--generate-only", action="store_true", help="write the shop into --db-file and stop")
    args = parser.parse_args(argv)
    ok = run(products=args.products, days=args.days, db_file=args.db_file, reuse=args.reuse, profile=args.profile,
             generate_only=args.generate_only)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
