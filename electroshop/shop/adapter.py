"""The built-in shop (``electroshop.shop``) behind the seam: ``ELECTROSHOP["SHOP_ADAPTER"] = "builtin"``."""
from __future__ import annotations

from electroshop.seam.adapter import ShopAdapter

from . import selectors


class BuiltinShopAdapter(ShopAdapter):
    """Each method is the read in ``selectors.py`` of the same name."""

    products_frame = staticmethod(selectors.products_frame)
    product_summaries = staticmethod(selectors.product_summaries)
    product_category_id = staticmethod(selectors.product_category_id)
    product_category_ids = staticmethod(selectors.product_category_ids)
    category_subtree_ids_uncached = staticmethod(selectors.category_subtree_ids_uncached)
    promotions_frame = staticmethod(selectors.promotions_frame)
    stock_levels = staticmethod(selectors.stock_levels)
    stocked_product_ids = staticmethod(selectors.stocked_product_ids)
    customer_exists = staticmethod(selectors.customer_exists)
    existing_customer_ids = staticmethod(selectors.existing_customer_ids)
    customer_segment = staticmethod(selectors.customer_segment)
    customer_created_at = staticmethod(selectors.customer_created_at)
    customer_id_for_user = staticmethod(selectors.customer_id_for_user)
    customers_without_consent = staticmethod(selectors.customers_without_consent)
    interactions_frame = staticmethod(selectors.interactions_frame)
    order_lines_frame = staticmethod(selectors.order_lines_frame)
    daily_units_frame = staticmethod(selectors.daily_units_frame)
    daily_units_for_products = staticmethod(selectors.daily_units_for_products)
    product_revenue = staticmethod(selectors.product_revenue)
    recent_daily_units = staticmethod(selectors.recent_daily_units)
    popular_products_uncached = staticmethod(selectors.popular_products_uncached)
    product_cards = staticmethod(selectors._read_showable_cards)
    purchased_product_ids = staticmethod(selectors.purchased_product_ids)
    product_id_for_sku_uncached = staticmethod(selectors.product_id_for_sku_uncached)
    product_ids_for_skus = staticmethod(selectors.product_ids_for_skus)
    existing_product_ids = staticmethod(selectors.existing_product_ids)
    order_for_risk = staticmethod(selectors.order_for_risk)
    orders_sharing_entities = staticmethod(selectors.orders_sharing_entities)
    orders_risk_frame = staticmethod(selectors.orders_risk_frame)
    order_ids_for_numbers = staticmethod(selectors.order_ids_for_numbers)
    customer_for_signup = staticmethod(selectors.customer_for_signup)
    signups_sharing = staticmethod(selectors.signups_sharing)
    review_for_risk = staticmethod(selectors.review_for_risk)
    review_texts = staticmethod(selectors.review_texts)
    review_cards = staticmethod(selectors.review_cards)
    set_review_status = staticmethod(selectors.set_review_status)

    user_customer_relation = "customer"

    def is_customer(self, obj) -> bool:
        from .models import Customer

        return isinstance(obj, Customer)

    def connect_host_signals(self) -> None:
        from . import signals

        signals.connect()

    @property
    def sku_max_length(self) -> int:
        from .models import Product

        return Product._meta.get_field("sku").max_length

    @property
    def event_model(self):
        from .models import Event

        return Event
