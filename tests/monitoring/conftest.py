from tests.recommendations.conftest import shop, staff_client

__all__ = ["shop", "staff_client"]  # the recommendation shop's fixtures, used here as they are
