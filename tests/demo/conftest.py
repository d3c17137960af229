import datetime as dt

import pytest

from electroshop.demo.generator import generate_demo_data

# Fixed so the history holds two Black Fridays and two Christmases, whatever today is.
END_DATE = dt.date(2025, 1, 31)


@pytest.fixture(scope="session")
def small_data():
    return generate_demo_data(scale="small", seed=42, end_date=END_DATE)


@pytest.fixture(scope="session")
def medium_data():
    """For effects too small to measure on the small shop's ~1k orders (a few seconds to generate)."""
    return generate_demo_data(scale="medium", seed=42, end_date=END_DATE)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # create_demo_admin hashes several passwords; the default hasher is deliberately slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
