"""``{% load storefront %}``: small display helpers of the demo storefront's templates."""
from dataclasses import dataclass

from django import template

register = template.Library()

# At or below this many units on hand a product shows "Low stock".
LOW_STOCK_UNITS = 5


@dataclass(frozen=True)
class StockState:
    key: str  # in-stock | low-stock | out-of-stock (a CSS modifier)
    label: str


@register.filter
def stock_state(product) -> StockState:
    """What a shopper is told about a product's stock (no Stock row counts as none on hand)."""
    stock = getattr(product, "stock", None)  # RelatedObjectDoesNotExist is an AttributeError
    on_hand = stock.on_hand if stock is not None else 0
    if on_hand <= 0:
        return StockState("out-of-stock", "Out of stock")
    if on_hand <= LOW_STOCK_UNITS:
        return StockState("low-stock", f"Low stock: {on_hand} left")
    return StockState("in-stock", "In stock")
