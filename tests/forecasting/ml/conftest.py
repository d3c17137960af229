"""forecasting.ml is pure Python: its tests run without Django (``-p no:django``).

The project-wide ``tests/conftest.py`` clears the Django cache around every test; override that
autouse fixture here so these tests need no settings module."""
import pytest


@pytest.fixture(autouse=True)
def _clear_cache():
    yield
