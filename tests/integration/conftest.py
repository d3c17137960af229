"""A real Celery worker, started as a separate process against the test database and Redis broker.

Runs only when REDIS_URL is set and the database is PostgreSQL (CI's second pass): the worker is
another process, so it must reach the same database server, which an in-memory SQLite is not.
"""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def _needs_real_services():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("integration tests need REDIS_URL (CI runs them on PostgreSQL + Redis)")
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("integration tests need DATABASE_URL pointing at PostgreSQL")


@pytest.fixture
def celery_worker_process(transactional_db):
    """Start `celery -A electroshop worker` on the test database; stop it after the test."""
    _needs_real_services()
    db = settings.DATABASES["default"]
    database_url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "OPENBLAS_NUM_THREADS": "1", "CONN_MAX_AGE": "0",
           # Small fill chunks, so a retrain really fans out into several broker messages.
           "ELECTROSHOP_JSON": '{"RECOMMENDATIONS_FILL_CHUNK_SIZE": 8}'}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    log_path = ROOT / "var" / "test-celery-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115 - closed in the teardown below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "electroshop", "worker", "-Q", "default,ml", "--pool", "solo",
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "INFO",
         "-n", f"test-worker-{os.getpid()}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    from electroshop.celery import app

    # Whatever an earlier test did, these tests send real messages to the broker.
    saved_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                raise RuntimeError(f"celery worker exited early; see {log_path}")
            if app.control.ping(timeout=1.0):
                break
        else:
            raise RuntimeError(f"celery worker did not answer a ping within 60 s; see {log_path}")
        yield worker
    finally:
        app.conf.task_always_eager = saved_eager
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2):
    """Poll until predicate() is truthy; return its value or fail with a clear message."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
