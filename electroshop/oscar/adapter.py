"""django-oscar behind the shop seam: ``ELECTROSHOP["SHOP_ADAPTER"] = "oscar"``.

Reads Oscar's own tables (resolved with ``oscar.core.loading.get_model``, so forked Oscar apps
are read too); the plugin writes only its own tables, referencing Oscar rows by id. How Oscar's
data maps onto the seam:

* **Products** are Oscar ``Product`` rows, one id space for every AI app. What customers buy,
  what baskets, order lines and stock records reference, is a stand-alone or a *child* product,
  so recommendations, forecasts and reorder suggestions are per child (variant). A *parent*
  product is in the catalogue (``products_frame``, inactive: it is never bought itself) and lends
  its children its title, description, category and brand where they have none of their own.
* **SKU**: the product's UPC, else its first stock record's partner SKU (the API's
  ``/products/<sku>/`` endpoints take it). **Price, currency, supplier**: the first stock record's
  price, currency and partner name (Oscar's default strategy); a parent's price is its cheapest
  child's. A product is shown in widgets when it and its parent are public and a priced stock
  record can sell it (stock left, or stock not tracked).
* **Category**: the product's first ``ProductCategory`` (Oscar allows several; else the parent's).
  Category paths ("A/B/C") come from the names along treebeard's materialised ``path`` (whose
  value is fixed-width steps, not names). **Brand**: the product attribute with code
  ``ELECTROSHOP_OSCAR["BRAND_ATTRIBUTE"]`` ("brand"); **attributes**: all attribute values.
* **Stock**: stock records that count stock (``num_in_stock`` set, and a product class that tracks
  stock: Oscar sells the others whatever their count), summed over partners: on hand = in stock
  minus allocated. Oscar has no purchase orders (on order 0), lead times, pack sizes or
  minimum order quantities: those are ``ELECTROSHOP_OSCAR`` settings (see ``conf.py``).
* **Customers** are Django users (the customer id is the user id): sign-up is ``date_joined``,
  the segment the country of the default shipping address ("" without one). Oscar asks no
  consent: personalisation is allowed, marketing is not (the built-in defaults).
* **Orders** are Oscar orders placed by users or guests, with Oscar's free-text ``status``;
  statuses in ``ELECTROSHOP_OSCAR["NOT_DEMAND_STATUSES"]`` (default "Cancelled", "Refunded") are
  not sales. Interactions and fraud reads: ``orders.py``, ``risk.py``.
* **Events**: Oscar's product views (analytics) and basket lines are view and cart events,
  unioned with the plugin's own events table ``seam.Event`` (clicks and impressions of the
  storefront widgets, events posted to the API).
* **Reviews**: Oscar's product reviews are scored; a suspicious one is held in the plugin's
  moderation queue (its own tables). Oscar's review status is left alone unless
  ``ELECTROSHOP_OSCAR["HOLD_REVIEWS"]`` is True: then a held review goes back to Oscar's moderation
  (hidden) and moderators' decisions publish or reject it in Oscar (``risk.py``).

What degrades: no promotion features in forecasts (Oscar's offers and vouchers are not mapped);
no IP, device or card signals in fraud scores, and sign-ups are not scored (Oscar keeps no sign-up
IP or device).

Signals: ``connect_host_signals`` bridges Oscar's model signals and its ``order_placed`` signal to
the seam's (``signals.py``).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from django.apps import apps
from django.contrib.auth import get_user_model

from electroshop.seam.adapter import ShopAdapter

# Oscar's models are looked up by app label (forked apps keep theirs): without Oscar's apps the
# registry reports this adapter as one that cannot be imported, with this reason.
_missing = {"catalogue", "partner", "order", "basket", "analytics", "address", "reviews", "payment"} - {
    config.label for config in apps.get_app_configs()}
if _missing:
    raise ImportError(f"django-oscar's apps {', '.join(sorted(_missing))} are not in INSTALLED_APPS")

from .catalogue import OscarCatalogueReads  # noqa: E402  (they read Oscar's models at import)
from .orders import OscarOrderReads  # noqa: E402
from .risk import OscarRiskReads  # noqa: E402

MAX_ID = 2**63 - 1


class OscarShopAdapter(OscarCatalogueReads, OscarOrderReads, OscarRiskReads, ShopAdapter):
    """The seam's reads over a django-oscar shop's tables."""

    def __init__(self) -> None:
        self.user_model = get_user_model()

    # --- customers -----------------------------------------------------------------------------

    def customer_exists(self, customer_id: int) -> bool:
        return 0 < customer_id <= MAX_ID and self.user_model.objects.filter(pk=customer_id).exists()

    def existing_customer_ids(self, customer_ids: Iterable[int]) -> set[int]:
        return set(self.user_model.objects.filter(pk__in=list(customer_ids)).values_list("pk", flat=True))

    def customer_segment(self, customer_id: int) -> str | None:
        """One query: the user, with the country of their default shipping address if any."""
        if not 0 < customer_id <= MAX_ID:
            return None
        rows = (self.user_model.objects.filter(pk=customer_id)
                .values_list("addresses__country_id", "addresses__is_default_for_shipping"))
        rows = list(rows)
        if not rows:
            return None
        return next((country for country, default in rows if default and country), "")

    def customer_created_at(self, customer_id: int) -> datetime | None:
        if not 0 < customer_id <= MAX_ID:
            return None
        return self.user_model.objects.filter(pk=customer_id).values_list("date_joined", flat=True).first()

    def customer_id_for_user(self, user_id: int) -> int | None:
        return self.user_model.objects.filter(pk=user_id).values_list("pk", flat=True).first()

    def customer_id_of_user(self, user: Any) -> int | None:
        """The signed-in user is the customer: no query."""
        return user.pk

    def is_customer(self, obj: Any) -> bool:
        return isinstance(obj, self.user_model)

    def customers_without_consent(self, to: str, customer_ids: Iterable[int] | None = None) -> set[int]:
        """Oscar asks no consent: nobody withheld personalisation, nobody agreed to marketing."""
        if to == "personalization":
            return set()
        users = self.user_model.objects.all()
        if customer_ids is not None:
            users = users.filter(pk__in=list(customer_ids))
        return set(users.values_list("pk", flat=True))

    # --- signals -------------------------------------------------------------------------------

    def connect_host_signals(self) -> None:
        from . import signals

        signals.connect()
