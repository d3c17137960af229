"""Thin Celery tasks: ids in, a service call out. Chunks are idempotent (a retry replaces its rows) and
acknowledged late: a worker that dies mid-chunk leaves the message for another."""
from celery import shared_task

from electroshop.mlops import fanout

from . import live, services


@shared_task(name="ml.recommendations.fill_chunk", acks_late=True, reject_on_worker_lost=True)
def fill_chunk_task(run_id: int, index: int, chunk: list, sync: bool = False) -> int:
    """One chunk of a fill: ``chunk`` = ``[kind, payload]`` (``tables.fill_chunks``)."""
    kind, payload = chunk
    return fanout.run_chunk(
        run_id=run_id, index=index, sync=sync, finalize_task=finalize_recommendations_task,
        work=lambda: services.fill_chunk(run_id=run_id, kind=kind, payload=payload),
    )


@shared_task(name="ml.recommendations.finalize", acks_late=True, reject_on_worker_lost=True)
def finalize_recommendations_task(run_id: int) -> None:
    with fanout.failing_run_on_error(run_id=run_id):
        services.finalize_recommendations(run_id=run_id)


@shared_task(name="ml.recommendations.refresh_content_neighbours")
def refresh_content_neighbours_task(product_ids: list[int]) -> int:
    return live.refresh_content_neighbours(product_ids)
