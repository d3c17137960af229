"""The Oscar adapter's settings: ``settings.ELECTROSHOP_OSCAR``, a dict whose keys override these.

Oscar has no notion of these, so the adapter assumes them (the defaults shown)::

    ELECTROSHOP_OSCAR = {
        "NOT_DEMAND_STATUSES": ["Cancelled", "Refunded"],  # order statuses (your OSCAR_ORDER_STATUS_PIPELINE) that are not sales
        "BRAND_ATTRIBUTE": "brand",            # the product attribute code read as the brand
        "LEAD_TIME_DAYS": 14,                  # supplier lead time of every product (reorder suggestions)
        "PACK_SIZE": 1,
        "MINIMUM_ORDER_QUANTITY": 1,
        "HOLD_REVIEWS": False,                 # True: the plugin may change Oscar's review status (below)
    }

``HOLD_REVIEWS``: the plugin writes only its own tables by default. A review it finds suspicious is
held in its moderation queue (Fraud > held reviews) and Oscar's ``ProductReview`` stays as it is.
With True, a held review is also put back into Oscar's moderation (hidden from the product page)
and a moderator's decision in the plugin publishes or rejects it in Oscar.
"""
from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "NOT_DEMAND_STATUSES": ("Cancelled", "Refunded"),
    "BRAND_ATTRIBUTE": "brand",
    "LEAD_TIME_DAYS": 14,
    "PACK_SIZE": 1,
    "MINIMUM_ORDER_QUANTITY": 1,
    "HOLD_REVIEWS": False,
}


def oscar_setting(name: str) -> Any:
    """The value of one key (read on each call: cheap, and tests may override the setting)."""
    return (getattr(settings, "ELECTROSHOP_OSCAR", None) or {}).get(name, DEFAULTS[name])
