"""Coherent category forecasts and analogue forecasts of new products, scored after the origin.

    OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/forecasting_hierarchy.py [--products 3000]
        [--db-file PATH [--reuse]]

On the synthetic shop of ``forecasting_scale.py`` (categories in two levels, 15% of products launched
during the two years), ``retrain forecasting --sync --as-of`` eight weeks before the end of the orders,
then the forecasts are scored on the four weeks after the origin (never seen by the retrain):

1. aggregates (the whole shop, the 10 parent categories, the leaf categories): WAPE of the bottom-up
   sums against the previous design (each aggregate forecast by the engine as its own series, refitted
   here), and 80/95% coverage of the bottom-up intervals with the covariance scale (what is served), with
   independent products (scale 1), and of the previous design's intervals;
2. new products (active, in stock, launched in the four weeks before the origin): WAPE and bias of the
   served forecast (analogues blended with the engine) against the engine alone (a second retrain with
   ``FORECAST_ANALOGUE_DAYS = 0``), and how many are forecast at all zeros by each;
3. MinT (WLS with the forecast variances, Wickramasuriya et al. 2019) as an evaluated alternative:
   the product forecasts and the aggregates' own forecasts (1.) combined, products adjusted so that
   every level adds up; WAPE of products and aggregates next to bottom-up (not used in production);
4. the time of the reconciliation itself (reading the version's product forecasts, summing, writing).
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import forecasting_scale  # noqa: E402

HORIZON = 28
# the generator launches products up to 60 days before the end of its orders: eight weeks before it,
# the four weeks before the origin hold launches, and the four after it are the scored window
ORIGIN = forecasting_scale.AS_OF - dt.timedelta(days=2 * HORIZON)
END = ORIGIN + dt.timedelta(days=HORIZON)


def _retrain(settings_override: dict | None = None):
    from django.core.management import call_command
    from django.test import override_settings

    from electroshop.mlops.models import ModelVersion

    from django.conf import settings

    with override_settings(ELECTROSHOP={**getattr(settings, "ELECTROSHOP", {}), **(settings_override or {})}):
        t = time.perf_counter()
        call_command("retrain", "forecasting", "--sync", "--as-of", ORIGIN.isoformat(), stdout=io.StringIO(),
                     stderr=io.StringIO())
        seconds = time.perf_counter() - t
    return ModelVersion.objects.filter(app="forecasting", kind="demand").latest("pk"), seconds


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _previous_design(until: dt.datetime) -> pd.DataFrame:
    """Each aggregate as its own series through the engine (the code this work replaced)."""
    from forecasting import selectors
    from forecasting.ml.engine import forecast

    rolled = selectors.category_demand_history(until=until, since=until - dt.timedelta(days=730))
    ids = sorted(rolled["category_id"].unique().tolist())
    calendar = pd.date_range(rolled["date"].min(), pd.Timestamp(ORIGIN - dt.timedelta(days=1)))
    full = pd.MultiIndex.from_product([ids, calendar], names=["series_id", "date"])
    dense = (rolled.rename(columns={"category_id": "series_id", "units": "y"}).set_index(["series_id", "date"])[["y"]]
             .reindex(full, fill_value=0).reset_index())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = forecast(dense, origin=pd.Timestamp(ORIGIN), horizon=HORIZON, freq="D", exog_cols=[])
    return out.rename(columns={"series_id": "aggregate_id"})


def _scores(frame: pd.DataFrame, level: pd.Series) -> pd.DataFrame:
    """WAPE and coverage per level of a frame [aggregate_id, date, mean, lo80, hi80, lo95, hi95, actual]."""
    frame = frame.assign(level=frame["aggregate_id"].map(level))
    rows = {}
    for name, part in frame.groupby("level"):
        a = part["actual"].to_numpy(float)
        rows[name] = {"aggregates": part["aggregate_id"].nunique(),
                      "wape": np.abs(a - part["mean"]).sum() / a.sum(),
                      "coverage80": ((a >= part["lo80"]) & (a <= part["hi80"])).mean(),
                      "coverage95": ((a >= part["lo95"]) & (a <= part["hi95"])).mean()}
    return pd.DataFrame(rows).T


def mint_wls(bottom: pd.DataFrame, aggregates: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """MinT with a diagonal W (each series' forecast variance): reconciled product forecasts.

    bottom: [product_id, date, mean, variance]; aggregates: [aggregate_id, date, mean, variance] (their own
    forecasts); members: [product_id, aggregate_id]. b~ = (S'W^-1 S)^-1 S'W^-1 y^, by Woodbury with the
    small aggregate block: (D_b^-1 + A'D_a^-1 A)^-1 = D_b - D_b A'(D_a + A D_b A')^-1 A D_b."""
    products = np.sort(bottom["product_id"].unique())
    aggs = np.sort(aggregates["aggregate_id"].unique())
    p_index = {p: i for i, p in enumerate(products)}
    a_index = {a: i for i, a in enumerate(aggs)}
    A = np.zeros((len(aggs), len(products)))
    for p, a in zip(members["product_id"], members["aggregate_id"]):
        if a in a_index and p in p_index:
            A[a_index[a], p_index[p]] = 1.0
    yb = bottom.pivot(index="product_id", columns="date", values="mean").reindex(products).to_numpy(float)
    ya = aggregates.pivot(index="aggregate_id", columns="date", values="mean").reindex(aggs).to_numpy(float)
    db = bottom.groupby("product_id")["variance"].mean().reindex(products).to_numpy(float).clip(1e-3)
    da = aggregates.groupby("aggregate_id")["variance"].mean().reindex(aggs).to_numpy(float).clip(1e-3)
    r = yb / db[:, None] + A.T @ (ya / da[:, None])
    dbr = db[:, None] * r
    inner = np.linalg.solve(np.diag(da) + (A * db[None, :]) @ A.T, A @ dbr)
    out = dbr - db[:, None] * (A.T @ inner)
    dates = bottom.pivot(index="product_id", columns="date", values="mean").columns
    frame = pd.DataFrame(out.clip(0), index=products, columns=dates).stack().rename("mean").reset_index()
    return frame.rename(columns={"level_0": "product_id"})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=3000)
    parser.add_argument("--db-file", type=Path)
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    forecasting_scale.run(products=args.products, days=730, db_file=args.db_file, reuse=args.reuse, profile=0,
                          generate_only=True)
    from electroshop.seam import get_adapter
    from forecasting import hierarchy, selectors
    from forecasting.ml.hierarchy import interval_columns, roll_up
    from forecasting.models import CategoryForecast, DemandForecast

    until, end = _midnight(ORIGIN), _midnight(END)
    version, seconds = _retrain()
    print(f"retrain as of {ORIGIN}: v{version.version} in {seconds:.0f} s; covariance scale "
          f"{version.metrics.get('covariance_scale')}")

    # 1. aggregates
    actual = selectors.category_demand_history(until=end, since=until).rename(
        columns={"category_id": "aggregate_id", "units": "actual"})
    products = hierarchy.version_product_forecasts(version.pk)
    members = hierarchy.aggregate_members(sorted(products["product_id"].unique().tolist()))
    parents = {c for cats in get_adapter().product_category_ids(members["product_id"].unique().tolist()).values()
               for c in cats[1:]}
    level = pd.Series({a: "shop" if a == 0 else ("parent" if a in parents else "leaf")
                       for a in members["aggregate_id"].unique()})
    served = pd.DataFrame.from_records(
        list(CategoryForecast.objects.filter(model_version=version).values_list(
            "category_id", "date", "mean", "lo80", "hi80", "lo95", "hi95")),
        columns=["aggregate_id", "date", "mean", "lo80", "hi80", "lo95", "hi95"])
    served["date"] = pd.to_datetime(served["date"])
    independent = roll_up(products, members)
    independent = independent.assign(**interval_columns(independent["mean"], independent["variance"]))
    previous = _previous_design(until)

    def with_actual(frame):
        return frame.merge(actual, on=["aggregate_id", "date"], how="left").fillna({"actual": 0.0})

    pd.set_option("display.width", 160)
    for name, frame in (("bottom-up, covariance scale (served)", served),
                        ("bottom-up, independent products", independent),
                        ("each aggregate its own series (before)", previous)):
        print(f"\n{name}:\n{_scores(with_actual(frame), level).round(3).to_string()}")

    # 2. new products
    last_launch = ORIGIN - dt.timedelta(days=28)
    cards = get_adapter().product_summaries()
    stock = get_adapter().stock_levels()
    new = [pid for pid, c in cards.items() if c["is_active"] and stock.get(pid) and stock[pid].on_hand > 0
           and last_launch < c["created_at"].date() <= ORIGIN]
    plain, plain_seconds = _retrain({"FORECAST_ANALOGUE_DAYS": 0})
    sold = get_adapter().daily_units_for_products(product_ids=new, until=end, since=until)
    sold_units = sold.groupby("product_id")["units"].sum().reindex(new, fill_value=0)
    print(f"\nnew products (launched {last_launch + dt.timedelta(days=1)}..{ORIGIN}, active, in stock): {len(new)}, "
          f"{int(sold_units.sum())} units sold in the 28 days after the origin")
    for name, v in (("analogues blended (served)", version), ("engine alone", plain)):
        rows = DemandForecast.objects.filter(model_version=v, product_id__in=new).values_list("product_id", "mean")
        frame = pd.DataFrame.from_records(list(rows), columns=["product_id", "mean"])
        total = frame.groupby("product_id")["mean"].sum().reindex(new, fill_value=0)
        wape = float(np.abs(total - sold_units).sum() / max(sold_units.sum(), 1))
        bias = float((total - sold_units).sum() / max(sold_units.sum(), 1))
        zeros = int((frame.groupby("product_id")["mean"].max().reindex(new, fill_value=0) <= 1e-9).sum())
        print(f"  {name}: 28-day WAPE {wape:.3f}, bias {bias:+.3f}, all-zero forecasts {zeros} of {len(new)}")

    # 3. MinT against bottom-up, products and aggregates
    from forecasting.ml.hierarchy import variance_of

    base = previous.assign(variance=variance_of(previous))
    mint = mint_wls(products, base, members)
    sold_daily = get_adapter().daily_units_frame(until=end, since=until).rename(columns={"units": "actual"})
    print("\nMinT (WLS, forecast variances) vs bottom-up, WAPE on the 28 days after the origin:")
    for name, bottom in (("bottom-up", products[["product_id", "date", "mean"]]), ("MinT", mint)):
        scored = bottom.merge(sold_daily, on=["product_id", "date"], how="left").fillna({"actual": 0.0})
        wape_products = float(np.abs(scored["mean"] - scored["actual"]).sum() / scored["actual"].sum())
        sums = roll_up(bottom.assign(variance=0.0), members)
        table = _scores(with_actual(sums.assign(lo80=0, hi80=0, lo95=0, hi95=0)), level)["wape"].round(3)
        print(f"  {name}: products {wape_products:.3f}, " + ", ".join(f"{k} {v}" for k, v in table.items()))

    # 4. reconciliation time (idempotent: the served version's rows are rewritten as they were)
    t = time.perf_counter()
    frame = hierarchy.version_product_forecasts(version.pk)
    n, _ = hierarchy.fill_category_forecasts(version=version, forecasts=frame)
    print(f"\nreconciliation: {len(frame):,} product rows read, {n} aggregates written in "
          f"{time.perf_counter() - t:.1f} s (second retrain: {plain_seconds:.0f} s)")


if __name__ == "__main__":
    main()
