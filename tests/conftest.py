import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (the active-version pointer is cached)."""
    cache.clear()
    yield
    cache.clear()
