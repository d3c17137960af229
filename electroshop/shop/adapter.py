"""The built-in shop (``electroshop.shop``) behind the seam: ``ELECTROSHOP["SHOP_ADAPTER"] = "builtin"``."""
from __future__ import annotations

from electroshop.seam.orm import ModelShopAdapter

from .importers import ORDER_EVENT_KEY_PREFIX
from .models import Category, Customer, Event, Order, OrderLine, Product, Promotion, Review, Stock


class BuiltinShopAdapter(ModelShopAdapter):
    """The model-based reads of ``electroshop.seam.orm`` over ``electroshop.shop.models``."""

    product_model = Product
    category_model = Category
    customer_model = Customer
    order_model = Order
    order_line_model = OrderLine
    stock_model = Stock
    review_model = Review
    promotion_model = Promotion
    event_model = Event
    not_demand_statuses = (Order.Status.CANCELLED.value, Order.Status.REFUNDED.value)
    fraud_hold_status = Order.Status.ON_HOLD.value
    fraud_cancel_status = Order.Status.CANCELLED.value
    fraud_cancellable_statuses = (Order.Status.PENDING.value, Order.Status.PAID.value)
    review_hideable_statuses = (Review.Status.PENDING.value, Review.Status.PUBLISHED.value)
    mirrored_purchase_event_prefix = ORDER_EVENT_KEY_PREFIX
    user_customer_relation = "customer"

    def connect_host_signals(self) -> None:
        from . import signals

        signals.connect()
