"""Forecast quality through the real path: import -> retrain -> cached rows -> product endpoint.

The protocol of ``forecasting_quality.py`` (shared/data/README.md): daily units per product of
online_retail, origin 2011-11-12, the next 28 days held out, products with at least 20 selling days
before the origin, WRMSSE weighted by revenue over the training window. Here the forecasts come
from the product itself, on a fresh database:

1. ``migrate``;
2. ``import_orders --format online-retail online_retail.csv.gz --until 2011-11-12`` (nothing from
   the held-out period enters the database);
3. ``retrain forecasting --sync --as-of 2011-11-12`` (forecast, backtest, fill, activate);
4. every protocol product's forecast is read back with
   ``GET /api/v1/forecasts/products/{sku}/?horizon=28`` with a service token (the importer keeps
   StockCodes verbatim as SKUs).

In the same run the five statsforecast baselines (Naive, SeasonalNaive, WindowAverage,
CrostonOptimized, AutoETS) are fitted on the protocol's history with the offline benchmark's code,
and the endpoint's answers are scored with the same WRMSSE. Printed: every score, the ratio to the
best baseline, the 95% / 80% interval coverage of the held-out days, how many products were answered
from the model and how many fell back, and PASS/FAIL against the targets (ratio <= 0.95, every
product forecast by the model, 95% coverage within 0.92..0.98, 80% coverage within 0.75..0.85).

Run from the repository root (SQLite in a temporary file unless DATABASE_URL is set; that database
must be empty, or pass ``--reuse`` with ``--db-file`` to skip a finished import)::

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/forecasting_real_path.py [--data-dir ../shared/data]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import pandas as pd  # noqa: E402
from tqdm import tqdm  # noqa: E402

import forecasting_quality as offline  # noqa: E402
from benchsetup import migrate_and_import_online_retail, setup_django  # noqa: E402

UNTIL = "2011-11-12"
TARGET_RATIO = 0.95
COVERAGE_RANGE = (0.92, 0.98)
COVERAGE80_RANGE = (0.75, 0.85)


def read_endpoint(skus: list[str], *, horizon: int) -> tuple[pd.DataFrame, dict[str, int]]:
    """Every sku's forecast through the product endpoint with a service token:
    ([series_id, date, mean, lo80, hi80, lo95, hi95], answers per source)."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    user = get_user_model().objects.create_user(f"forecast-bench-{int(time.time())}", None, None, is_staff=True)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    rows, sources = [], {}
    for sku in tqdm(skus, desc="GET /forecasts/products/{sku}/", unit="product"):
        response = client.get(f"/api/v1/forecasts/products/{quote(sku, safe='')}/", {"horizon": horizon})
        if response.status_code != 200:
            sources[f"http {response.status_code}"] = sources.get(f"http {response.status_code}", 0) + 1
            continue
        body = response.json()
        sources[body["source"]] = sources.get(body["source"], 0) + 1
        if body["source"] != "model":
            continue  # a fallback is not the model's forecast: scored as missing (zero)
        for point in body["points"]:
            rows.append((sku, point["date"], point["mean"], point["lo80"], point["hi80"], point["lo95"], point["hi95"]))
    frame = pd.DataFrame(rows, columns=["series_id", "date", "mean", "lo80", "hi80", "lo95", "hi95"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame, sources


def run(data_dir: Path, *, reuse: bool = False, db_file: Path | None = None) -> dict:
    t_start = time.perf_counter()
    where = setup_django(db_file, prefix="forecast_real_path")
    from django.core.management import call_command

    from electroshop.mlops.models import ModelVersion
    from forecasting.ml.metrics import interval_coverage, wrmsse

    print(f"database: {where}")
    steps: dict[str, float] = {}
    migrate_and_import_online_retail(data_dir / "online_retail.csv.gz", until=UNTIL, reuse=reuse, steps=steps)
    t, cpu = time.perf_counter(), time.process_time()
    call_command("retrain", "forecasting", "--sync", "--as-of", UNTIL)
    steps["retrain --sync"] = time.perf_counter() - t
    retrain_cpu = time.process_time() - cpu
    version = ModelVersion.objects.get(app="forecasting", kind="demand", status="active")
    print(f"active version v{version.version}, origin {version.metrics.get('origin')}, "
          f"{version.metrics.get('products')} products; backtest (before the origin) "
          f"{ {m: s.get('wrmsse') for m, s in version.metrics.get('backtest', {}).items()} }")

    # --- the protocol on the raw file: products, held-out days, weights; baselines, same run -------
    t = time.perf_counter()
    history, actual, weights, origin, _ = offline.load_online_retail(data_dir)
    assert origin == pd.Timestamp(UNTIL)
    skus = sorted(history["series_id"].unique())
    base = offline.statsforecast_baselines(history, offline.HORIZON)
    scores = {m: wrmsse(actual, base.rename(columns={m: "mean"}), history, weights=weights)
              for m in offline.BASELINES}
    steps["protocol + baselines"] = time.perf_counter() - t

    t = time.perf_counter()
    endpoint, sources = read_endpoint(skus, horizon=offline.HORIZON)
    steps[f"{len(skus)} GETs"] = time.perf_counter() - t
    scores["endpoint"] = wrmsse(actual, endpoint, history, weights=weights)
    merged = actual.merge(endpoint, on=["series_id", "date"], how="left")
    answered = merged["mean"].notna()
    cov95 = interval_coverage(merged.loc[answered, "y"], merged.loc[answered, "lo95"], merged.loc[answered, "hi95"])
    cov80 = interval_coverage(merged.loc[answered, "y"], merged.loc[answered, "lo80"], merged.loc[answered, "hi80"])
    forecast_skus = endpoint["series_id"].nunique()

    best = min(offline.BASELINES, key=scores.get)
    ratio = scores["endpoint"] / scores[best]
    checks = {
        f"WRMSSE endpoint / best baseline ({best}) = {ratio:.3f} <= {TARGET_RATIO}": ratio <= TARGET_RATIO,
        f"model forecast for every product: {forecast_skus} of {len(skus)}": forecast_skus == len(skus),
        f"95% interval coverage {cov95:.3f} within {COVERAGE_RANGE[0]}..{COVERAGE_RANGE[1]}":
            COVERAGE_RANGE[0] <= cov95 <= COVERAGE_RANGE[1],
        f"80% interval coverage {cov80:.3f} within {COVERAGE80_RANGE[0]}..{COVERAGE80_RANGE[1]}":
            COVERAGE80_RANGE[0] <= cov80 <= COVERAGE80_RANGE[1],
    }
    print(f"\n== online_retail through the real path: {len(skus)} products with >= 20 selling days before "
          f"{UNTIL}, horizon {offline.HORIZON} days ==")
    print(f"{'method':<18}{'WRMSSE':>8}")
    for name, score in scores.items():
        print(f"{name:<18}{score:8.3f}")
    print(f"endpoint answers by source: {sources}; products with a model forecast {forecast_skus}, "
          f"without {len(skus) - forecast_skus}")
    print(f"interval coverage of the held-out days: 95% {cov95:.3f}, 80% {cov80:.3f}")
    print(f"retrain: {steps['retrain --sync']:.0f} s wall, {retrain_cpu:.0f} s CPU in this process "
          f"({retrain_cpu / max(version.metrics.get('products') or 1, 1) * 1000:.0f} ms per product)")
    for label, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    print("steps:", {k: round(v, 1) for k, v in steps.items()})
    print(f"total runtime {time.perf_counter() - t_start:.0f}s")
    return {"scores": scores, "ratio": ratio, "cov95": cov95, "checks": checks, "sources": sources}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--db-file", type=Path, help="SQLite file to use (and keep); default: a temporary file")
    parser.add_argument("--reuse", action="store_true",
                        help="skip the import when the database already holds the imported orders (for iterating)")
    args = parser.parse_args(argv)
    result = run(args.data_dir, reuse=args.reuse, db_file=args.db_file)
    sys.exit(0 if all(result["checks"].values()) else 1)


if __name__ == "__main__":
    main()
