"""Coherent category and shop forecasts: the sum of the version's product forecasts (``ml.hierarchy``).

Each fill chunk sums its products' backtest forecasts (the last horizon before the origin) per
aggregate into ``AggregateBacktest``. The finaliser reads the version's DemandForecast rows (the
served means, overrides and analogue forecasts included) once, sums them into every category (with
its subcategories, rolled up to each ancestor) and the whole shop (category 0), and sets each
aggregate's interval width from the summed product variances times the covariance scale measured on
the chunks' backtest sums against the aggregates' actual units.
"""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.db import transaction

from electroshop.mlops.models import ModelVersion
from electroshop.seam import get_adapter

from . import selectors
from .ml.hierarchy import covariance_scales, interval_columns, roll_up, variance_of
from .models import AggregateBacktest, CategoryForecast, DemandForecast

BULK_BATCH = 5000


def aggregate_members(product_ids: list[int]) -> pd.DataFrame:
    """[product_id, aggregate_id]: each product in its category, every ancestor and the whole shop (0)."""
    ancestors = get_adapter().product_category_ids(product_ids)
    pairs = [(pid, cid) for pid, cids in ancestors.items() for cid in cids]
    pairs += [(pid, selectors.TOTAL_CATEGORY_ID) for pid in product_ids]
    return pd.DataFrame(pairs, columns=["product_id", "aggregate_id"]).astype("int64").drop_duplicates()


def write_aggregate_backtest(*, version_id: int, index: int, holdout: pd.DataFrame | None,
                             product_ids: list[int]) -> int:
    """Replace the chunk's AggregateBacktest rows with its products' holdout forecasts summed per aggregate."""
    rows = []
    if holdout is not None and not holdout.empty:
        frame = holdout.rename(columns={"series_id": "product_id"})
        sums = roll_up(frame, aggregate_members(product_ids))
        rows = [AggregateBacktest(model_version_id=version_id, chunk=index, category_id=int(r.aggregate_id),
                                  date=pd.Timestamp(r.date).date(), mean=float(r.mean), variance=float(r.variance))
                for r in sums.itertuples()]
    with transaction.atomic():
        AggregateBacktest.objects.filter(model_version_id=version_id, chunk=index).delete()
        AggregateBacktest.objects.bulk_create(rows, batch_size=BULK_BATCH)
    return len(rows)


def version_product_forecasts(version_id: int) -> pd.DataFrame:
    """[product_id, date, mean, variance, model_mean] of every DemandForecast row of the version: one
    query of plain tuples (280,000 rows for 10,000 products x 28 days). ``variance`` is the engine's
    stored one (a reconciliation runs only on the version just trained, whose rows all carry it)."""
    columns = ["product_id", "date", "mean", "variance", "model_mean"]
    rows = DemandForecast.objects.filter(model_version_id=version_id).order_by().values_list(*columns)
    frame = pd.DataFrame.from_records(list(rows), columns=columns)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["model_mean"] = pd.to_numeric(frame["model_mean"], errors="coerce")
    frame["variance"] = variance_of(frame)
    return frame[["product_id", "date", "mean", "variance", "model_mean"]]


def covariance_scale_of_version(*, version_id: int, origin: date) -> dict[int, float]:
    """aggregate_id -> covariance scale from the chunks' backtest sums and the aggregates' actual units."""
    rows = list(AggregateBacktest.objects.filter(model_version_id=version_id).order_by()
                .values_list("category_id", "date", "mean", "variance"))
    if not rows:
        return {}
    sums = (pd.DataFrame.from_records(rows, columns=["aggregate_id", "date", "mean", "variance"])
            .groupby(["aggregate_id", "date"], as_index=False)[["mean", "variance"]].sum())
    sums["date"] = pd.to_datetime(sums["date"])
    first = sums["date"].min().date()
    until = selectors._fallback_window(origin)[1]
    actual = selectors.category_demand_history(until=until, since=until - timedelta(days=(origin - first).days))
    actual = actual.rename(columns={"category_id": "aggregate_id", "units": "actual"})
    merged = sums.merge(actual, on=["aggregate_id", "date"], how="left").fillna({"actual": 0.0})
    return covariance_scales(merged)


def fill_category_forecasts(*, version: ModelVersion, forecasts: pd.DataFrame) -> tuple[int, dict[int, float]]:
    """Replace the version's CategoryForecast rows with the bottom-up sums of ``forecasts``
    (``version_product_forecasts``). Returns (number of aggregates, the whole shop included;
    aggregate_id -> covariance scale)."""
    origin = date.fromisoformat(version.parameters["origin"])
    CategoryForecast.objects.filter(model_version_id=version.pk).delete()
    if forecasts.empty:
        return 0, {}
    sums = roll_up(forecasts, aggregate_members(sorted(forecasts["product_id"].unique().tolist())))
    scales = covariance_scale_of_version(version_id=version.pk, origin=origin)
    variance = sums["variance"].to_numpy(float) * sums["aggregate_id"].map(scales).fillna(1.0).to_numpy(float)
    bands = interval_columns(sums["mean"].to_numpy(float), variance)
    rows = [CategoryForecast(model_version_id=version.pk, category_id=int(a), date=pd.Timestamp(d).date(),
                             mean=float(m), lo80=float(l8), hi80=float(h8), lo95=float(l9), hi95=float(h9))
            for a, d, m, l8, h8, l9, h9 in zip(sums["aggregate_id"], sums["date"], sums["mean"], bands["lo80"],
                                               bands["hi80"], bands["lo95"], bands["hi95"])]
    CategoryForecast.objects.bulk_create(rows, batch_size=BULK_BATCH)
    return int(sums["aggregate_id"].nunique()), scales


def scale_summary(scales: dict[int, float]) -> dict[str, float | None]:
    """Shop and median category covariance scale, for the version's metrics."""
    categories = [v for k, v in scales.items() if k != selectors.TOTAL_CATEGORY_ID]
    return {"shop": scales.get(selectors.TOTAL_CATEGORY_ID),
            "category_median": float(np.median(categories)) if categories else None}
