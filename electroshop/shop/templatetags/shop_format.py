"""``{% load shop_format %}`` then ``{{ product.price|money:product.currency }}`` → ``£1,299.00``."""
from django import template

from electroshop.shop.formatting import format_money

register = template.Library()


@register.filter
def money(amount: object, currency: str = "GBP") -> str:
    return format_money(amount, currency or "GBP")
