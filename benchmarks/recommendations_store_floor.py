"""A floor under the recommendations fill: writing 100 explained items for each of 100,000 customers.

No model: random item ids, scores and anchor products, each item rendered as the fill renders it
(``[product_id, score, "Similar to <name> you bought"]``), one JSON list per customer, COPYed into
an unlogged table without indexes (cheaper than the real table). Whatever the model costs comes on
top, so this compares with the pipeline-speed budget of ``recommendations_pipeline_speed.py``.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python benchmarks/recommendations_store_floor.py
"""
from __future__ import annotations

import json
import os
import time

import numpy as np
import psycopg


def main(customers: int = 100_000, per_customer: int = 100, products: int = 20_000) -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")  # libpq reads both schemes
    rng = np.random.default_rng(0)
    names = [f"Product name number {i} with a few words" for i in range(products)]
    items = rng.integers(0, products, size=(customers, per_customer))
    scores = np.sort(rng.random((customers, per_customer)), axis=1)[:, ::-1].round(6)
    anchors = rng.integers(0, products, size=(customers, per_customer))
    started = time.perf_counter()
    rows = [json.dumps([[i, s, f"Similar to {names[a]} you bought"]
                        for i, s, a in zip(items[c].tolist(), scores[c].tolist(), anchors[c].tolist())])
            for c in range(customers)]
    render = time.perf_counter() - started
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_store_floor")
        conn.execute("CREATE UNLOGGED TABLE bench_store_floor (customer_id bigint, items jsonb)")
        started = time.perf_counter()
        with conn.cursor() as cursor, cursor.copy("COPY bench_store_floor (customer_id, items) FROM STDIN") as copy:
            for customer, row in enumerate(rows):
                copy.write_row((customer, row))
        write = time.perf_counter() - started
        conn.execute("DROP TABLE bench_store_floor")
    print(f"{customers * per_customer:,} items ({sum(map(len, rows)) / 1e6:.0f} MB of JSON): render {render:.1f} s, "
          f"COPY {write:.1f} s, together {render + write:.1f} s")


if __name__ == "__main__":
    main()
