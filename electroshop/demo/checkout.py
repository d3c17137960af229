"""Checkout of the demo shop: the session cart becomes an Order with its OrderLines.

Orders are written through the shop's models (``objects.create`` and ``save``), as any shop's
checkout does, so the fraud app scores each order when its transaction commits and the
recommendation caches see the purchase and the new stock at once. Stock is taken when the order
is placed: a cart asking for more than is on hand is refused and nothing is written.
"""
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from electroshop.demo.cart import CartLine
from electroshop.shop.models import Customer, Order, OrderLine, Stock


class CheckoutError(Exception):
    """The order cannot be placed; the message says why, for the shopper."""


@dataclass(frozen=True)
class Delivery:
    full_name: str
    address: str
    postcode: str
    country: str
    payment_method: str

    @property
    def shipping_address(self) -> str:
        lines = [self.full_name, *self.address.splitlines(), self.postcode]
        return ", ".join(line.strip() for line in lines if line.strip())[:500]


@dataclass(frozen=True)
class Browser:
    """What the request tells about the shopper's browser (the fraud app reads it from the order)."""
    ip_address: str | None
    user_agent: str


def _order_number() -> str:
    return f"ES-{timezone.now():%Y}-W{secrets.token_hex(4).upper()}"


def place_order(*, customer: Customer, lines: list[CartLine], delivery: Delivery, browser: Browser) -> Order:
    """Create a paid order for the cart's lines at today's prices and take their stock."""
    if not lines:
        raise CheckoutError("Your cart is empty.")
    with transaction.atomic():
        stock = {row.product_id: row for row in
                 Stock.objects.select_for_update().filter(product_id__in=[line.product.pk for line in lines])}
        short = [line.product.name for line in lines
                 if line.product.pk not in stock or stock[line.product.pk].on_hand < line.quantity]
        if short:
            raise CheckoutError(f"Not enough stock for: {', '.join(short)}. Please change your cart.")
        order = Order.objects.create(
            number=_order_number(), customer=customer, email=customer.email, status=Order.Status.PAID,
            total=sum((line.subtotal for line in lines), start=Decimal("0")), currency=lines[0].product.currency,
            billing_country=delivery.country, shipping_country=delivery.country,
            shipping_address=delivery.shipping_address, ip_address=browser.ip_address,
            user_agent=browser.user_agent[:500], payment_method=delivery.payment_method,
        )
        for line in lines:
            OrderLine.objects.create(order=order, product=line.product, quantity=line.quantity,
                                     unit_price=line.product.price)
            row = stock[line.product.pk]
            row.on_hand -= line.quantity
            row.save(update_fields=["on_hand", "updated_at"])
    return order
