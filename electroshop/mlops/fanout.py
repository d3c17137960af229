"""Fan a fill out in chunks that many workers share, then finalise exactly once.

Celery chords need a result backend; we keep progress in mlops instead. Each chunk records itself
in ``TrainingRunChunk`` (unique per run and index, so a redelivered chunk counts once); the chunk
that completes the set claims the finaliser with a conditional UPDATE, which only one can win.
With ``sync`` (``retrain --sync``) or eager Celery everything runs in this process, in order.
"""
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction

from .models import TrainingRun, TrainingRunChunk


def dispatch_chunks(
    *, run_id: int, chunk_task: Any, finalize_task: Any, payloads: Sequence[Any], sync: bool,
    on_chunk_done: Callable[[int, int], None] | None = None,
) -> None:
    """Run ``chunk_task(run_id, index, payload)`` for every payload, then ``finalize_task(run_id)``.

    ``chunk_task`` and ``finalize_task`` are Celery tasks whose bodies call :func:`chunk_finished`
    (the chunk) and do the final step (the finaliser). In sync mode they run in-process.
    """
    TrainingRun.objects.filter(pk=run_id).update(chunks_total=len(payloads), finalize_claimed=False)
    if not payloads:
        if sync:
            finalize_task.run(run_id)
        else:
            finalize_task.delay(run_id)
        return
    for index, payload in enumerate(payloads):
        if sync:
            chunk_task.run(run_id, index, payload, sync=True)
            if on_chunk_done:
                on_chunk_done(index + 1, len(payloads))
        else:
            chunk_task.delay(run_id, index, payload)
    if sync:
        finalize_task.run(run_id)


def chunk_finished(*, run_id: int, index: int) -> bool:
    """Record a finished chunk; True for exactly one caller: the one that should finalise."""
    try:
        with transaction.atomic():
            TrainingRunChunk.objects.create(run_id=run_id, index=index, worker=socket.gethostname())
    except IntegrityError:
        pass  # a retried chunk: already counted
    run = TrainingRun.objects.filter(pk=run_id).values("chunks_total").first()
    if run is None:
        return False
    done = TrainingRunChunk.objects.filter(run_id=run_id).count()
    if done < run["chunks_total"]:
        return False
    return bool(TrainingRun.objects.filter(pk=run_id, finalize_claimed=False).update(finalize_claimed=True))


def chunk_progress(*, run_id: int) -> tuple[int, int]:
    run = TrainingRun.objects.filter(pk=run_id).values("chunks_total").first() or {"chunks_total": 0}
    return TrainingRunChunk.objects.filter(run_id=run_id).count(), run["chunks_total"]


def split_into_chunks(items: Sequence[Any], size: int) -> list[list[Any]]:
    size = max(1, int(size))
    return [list(items[start:start + size]) for start in range(0, len(items), size)]


@contextmanager
def failing_run_on_error(*, run_id: int) -> Iterator[None]:
    """Inside a chunk or finaliser task: an exception marks the whole run failed, then propagates.

    Without it a run whose chunk crashed on a worker would stay "running" for ever.
    """
    from .services import fail_training_run

    try:
        yield
    except Exception as exc:
        fail_training_run(run_id=run_id, error=f"{type(exc).__name__}: {exc}")
        raise


def run_chunk(*, run_id: int, index: int, sync: bool, work: Callable[[], Any], finalize_task: Any) -> Any:
    """The body every chunk task shares: do the work, count the chunk, and (when it completes the
    set, outside sync mode) enqueue the finaliser. A failure fails the run."""
    with failing_run_on_error(run_id=run_id):
        result = work()
    if chunk_finished(run_id=run_id, index=index) and not sync:
        finalize_task.delay(run_id)
    return result
