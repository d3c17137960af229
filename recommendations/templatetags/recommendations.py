"""Storefront widgets: ``{% load recommendations %}`` then

    {% recommended_for customer limit=8 %}   personalised (a Customer, an id, or None for the visitor's session)
    {% similar_products product %}           on a product page
    {% bought_together product %}            on a product or cart page
    {% trending category %}                  a Category, an id, or None for the whole shop

Each renders accessible product cards from the cached lists (no computation) and carries the
``recommendation_id`` of every item so ``widgets.js`` can record impressions and clicks.
"""
from typing import Any
from urllib.parse import quote

from django import template

from electroshop.conf import electroshop_settings
from electroshop.api.visitors import visitor_session_id

from .. import selectors

register = template.Library()

TITLES = {
    "personalized": "Recommended for you", "session": "Inspired by your browsing", "similar": "Similar products",
    "bought_together": "Frequently bought together", "trending": "Trending now", "fallback": "Popular products",
}


def _id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))


def _widget(result: selectors.RecommendationList | None, *, title: str | None, kind: str) -> dict[str, Any]:
    if result is None:
        return {"items": [], "title": title or "", "kind": kind}
    items = [{**item, "url": electroshop_settings.PRODUCT_URL.format(sku=quote(item["sku"], safe=""))}
             for item in result.items]
    return {"items": items, "title": title or TITLES.get(result.source, "Recommended"), "kind": kind,
            "source": result.source, "list_id": result.list_id, "model_version": result.model_version}


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def recommended_for(context, customer=None, limit: int = 8, title: str | None = None, category=None) -> dict:
    limit = min(int(limit), electroshop_settings.RECOMMENDATIONS_MAX_LIMIT)
    customer_id = _id(customer) if customer is not None else _customer_of(context)
    if customer_id is not None:
        result = selectors.recommendations_for_customer(customer_id=customer_id, limit=limit,
                                                        category_id=_id(category))
    else:
        request = context.get("request")
        result = selectors.recommendations_for_session(
            session_id=visitor_session_id(request, create=False) if request is not None else "", limit=limit,
            category_id=_id(category))
    return _widget(result, title=title, kind="for-you")


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def similar_products(context, product, limit: int = 8, title: str | None = None) -> dict:
    result = selectors.similar_products(product_id=_id(product), limit=min(int(limit), 50),
                                        customer_id=_customer_of(context))
    return _widget(result, title=title or TITLES["similar"], kind="similar")


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def bought_together(context, product, limit: int = 4, title: str | None = None) -> dict:
    result = selectors.bought_together(product_id=_id(product), limit=min(int(limit), 50),
                                       customer_id=_customer_of(context))
    return _widget(result, title=title or TITLES["bought_together"], kind="bought-together")


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def cart_complements(context, products, limit: int = 4, title: str | None = None) -> dict:
    ids = [_id(p) for p in products]
    result = selectors.cart_complements(product_ids=[i for i in ids if i is not None], limit=min(int(limit), 50),
                                        customer_id=_customer_of(context))
    return _widget(result, title=title or "Complete your order", kind="cart")


@register.inclusion_tag("recommendations/widget.html")
def trending(category=None, limit: int = 8, title: str | None = None) -> dict:
    result = selectors.trending(category_id=_id(category), limit=min(int(limit), 50))
    return _widget(result, title=title or TITLES["trending"], kind="trending")


@register.inclusion_tag("recommendations/script.html")
def recommendation_script() -> dict:
    """The small script that records impressions and clicks; include once per page."""
    return {}


def _customer_of(context) -> int | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    customer = getattr(user, "customer", None)
    return customer.pk if customer else None
