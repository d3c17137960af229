"""A hard time limit on the database reads of one score (scoring on order creation, ``FRAUD_SCORE_BUDGET_MS``).

SQLite: its progress handler interrupts a statement once the deadline has passed. PostgreSQL: a
``statement_timeout`` for the reads, inside a savepoint so that a cancelled read leaves the caller's
transaction usable. Other engines read unbounded; the scorer still checks the clock after the reads.
A read cut short raises :class:`BudgetExceeded`.
"""
from __future__ import annotations

import contextlib
import math
import time
from typing import Iterator

from django.db import DatabaseError, connection, transaction


class BudgetExceeded(Exception):
    pass


@contextlib.contextmanager
def reads_within(deadline: float | None) -> Iterator[None]:
    """Run the block's queries until ``deadline`` (``time.perf_counter()`` seconds; None: no limit)."""
    if deadline is None:
        yield
        return
    left_ms = math.ceil((deadline - time.perf_counter()) * 1000)
    if left_ms <= 0:
        raise BudgetExceeded("no time left to read")
    try:
        if connection.vendor == "sqlite":
            with _sqlite_interrupt(deadline):
                yield
        elif connection.vendor == "postgresql":
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL statement_timeout = {left_ms}")
                yield
                cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
        else:
            yield
    except DatabaseError as exc:
        if _cut_off(exc) or time.perf_counter() >= deadline:
            raise BudgetExceeded(str(exc)) from exc
        raise


def _cut_off(exc: DatabaseError) -> bool:
    """The read was stopped by the budget: SQLite's "interrupted", PostgreSQL's query_canceled (57014)."""
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) == "57014" or "interrupted" in str(exc).lower()


@contextlib.contextmanager
def _sqlite_interrupt(deadline: float) -> Iterator[None]:
    connection.ensure_connection()
    raw = connection.connection
    raw.set_progress_handler(lambda: int(time.perf_counter() >= deadline), 200)
    try:
        yield
    finally:
        raw.set_progress_handler(None, 0)
