from tests.recommendations.conftest import shop, staff_client  # noqa: F401 - the recommendation shop's fixtures
