"""Thin Celery tasks: ids in, a service call out. Chunks are idempotent (a retry replaces its rows)."""
from celery import shared_task

from electroshop.mlops import fanout

from . import services


@shared_task(name="ml.forecasting.fill_chunk", acks_late=True, reject_on_worker_lost=True)
def fill_forecast_chunk_task(run_id: int, index: int, payload: list, sync: bool = False) -> int:
    """Forecast and advise one chunk of products: payload = [[product_id, abc_class, revenue], ...]."""
    return fanout.run_chunk(
        run_id=run_id, index=index, sync=sync, finalize_task=finalize_forecasts_task,
        work=lambda: services.fill_forecast_chunk(run_id=run_id, index=index, payload=payload),
    )


@shared_task(name="ml.forecasting.finalize", acks_late=True, reject_on_worker_lost=True)
def finalize_forecasts_task(run_id: int) -> None:
    with fanout.failing_run_on_error(run_id=run_id):
        services.finalize_forecasts(run_id=run_id)


@shared_task(name="forecasting.snapshot_stock")
def snapshot_stock_task() -> int:
    """Daily: carry every stocked product's level (and out-of-stock state) into today's log."""
    return services.snapshot_stock_levels()
