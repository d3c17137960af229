"""A floor under the recommendations retrain: the raw library calls its design cannot do without.

The issue prescribes a re-ranker trained on a temporal validation window and ALS settings chosen
on that window: both need ALS fitted on the data *before* the window, and the lists customers get
need ALS fitted on *all* of it, so a retrain fits ALS at least twice. It also prescribes item-to-item
neighbours as a candidate generator and a top-N table for every customer. This benchmark times, on
the shop in ``DATABASE_URL`` (``seed_demo --scale large``), only:

1. reading the interactions and products (the pipeline's own reads) and building the matrices
   (the pipeline's own cleaning, bot filter and matrix code); and, as the least any read can
   cost, COPYing the event and order-line columns out of the database as raw bytes (no parsing);
2. raw ``implicit`` ALS on the pre-window matrix, one setting (the pipeline's first grid setting);
3. raw ALS on the whole matrix, cold, and, as the most generous alternative, warm-started from (2)
   with a fifth of the iterations;
4. raw ALS ``recommend(N=100)`` for every customer;
5. raw ``implicit`` BM25 item-item neighbours (K=100): fit and ``recommend(N=100)`` for every customer;

and compares their sum with the pipeline-speed budget: 1.5 x (raw ALS fit + recommend on the whole
matrix), the reference of ``recommendations_pipeline_speed.py``. Everything else the retrain does
(other generators, features, the re-ranker, reasons, evaluation, writing 10M items: see
``recommendations_store_floor.py``) comes on top of this floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/electroshop_recs_bench \\
        OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/recommendations_pipeline_floor.py [--als JSON]

``--als`` sets the ALS setting (default: the grid's first); larger factors make the reference and
the ALS steps dearer alike, so the fixed costs (read, BM25) weigh less.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--als", help='ALS setting as JSON, e.g. \'{"factors": 128, "regularization": 0.1, "alpha": 1.0}\'')
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "electroshop.settings")
    import django

    django.setup()
    import numpy as np
    import pandas as pd
    from django.utils import timezone
    from implicit.cpu.als import AlternatingLeastSquares
    from implicit.nearest_neighbours import BM25Recommender

    from benchmarks.recommendations_pipeline_speed import recommend_every_user
    from recommendations import services
    from recommendations.ml.candidates import ALSGenerator
    from recommendations.ml.hybrid import DEFAULT_ALS_GRID, HybridParams
    from recommendations.ml.training import _prepare
    from recommendations.ml.interactions import clean_interactions, filter_bots, naive_utc

    timings: dict[str, float] = {}

    def timed(name: str, work):
        started = time.perf_counter()
        out = work()
        timings[name] = time.perf_counter() - started
        print(f"  {name:58s} {timings[name]:7.1f} s", flush=True)
        return out

    params = HybridParams()
    as_of = timezone.now()
    print("timing the floor (each step once) ...")
    interactions = timed("read interactions + products (pipeline code)",
                         lambda: (services._interactions_until(as_of), services.product_frame_for_training()))
    interactions, products = interactions

    def build():
        events, _ = clean_interactions(interactions, as_of=naive_utc(as_of), event_weights=params.event_weights)
        events, _ = filter_bots(events, params.bot_filter)
        item_ids = np.asarray(pd.Index(events["product_id"].unique()).union(pd.Index(products["product_id"])).sort_values())
        window_start = naive_utc(as_of) - pd.Timedelta(days=params.validation_days)
        history = _prepare(events[events["timestamp"] < window_start], products, window_start, params, item_ids)
        full = _prepare(events, products, naive_utc(as_of), params, item_ids)
        return history.im, full.im

    history, full = timed("clean, bot filter, history + whole matrices (pipeline code)", build)

    def copy_raw() -> int:
        from django.db import connection

        from electroshop.shop.models import Event, OrderLine

        size = 0
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's: COPY is not part of the DB-API
            for model, columns in ((Event, ("customer", "product", "event_type", "occurred_at")),
                                   (OrderLine, ("order", "product", "quantity"))):
                names = ", ".join(model._meta.get_field(c).column for c in columns)
                with raw.copy(f"COPY (SELECT {names} FROM {model._meta.db_table}) TO STDOUT (FORMAT BINARY)") as copy:
                    for block in copy:
                        size += len(block)
        return size

    copied = timed("  least read: COPY events + order lines as raw bytes", copy_raw)
    history_matrix, matrix = history.matrix.tocsr().astype(np.float32), full.matrix.tocsr().astype(np.float32)
    setting = json.loads(args.als) if args.als else dict(DEFAULT_ALS_GRID[0])
    iterations = ALSGenerator().iterations  # the pipeline's ALS generator default

    def als(**extra) -> AlternatingLeastSquares:
        return AlternatingLeastSquares(num_threads=1, random_state=42, iterations=iterations, **setting, **extra)

    before = timed("ALS fit on the pre-window matrix (re-ranker, tuning)", lambda: _fit(als(), history_matrix))
    cold = timed("ALS fit on the whole matrix (cold)", lambda: _fit(als(), matrix))

    def warm():
        model = AlternatingLeastSquares(num_threads=1, random_state=42, iterations=max(1, iterations // 5), **setting)
        rng = np.random.default_rng(0)
        users = rng.random((matrix.shape[0], setting["factors"]), dtype=np.float32) * 0.01
        known = np.array([history.user_index.get(u, -1) for u in full.user_ids])
        users[known >= 0] = before.user_factors[known[known >= 0]]
        model.user_factors, model.item_factors = users, before.item_factors.copy()  # same item ids, same order
        return _fit(model, matrix)

    timed(f"  or: warm-started from the pre-window fit, {max(1, iterations // 5)} iterations", warm)
    timed("ALS recommend(N=100) for every customer", lambda: recommend_every_user(cold, matrix))
    timed("BM25 item-item (K=100): fit + recommend(N=100) for every customer",
          lambda: recommend_every_user(_fit(BM25Recommender(K=100, num_threads=1), matrix), matrix))

    reference = timings["ALS fit on the whole matrix (cold)"] + timings["ALS recommend(N=100) for every customer"]
    warm_key = next(k for k in timings if k.startswith("  or:"))
    least_read = "  least read: COPY events + order lines as raw bytes"
    floor_cold = sum(v for k, v in timings.items() if k not in (warm_key, least_read))
    floor_warm = floor_cold - timings["ALS fit on the whole matrix (cold)"] + timings[warm_key]
    pipeline_read = timings["read interactions + products (pipeline code)"] + timings[
        "clean, bot filter, history + whole matrices (pipeline code)"]
    floor_least = floor_warm - pipeline_read + timings[least_read]
    print(f"\nmatrix {matrix.shape[0]:,} customers x {matrix.shape[1]:,} products, {matrix.nnz:,} non-zeros; "
          f"ALS {setting}, {iterations} iterations, one thread")
    print(f"reference (raw ALS fit + recommend on the whole matrix): {reference:.1f} s; "
          f"budget 1.5x = {1.5 * reference:.1f} s")
    print(f"floor, final fit cold: {floor_cold:.1f} s = {floor_cold / reference:.2f}x the reference")
    print(f"floor, final fit warm-started: {floor_warm:.1f} s = {floor_warm / reference:.2f}x the reference")
    print(f"floor, warm-started, the read only a raw COPY ({copied / 1e6:.0f} MB) and building matrices free: "
          f"{floor_least:.1f} s = {floor_least / reference:.2f}x the reference")


def _fit(model, matrix):
    model.fit(matrix, show_progress=False)
    return model


if __name__ == "__main__":
    main()
