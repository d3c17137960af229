"""Template context of every storefront page."""
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from electroshop.demo.cart import cart_quantities
from electroshop.shop.models import Category


def navigation(request: HttpRequest) -> dict:
    """The top categories with their children (read only by a page that shows them, not the admin's)
    and how many items the cart holds."""
    session = getattr(request, "session", None)
    return {
        "nav_categories": SimpleLazyObject(
            lambda: list(Category.objects.filter(parent__isnull=True).prefetch_related("children"))),
        "cart_count": sum(cart_quantities(session).values()) if session is not None else 0,
    }
