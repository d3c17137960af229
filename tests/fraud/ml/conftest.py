"""The ML core is pure Python: no Django settings, database or cache here.

tests/conftest.py clears the Django cache around every test; these tests run with
``-p no:django`` and never touch it, so that fixture is replaced by a no-op for this package.
"""
import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    yield


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_math():
    """Tiny fits: OpenMP/BLAS thread start-up and oversubscription cost more than they save."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield
