"""Storefront widgets: ``{% load recommendations %}`` then

    {% recommended_for customer limit=8 %}   personalised (a Customer, an id, or None for the visitor's session)
    {% similar_products product %}           on a product page
    {% bought_together product %}            on a product page
    {% cart_complements products %}          on the cart page: what is bought with the cart's products
                                             (products, ids, or cart lines with a ``product``, such
                                             as Oscar's ``request.basket.all_lines``)
    {% trending category %}                  a Category, an id, or None for the whole shop
    {% new_in category %}                    the newest products: a Category, an id, or None for the whole shop
    {% buy_again customer %}                 repeat-purchase products coming due (a Customer, an id, or None:
                                             the signed-in customer)
    {% recently_viewed customer %}           last viewed products (a Customer, an id, or None: the signed-in
                                             customer, else the visitor's session)

Each renders accessible product cards from the cached lists (no computation) and carries the
``recommendation_id`` of every item so ``widgets.js`` can record impressions and clicks. Each
widget's read is timed and counted under the model version it served, as the recommendation API's
are (``experiments.readstats.timed_read``: in memory, no query or cache round trip), so a canary
rollout's guardrails see a storefront's reads.

A product appears in one widget per page: each widget skips the products the widgets rendered
before it on the same page (in template order), and fills up from further down its own list.
``recommended_for ... fallback=False`` renders only a personal list (the customer's, or the
session's once the visitor has browsed), not the trending fallback, for pages with their own
trending widget; a subject in an experiment on the placement sees their variant's list either way.
"""
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django import template

from electroshop.conf import electroshop_settings
from electroshop.api.visitors import visitor_session_id
from electroshop.seam import get_adapter
from experiments.readstats import timed_read

from .. import lists, selectors

register = template.Library()

TITLES = {
    "personalized": "Picked for you", "session": "Inspired by your browsing", "similar": "Similar products",
    "bought_together": "Frequently bought together", "trending": "Trending now", "fallback": "Popular products",
    "new": "New in", "buy_again": "Buy it again", "recently_viewed": "Recently viewed",
}


