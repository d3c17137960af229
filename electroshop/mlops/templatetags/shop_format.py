"""``{% load shop_format %}`` then ``{{ product.price|money:product.currency }}`` → ``£1,299.00``.

The storefront's, the widgets' and the admin's one money format (electroshop.mlops.formatting); it
lives with the plugin, not the built-in shop, so widgets render in any host shop's templates.
"""
from django import template

from electroshop.mlops.formatting import format_money

register = template.Library()
register.filter("money", format_money)
