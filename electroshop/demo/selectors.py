"""The demo storefront's reads of the shop tables (the host shop's own queries, not the plugin's seam)."""
import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Avg, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from electroshop.shop.models import Category, Customer, Event, Order, Product, Review

NEW_IN = 8
REVIEWS_SHOWN = 5


@dataclass(frozen=True)
class ProductPage:
    product: Product
    rating: dict  # {"average": float | None, "count": int}
    specs: list[tuple[str, object]]  # (label, value) of the product's attributes
    reviews: list[Review]


def new_in() -> QuerySet[Product]:
    """The newest products on sale, for the home page."""
    return (Product.objects.filter(is_active=True, stock__on_hand__gt=0)
            .select_related("brand", "category", "stock").order_by("-created_at")[:NEW_IN])


def category_products(category: Category) -> QuerySet[Product]:
    """A category's products and those of its whole subtree, in stock first, then by name."""
    sold_out_last = Case(When(stock__on_hand__gt=0, then=Value(0)), default=Value(1))
    return (Product.objects.filter(Q(category=category) | Q(category__path__startswith=f"{category.path}/"),
                                   is_active=True)
            .select_related("brand", "category", "stock").order_by(sold_out_last, "name"))


def product_page(product: Product) -> ProductPage:
    """The published reviews' rating and the first few, and the attributes as labelled specs."""
    published = product.reviews.filter(status="published")
    specs = [(key.replace("_", " ").capitalize(), _display(value)) for key, value in product.attributes.items()]
    return ProductPage(product=product, rating=published.aggregate(average=Avg("rating"), count=Count("id")),
                       specs=specs, reviews=list(published.select_related("customer")[:REVIEWS_SHOWN]))


def _display(value: object) -> object:
    return {True: "Yes", False: "No"}.get(value, value) if isinstance(value, bool) else value


def customer_of(user: AbstractBaseUser) -> Customer | None:
    return Customer.objects.filter(user=user).first() if user.is_authenticated else None


def orders_of(user: AbstractBaseUser) -> QuerySet[Order]:
    """The signed-in user's orders, newest first, with their number of lines."""
    return Order.objects.filter(customer__user=user).annotate(items=Count("lines")).order_by("-created_at")


def last_recommendation_click(*, customer_id: int | None, session_id: str, sku: str, days: int) -> str:
    """The recommendation id of the visitor's last click on this product in a recommendation list in the
    last ``days`` days, or "": an add-to-cart that follows it is reported with it (attribution)."""
    visitor = Q(customer_id=customer_id) if customer_id is not None else Q(session_id=session_id)
    if customer_id is None and not session_id:
        return ""
    return (Event.objects.filter(visitor, product__sku=sku, event_type=Event.Type.CLICK,
                                 occurred_at__gte=timezone.now() - dt.timedelta(days=days))
            .exclude(recommendation_id="").order_by("-occurred_at").values_list("recommendation_id", flat=True)
            .first() or "")
