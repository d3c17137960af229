"""factory_boy factories for every shop model (and the auth user a customer may have)."""
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import slugify

from electroshop.shop.models import Brand, Category, Customer, Event, Order, OrderLine, Product, Promotion, Review, Stock


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")


class CategoryFactory(factory.django.DjangoModelFactory):
    """A root category unless ``parent`` is given; ``path`` follows the parent's path."""

    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    parent = None
    path = factory.LazyAttribute(lambda o: f"{o.parent.path}/{o.name}" if o.parent else o.name)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Brand {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("9.99")
    category = factory.SubFactory(CategoryFactory)
    brand = factory.SubFactory(BrandFactory)
    is_active = True


class StockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stock

    product = factory.SubFactory(ProductFactory)
    on_hand = 20
    on_order = 0
    lead_time_days = 7
    pack_size = 1
    minimum_order_quantity = 1


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    name = factory.Faker("name")
    country = "United Kingdom"


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"ORD{n:06d}")
    customer = factory.SubFactory(CustomerFactory)
    created_at = factory.LazyFunction(timezone.now)
    status = Order.Status.PAID
    total = Decimal("0")
    billing_country = "United Kingdom"
    shipping_country = "United Kingdom"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1
    unit_price = factory.LazyAttribute(lambda o: o.product.price)


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    customer = factory.SubFactory(CustomerFactory)
    session_id = factory.Sequence(lambda n: f"session-{n}")
    product = factory.SubFactory(ProductFactory)
    event_type = Event.Type.VIEW
    occurred_at = factory.LazyFunction(timezone.now)
    dedupe_key = None


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    product = factory.SubFactory(ProductFactory)
    customer = factory.SubFactory(CustomerFactory)
    rating = 5
    title = "Great"
    text = "Works as described."
    status = Review.Status.PUBLISHED


class PromotionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Promotion

    name = factory.Sequence(lambda n: f"Promotion {n}")
    product = factory.SubFactory(ProductFactory)
    category = None
    starts_on = factory.LazyFunction(date.today)
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=6))
    discount_percent = Decimal("10")
