"""The Oscar adapter's settings: ``settings.ELECTROSHOP_OSCAR``, a dict whose keys override these.

Oscar has no notion of these, so the adapter assumes them (the defaults shown)::

    ELECTROSHOP_OSCAR = {
        "NOT_DEMAND_STATUSES": ["Cancelled", "Refunded"],  # order statuses (your OSCAR_ORDER_STATUS_PIPELINE) that are not sales
        "BRAND_ATTRIBUTE": "brand",            # the product attribute code read as the brand
        "LEAD_TIME_DAYS": 14,                  # supplier lead time of every product (reorder suggestions)
        "PACK_SIZE": 1,
        "MINIMUM_ORDER_QUANTITY": 1,
    }
"""
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "NOT_DEMAND_STATUSES": ("Cancelled", "Refunded"),
    "BRAND_ATTRIBUTE": "brand",
    "LEAD_TIME_DAYS": 14,
    "PACK_SIZE": 1,
    "MINIMUM_ORDER_QUANTITY": 1,
}


def oscar_setting(name: str) -> Any:
    """The value of one key (read on each call: cheap, and tests may override the setting)."""
    return (getattr(settings, "ELECTROSHOP_OSCAR", None) or {}).get(name, DEFAULTS[name])
