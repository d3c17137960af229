import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the active-version pointer is cached) and no read statistics
    waiting in memory (so no test's read flushes an earlier test's)."""
    from electroshop.seam.reads import forget_sku_ids
    from experiments import readstats

    readstats.flush()
    cache.clear()
    forget_sku_ids()
    yield
    cache.clear()
    forget_sku_ids()


@pytest.fixture(autouse=True)
def _static_without_collectstatic(settings, tmp_path_factory):
    """Tests run without ``collectstatic``: plain static storage (unhashed URLs, no manifest to read)
    and an empty STATIC_ROOT, so a developer's stale ``staticfiles/`` is never served. The test of
    the production storage (tests/api/test_static_serving.py) collects into its own directory."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    root = tmp_path_factory.getbasetemp() / "empty-static-root"
    root.mkdir(exist_ok=True)
    settings.STATIC_ROOT = root


@pytest.fixture
def eager_celery():
    """Run tasks in-process even when REDIS_URL configured a real broker; restored afterwards."""
    from electroshop.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield app
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved
