"""The Oscar shop is built, and every model trained on it, once for the session; each test runs in
its own transaction on top of it."""
import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import override_settings

# The plugin suite's fixture: an empty cache (and SKU memo) around each test, so cached answers of
# one test never leak into another's rolled-back data.
from tests.conftest import _clear_cache  # noqa: F401
# Celery tasks in-process for the tests that need their result at once, even with a real broker (REDIS_URL).
from tests.conftest import eager_celery  # noqa: F401


@pytest.fixture(scope="session")
def oscar_shop(django_db_setup, django_db_blocker, tmp_path_factory):
    from .shop import build_shop

    artifacts = tmp_path_factory.mktemp("artifacts")
    with django_db_blocker.unblock(), override_settings(
            ELECTROSHOP={"SHOP_ADAPTER": "oscar", "PRODUCT_URL": "/catalogue/_{id}/", "ARTIFACT_DIR": str(artifacts)}):
        cache.clear()
        shop = build_shop()
        call_command("retrain", "all", "--sync", verbosity=0)
        yield shop



def pytest_collection_modifyitems(config, items):
    """Tests with the live server run last: their transactional database is flushed when they end,
    which would empty the session's shop for any test after them."""
    items.sort(key=lambda item: "live_server" in getattr(item, "fixturenames", ()))
