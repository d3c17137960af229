"""Writes of the forecasting app: forecast, advise, fill the cached tables, activate; the stock-out log.

The pipeline (``train_forecasts``) is what ``retrain forecasting`` and the nightly task run:

1. decide the origin (the as-of day: only orders before it are used) and the products (active
   products with a Stock row, plus every product sold in the history window); rank them ABC by
   revenue over the last year (a shop-wide ranking, so it is done once, here);
2. register a version and fan the products out in chunks that any number of workers share
   (``mlops.fanout``). Each chunk reads its products' demand history (censored stock-out days
   included), runs ``forecasting.ml.engine.forecast`` on it (one global model per chunk), scores
   the engine's own forecast of the last horizon before the origin (``info.holdout``) on every
   product and the baselines on a fixed sample of products (``_backtest_rows``), computes the inventory
   advice (``forecasting.ml.inventory``) and writes DemandForecast, ReorderSuggestion, StockAlert
   and ForecastBacktest rows, replacing its own rows so a retried chunk never duplicates them;
   New products get their analogues' forecast (``new_products``) and the merchant's overrides
   are applied (``overrides``) before the inventory advice and the writes;
3. the finaliser sums the product forecasts into every category (rolled up) and the whole shop
   (``hierarchy``), records the issued forecasts (``issued``), pools the chunks' backtest scores into
   the version's metrics, marks it ready and activates it (a newer origin always replaces the older
   forecast), then prunes old versions and old issued forecasts.
"""
from __future__ import annotations

import logging
import time
import warnings
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.utils import timezone

from electroshop.conf import electroshop_settings
from electroshop.mlops import fanout
from electroshop.mlops import services as registry
from electroshop.mlops.models import ModelVersion, TrainingRun
from electroshop.seam import get_adapter

from . import hierarchy, inputs, inventory, issued
from .hierarchy import write_aggregate_backtest
from .inputs import HISTORY_DAYS
from .models import (
    DemandForecast,
    ForecastBacktest,
    LostSales,
    ReorderSuggestion,
    StockAlert,
    StockSnapshot,
)
from .new_products import apply_analogues
from .overrides import apply_chunk_overrides, model_mean_or_none
from .selectors import APP, KIND

logger = logging.getLogger("electroshop.forecasting")

BULK_BATCH = 5000
ABC_DAYS = 365              # revenue window of the ABC ranking
XYZ_WEEKS = 26              # weekly demand window of the XYZ classes
BASELINES = ("seasonal_naive", "auto_ets")  # backtested on FORECAST_BASELINE_SAMPLE products per run


def _as_of(as_of: datetime | None) -> datetime:
    as_of = as_of or timezone.now()
    if timezone.is_naive(as_of):
        as_of = timezone.make_aware(as_of)
    return as_of


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


# --- training -------------------------------------------------------------------------------------------

def train_forecasts(*, run_id: int, as_of: datetime | None, sync: bool) -> None:
    """Register a version for the as-of day and fan its fill out in chunks of products."""
    as_of = _as_of(as_of)
    origin = timezone.localdate(as_of)
    until = _midnight(origin)  # only orders before the origin day count
    horizon = int(electroshop_settings.FORECAST_HORIZON_DAYS)
    registry.report_progress(run_id=run_id, progress=0.02, stage="choosing products")
    revenue = get_adapter().product_revenue(until=until, since=until - timedelta(days=ABC_DAYS))
    # the accuracy table's weights: revenue of the year before the scored window (the last horizon
    # before the origin), so the window's own sales never weigh its scores
    scored_until = until - timedelta(days=horizon)
    weights = get_adapter().product_revenue(until=scored_until, since=scored_until - timedelta(days=ABC_DAYS))
    sold = set(get_adapter().product_revenue(until=until, since=until - timedelta(days=HISTORY_DAYS)))
    product_ids = sorted(set(get_adapter().stocked_product_ids()) | sold)
    if not product_ids:
        raise ValueError("no stocked products and no sales before the as-of day: nothing to forecast")
    from .ml.inventory import abc_classes

    abc = abc_classes(pd.Series({pid: revenue.get(pid, 0.0) for pid in product_ids}, dtype=float))
    version = registry.register_model_version(
        app=APP, kind=KIND, as_of=as_of, run_id=run_id,
        data_start=until - timedelta(days=HISTORY_DAYS), data_end=until,
        parameters={"origin": origin.isoformat(), "horizon": horizon, "history_days": HISTORY_DAYS,
                    "service_level_default": float(electroshop_settings.FORECAST_SERVICE_LEVEL),
                    "review_period_days": int(electroshop_settings.FORECAST_REVIEW_PERIOD_DAYS),
                    "baselines": list(BASELINES), "products": len(product_ids),
                    "baseline_sample": int(electroshop_settings.FORECAST_BASELINE_SAMPLE),
                    "censoring": "StockSnapshot.out_of_stock days"},
    )
    TrainingRun.objects.filter(pk=run_id).update(model_version=version)
    registry.append_run_log(run_id=run_id, line=f"v{version.version}: forecasting {len(product_ids):,} products "
                                                f"from {origin} for {horizon} days, orders before {origin} only")
    payloads = [[[pid, str(abc[pid]), float(weights.get(pid, 0.0))] for pid in chunk]
                for chunk in fanout.split_into_chunks(product_ids, electroshop_settings.FORECAST_FILL_CHUNK_SIZE)]
    registry.report_progress(run_id=run_id, progress=0.05, stage=f"forecasting {len(payloads)} chunks")

    def progress(done: int, total: int) -> None:
        registry.report_progress(run_id=run_id, progress=0.05 + 0.8 * done / total,
                                 stage=f"forecast {done}/{total} chunks")

    from . import tasks

    fanout.dispatch_chunks(run_id=run_id, chunk_task=tasks.fill_forecast_chunk_task,
                           finalize_task=tasks.finalize_forecasts_task, payloads=payloads, sync=sync,
                           on_chunk_done=progress)


def _version_of_run(run_id: int) -> ModelVersion:
    return TrainingRun.objects.select_related("model_version").get(pk=run_id).model_version


def baseline_sample(product_ids: list[int], size: int) -> list[int]:
    """A fixed pseudo-random subset of a chunk (the same products in every run and on every
    worker): the products whose baselines are backtested."""
    if size >= len(product_ids):
        return list(product_ids)
    # Knuth's multiplicative hash: spreads consecutive ids, so the sample is no id range
    return sorted(sorted(product_ids, key=lambda pid: (pid * 2654435761) % 2**32)[:max(size, 0)])


def _backtest_rows(history: pd.DataFrame, *, holdout: pd.DataFrame | None, holdout_origin: pd.Timestamp | None,
                   horizon: int, weights: dict[int, float], sample: list[int], version_id: int,
                   index: int) -> list[ForecastBacktest]:
    """Scores of the last horizon before the origin: the engine on every product of the chunk
    (``info.holdout`` of its forecast: fitted on the data before that window, ensemble and intervals
    from older windows), and the engine and the baselines on ``sample``.

    Why not refit everything: a second engine fit doubled the cost of a chunk and statsforecast's
    AutoETS alone costs ~0.2 s per two-year series (more than the engine), so the baselines, which
    only serve as the accuracy table's reference, are fitted on a fixed sample of products and the
    engine is shown on the same sample next to them."""
    from .ml.engine import baseline_forecasts, holdout_scores

    if holdout is None:  # too little history to hold a horizon out: no scores, still forecast
        logger.warning("backtest of chunk %s skipped: history shorter than the backtest windows", index)
        return []
    weights = pd.Series(weights, dtype=float)
    weights = weights if weights.sum() > 0 else None
    forecasts = {"engine": holdout}
    if sample:
        forecasts["engine_sample"] = holdout[holdout["series_id"].isin(sample)]
        forecasts.update(baseline_forecasts(history, BASELINES, origin=holdout_origin, horizon=horizon,
                                            series_ids=sample))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scores = holdout_scores(history, forecasts, origin=holdout_origin, horizon=horizon, weights=weights)

    def value(x: Any) -> float | None:
        return None if x is None or not np.isfinite(x) else float(x)

    return [ForecastBacktest(model_version_id=version_id, chunk=index, method=row.method, wrmsse=value(row.wrmsse),
                             wape=value(row.wape), coverage80=value(row.coverage80), coverage95=value(row.coverage95),
                             series=int(row.series), weight=float(row.weight), actual_units=float(row.actual))
            for row in scores.itertuples()]


