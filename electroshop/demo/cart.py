"""The session cart: {sku: quantity} in the Django session; nothing stored in the database."""
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from electroshop.shop.models import Product

SESSION_KEY = "demo_cart"
MAX_QUANTITY = 99


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def subtotal(self) -> Decimal:
        return self.product.price * self.quantity


def cart_quantities(session: SessionBase) -> dict[str, int]:
    return dict(session.get(SESSION_KEY, {}))


def add_to_cart(*, session: SessionBase, sku: str, quantity: int) -> None:
    cart = cart_quantities(session)
    cart[sku] = min(cart.get(sku, 0) + quantity, MAX_QUANTITY)
    session[SESSION_KEY] = cart


def remove_from_cart(*, session: SessionBase, sku: str) -> None:
    cart = cart_quantities(session)
    if cart.pop(sku, None) is not None:
        session[SESSION_KEY] = cart


def cart_lines(*, session: SessionBase) -> list[CartLine]:
    quantities = cart_quantities(session)
    products = Product.objects.filter(sku__in=quantities, is_active=True).select_related("brand")
    return [CartLine(p, quantities[p.sku]) for p in sorted(products, key=lambda p: p.name)]


def clear_cart(session: SessionBase) -> None:
    session.pop(SESSION_KEY, None)