def _id(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(getattr(value, "pk", value))


PERSONAL_SOURCES = {"personalized", "session"}
# How far down its own list a widget may look to replace products shown by earlier widgets.
DEDUPE_HEADROOM = 24


def _read(read: Callable[[], selectors.RecommendationList | None]) -> selectors.RecommendationList | None:
    """One widget's list, its read counted for the canary's guardrails (a failure too, then re-raised)."""
    return timed_read(read, version_of=lambda result: result.model_version if result is not None else None)


def _shown_on_page(context) -> set[int]:
    """Product ids rendered by the widgets before this one on the page being rendered."""
    return context.render_context.setdefault("electroshop_shown_products", set())


def _widget(context, result: selectors.RecommendationList | None, *, title: str | None, kind: str,
            limit: int) -> dict[str, Any]:
    if result is None:
        return {"items": [], "title": title or "", "kind": kind}
    exposure_id = (result.experiment or {}).get("exposure_id", "")
    shown = _shown_on_page(context)
    items = [item for item in result.items if item["product_id"] not in shown][:limit]
    shown.update(item["product_id"] for item in items)
    image_url = electroshop_settings.PRODUCT_IMAGE_URL
    items = [{**item, "url": electroshop_settings.PRODUCT_URL.format(**_url_fields(item)),
              "image_url": image_url.format(**_url_fields(item)) if image_url else "",
              # positions count what the visitor sees, after skipping products shown elsewhere
              "recommendation_id": f"{result.list_id}.{position}"}
             for position, item in enumerate(items, start=1)]
    return {"items": items, "title": title or TITLES.get(result.source, "Recommended"), "kind": kind,
            "source": result.source, "list_id": result.list_id, "model_version": result.model_version,
            "exposure_id": exposure_id}


def _url_fields(item: dict) -> dict[str, Any]:
    """What PRODUCT_URL and PRODUCT_IMAGE_URL may name: {sku} (URL-quoted) and {id}."""
    return {"sku": quote(item["sku"], safe=""), "id": item["product_id"]}


def _limits(context, limit: int, cap: int) -> tuple[int, int]:
    """(items to show, items to read): the read leaves room for products shown by earlier widgets."""
    show = min(int(limit), cap)
    return show, min(show + min(len(_shown_on_page(context)), DEDUPE_HEADROOM), cap)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def recommended_for(context, customer=None, limit: int = 8, title: str | None = None, category=None,
                    fallback: bool = True) -> dict:
    limit, read = _limits(context, limit, electroshop_settings.RECOMMENDATIONS_MAX_LIMIT)
    customer_id = _id(customer) if customer is not None else _customer_of(context)
    if customer_id is not None:
        result = _read(lambda: selectors.recommendations_for_customer(customer_id=customer_id, limit=read,
                                                                      category_id=_id(category)))
    else:
        request = context.get("request")
        session_id = visitor_session_id(request, create=False) if request is not None else ""
        result = _read(lambda: selectors.recommendations_for_session(session_id=session_id, limit=read,
                                                                     category_id=_id(category)))
    # fallback=False hides the trending stand-in, never an experiment variant's list (nor a holdout's
    # exposure): leaving out a bucketed subject would skew its experiment
    if not fallback and result is not None and result.source not in PERSONAL_SOURCES and result.experiment is None:
        result = None
    return _widget(context, result, title=title, kind="for-you", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def similar_products(context, product, limit: int = 8, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    result = _read(lambda: selectors.similar_products(product_id=_id(product), limit=read, **_viewer_of(context)))
    return _widget(context, result, title=title or TITLES["similar"], kind="similar", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def bought_together(context, product, limit: int = 4, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    result = _read(lambda: selectors.bought_together(product_id=_id(product), limit=read, **_viewer_of(context)))
    return _widget(context, result, title=title or TITLES["bought_together"], kind="bought-together", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def cart_complements(context, products, limit: int = 4, title: str | None = None) -> dict:
    ids = [_id(getattr(p, "product", p)) for p in products]  # a cart line stands for its product
    limit, read = _limits(context, limit, 50)
    result = _read(lambda: selectors.cart_complements(product_ids=[i for i in ids if i is not None], limit=read,
                                                      **_viewer_of(context)))
    if result is not None and result.source != "bought_together":
        # No complements known for these products: the trending list is titled as what it is.
        return _widget(context, result, title=None, kind="cart", limit=limit)
    return _widget(context, result, title=title or "Complete your order", kind="cart", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def trending(context, category=None, limit: int = 8, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    result = _read(lambda: selectors.trending(category_id=_id(category), limit=read, **_viewer_of(context)))
    return _widget(context, result, title=title or TITLES["trending"], kind="trending", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def new_in(context, category=None, limit: int = 8, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    request = context.get("request")
    result = _read(lambda: lists.new_in(
        category_id=_id(category), limit=read, customer_id=_customer_of(context),
        session_id=visitor_session_id(request, create=False) if request is not None else ""))
    return _widget(context, result, title=title or TITLES["new"], kind="new-in", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def buy_again(context, customer=None, limit: int = 8, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    customer_id = _id(customer) if customer is not None else _customer_of(context)
    result = _read(lambda: lists.buy_again(customer_id=customer_id, limit=read)) if customer_id is not None else None
    return _widget(context, result, title=title or TITLES["buy_again"], kind="buy-again", limit=limit)


@register.inclusion_tag("recommendations/widget.html", takes_context=True)
def recently_viewed(context, customer=None, limit: int = 8, title: str | None = None) -> dict:
    limit, read = _limits(context, limit, 50)
    customer_id = _id(customer) if customer is not None else _customer_of(context)
    request = context.get("request")
    session_id = visitor_session_id(request, create=False) if request is not None and customer_id is None else ""
    result = (_read(lambda: lists.recently_viewed(customer_id=customer_id, session_id=session_id, limit=read))
              if customer_id is not None or session_id else None)
    return _widget(context, result, title=title or TITLES["recently_viewed"], kind="recently-viewed", limit=limit)


@register.inclusion_tag("recommendations/script.html")
def recommendation_script() -> dict:
    """The small script that records impressions and clicks; include once per page."""
    return {}


def _viewer_of(context) -> dict[str, Any]:
    """The subject a widget's list is read for (experiments bucket it): the signed-in customer, else the
    visitor's browser session."""
    customer_id = _customer_of(context)
    request = context.get("request")
    session_id = visitor_session_id(request, create=False) if request is not None and customer_id is None else ""
    return {"customer_id": customer_id, "session_id": session_id}


def _customer_of(context) -> int | None:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return get_adapter().customer_id_of_user(user)