def _xyz(history: pd.DataFrame, origin: date) -> dict[int, str]:
    from .ml.inventory import xyz_classes

    start = pd.Timestamp(origin - timedelta(weeks=XYZ_WEEKS))
    recent = history[history["date"] >= start]
    if recent.empty:
        return {}
    week = ((recent["date"] - start).dt.days // 7).rename("week")
    table = recent.groupby([recent["series_id"], week])["y"].sum().unstack(fill_value=0.0)
    table = table.reindex(columns=range(XYZ_WEEKS), fill_value=0.0)
    return {int(k): v for k, v in xyz_classes(table).items()}


def fill_forecast_chunk(*, run_id: int, index: int, payload: list[list]) -> int:
    """Forecast, backtest and advise one chunk of products. Idempotent: a retry replaces its rows."""
    from .ml.engine import forecast

    version = _version_of_run(run_id)
    origin = date.fromisoformat(version.parameters["origin"])
    horizon = int(version.parameters["horizon"])
    until = _midnight(origin)
    product_ids = [int(pid) for pid, _, _ in payload]
    abc = {int(pid): cls for pid, cls, _ in payload}
    weights = {int(pid): float(weight) for pid, _, weight in payload}
    history, future, exog = inputs.chunk_history(product_ids=product_ids, until=until, horizon=horizon)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecasts, info = forecast(history, origin=pd.Timestamp(origin), horizon=horizon, freq="D",
                                   future_exog=future, exog_cols=exog, price_col=inputs.PRICE_COL,
                                   settings=inputs.engine_settings(), censored_col="censored", return_info=True)
    # new products from their analogues, then the merchant's overrides: what is served and advised on
    forecasts, analogue_labels = apply_analogues(forecasts, product_ids=product_ids, origin=origin, history=history,
                                                 history_days=HISTORY_DAYS)
    forecasts = apply_chunk_overrides(forecasts, product_ids=product_ids, origin=origin, horizon=horizon)
    # the run's baseline sample, spread over the chunks in proportion to their size
    share = int(electroshop_settings.FORECAST_BASELINE_SAMPLE) * len(product_ids)
    sample = baseline_sample(product_ids, -(-share // max(int(version.parameters.get("products") or 1), 1)))
    backtests = _backtest_rows(history, holdout=info.holdout, holdout_origin=info.holdout_origin, horizon=horizon,
                               weights=weights, sample=sample, version_id=version.pk, index=index)
    sold = history[history["y"] > 0]
    last_sale = {int(pid): d.date() for pid, d in sold.groupby("series_id")["date"].max().items()}
    suggestions, alerts = inventory.inventory_rows(
        version_id=version.pk, origin=origin, horizon=horizon, forecasts=forecasts, product_ids=product_ids,
        abc=abc, xyz=_xyz(history, origin), demand_class={int(k): v for k, v in info.classes.items()},
        model_label={**{int(k): v for k, v in info.ensemble.items()}, **analogue_labels}, last_sale=last_sale,
    )
    lost = inventory.lost_sales_rows(version_id=version.pk, origin=origin, history=history)
    rows = [DemandForecast(model_version_id=version.pk, product_id=int(r.series_id), date=r.date.date(),
                           mean=float(r.mean), variance=float(r.variance), lo80=float(r.lo80), hi80=float(r.hi80),
                           lo95=float(r.lo95), hi95=float(r.hi95), model_mean=model_mean_or_none(r.model_mean))
            for r in forecasts.itertuples()]
    with transaction.atomic():
        for table in (DemandForecast, ReorderSuggestion, StockAlert, LostSales):
            table.objects.filter(model_version_id=version.pk, product_id__in=product_ids).delete()
        ForecastBacktest.objects.filter(model_version_id=version.pk, chunk=index).delete()
        DemandForecast.objects.bulk_create(rows, batch_size=BULK_BATCH)
        ReorderSuggestion.objects.bulk_create(suggestions, batch_size=BULK_BATCH)
        StockAlert.objects.bulk_create(alerts, batch_size=BULK_BATCH)
        LostSales.objects.bulk_create(lost, batch_size=BULK_BATCH)
        ForecastBacktest.objects.bulk_create(backtests, batch_size=BULK_BATCH)
    write_aggregate_backtest(version_id=version.pk, index=index, holdout=info.holdout, product_ids=product_ids)
    return len(product_ids)


def fill_category_forecasts(*, version: ModelVersion) -> tuple[int, dict[int, float]]:
    """Every category (with its subcategories, rolled up) and the whole shop as the sum of the version's
    product forecasts (``forecasting.hierarchy``); records the issued forecasts on the way."""
    forecasts = hierarchy.version_product_forecasts(version.pk)
    out = hierarchy.fill_category_forecasts(version=version, forecasts=forecasts)
    issued.record_issued_forecasts(forecasts=forecasts, origin=date.fromisoformat(version.parameters["origin"]))
    return out


def pooled_backtest_metrics(*, version_id: int) -> dict[str, dict[str, float | None]]:
    """Per method: WRMSSE weighted by the chunks' revenue, WAPE pooled by held-out units (exact),
    interval coverage pooled by series."""
    out: dict[str, dict[str, float | None]] = {}
    rows = list(ForecastBacktest.objects.filter(model_version_id=version_id))
    for method in sorted({r.method for r in rows}):
        mine = [r for r in rows if r.method == method]

        def pooled(attr: str, weight: str, mine: list = mine) -> float | None:
            pairs = [(getattr(r, attr), getattr(r, weight)) for r in mine if getattr(r, attr) is not None]
            total = sum(w for _, w in pairs)
            return round(sum(v * w for v, w in pairs) / total, 6) if pairs and total > 0 else None

        out[method] = {"wrmsse": pooled("wrmsse", "weight"), "wape": pooled("wape", "actual_units"),
                       "coverage80": pooled("coverage80", "series"), "coverage95": pooled("coverage95", "series"),
                       "series": sum(r.series for r in mine)}
    return out


def finalize_forecasts(*, run_id: int) -> ModelVersion:
    """Category forecasts (bottom-up), issued forecasts, pooled accuracy and the override report, ready,
    activate, finish, prune."""
    started = time.perf_counter()
    version = _version_of_run(run_id)
    origin = date.fromisoformat(version.parameters["origin"])
    registry.report_progress(run_id=run_id, progress=0.88, stage="summing category forecasts")
    categories, scales = fill_category_forecasts(version=version)
    backtest = pooled_backtest_metrics(version_id=version.pk)
    metrics: dict[str, Any] = {"origin": version.parameters["origin"], "horizon": version.parameters["horizon"],
                               "products": DemandForecast.objects.filter(model_version_id=version.pk)
                               .values("product_id").distinct().count(),
                               "categories": categories, "backtest": backtest,
                               "covariance_scale": hierarchy.scale_summary(scales),
                               "overrides": issued.override_report(until=origin)}
    for method, scores in backtest.items():  # flat numbers for the registry's tables and charts
        for name in ("wrmsse", "wape", "coverage95"):
            if scores.get(name) is not None:
                metrics[f"{name}_{method}"] = scores[name]
    run = TrainingRun.objects.get(pk=run_id)
    fill_seconds = ((timezone.now() - run.started_at).total_seconds() if run.started_at
                    else time.perf_counter() - started)
    version = registry.mark_version_ready(version_id=version.pk, metrics=metrics, fill_seconds=fill_seconds)
    registry.activate_model_version(version_id=version.pk)
    engine = backtest.get("engine", {})
    baselines = ", ".join(f"{m} {s.get('wrmsse')}" for m, s in backtest.items() if m != "engine")
    registry.append_run_log(run_id=run_id, line=f"activated v{version.version}: origin {metrics['origin']}, "
                                                f"{metrics['products']} products, {categories} category series, "
                                                f"backtest WRMSSE engine {engine.get('wrmsse')} vs {baselines}")
    registry.finish_training_run(run_id=run_id, model_version=version)
    registry.prune_model_versions(app=APP, kind=KIND)
    issued.prune_issued_forecasts(today=origin)
    return version


# --- stock-out log ------------------------------------------------------------------------------------

def record_stock_level(*, product_id: int, on_hand: int, on_order: int = 0, day: date | None = None) -> StockSnapshot:
    """Log a product's stock for the day; a day once out of stock stays marked (censored)."""
    day = day or timezone.localdate()
    with transaction.atomic():
        snapshot, created = StockSnapshot.objects.select_for_update().get_or_create(
            product_id=product_id, date=day,
            defaults={"on_hand": on_hand, "on_order": on_order, "out_of_stock": on_hand <= 0},
        )
        if not created:
            snapshot.on_hand, snapshot.on_order = on_hand, on_order
            snapshot.out_of_stock = snapshot.out_of_stock or on_hand <= 0
            snapshot.save(update_fields=["on_hand", "on_order", "out_of_stock", "updated_at"])
    return snapshot


def snapshot_stock_levels(*, day: date | None = None) -> int:
    """Log every stocked product's current level for the day (the daily task). Idempotent."""
    day = day or timezone.localdate()
    levels = get_adapter().stock_levels()
    existing = dict(StockSnapshot.objects.filter(date=day).values_list("product_id", "out_of_stock"))
    new = [StockSnapshot(product_id=pid, date=day, on_hand=level.on_hand, on_order=level.on_order,
                         out_of_stock=level.on_hand <= 0) for pid, level in levels.items() if pid not in existing]
    with transaction.atomic():
        StockSnapshot.objects.bulk_create(new, batch_size=BULK_BATCH, ignore_conflicts=True)
        out_now = [pid for pid, level in levels.items() if pid in existing and level.on_hand <= 0 and not existing[pid]]
        if out_now:
            StockSnapshot.objects.filter(date=day, product_id__in=out_now).update(out_of_stock=True)
    return len(levels)
