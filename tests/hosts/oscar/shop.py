"""A small django-oscar shop built through Oscar's own models and order creation.

Five categories under one root, two partners, 24 stand-alone products (UPCs) and a parent with four
child products (SKUs from their stock records only), 30 customers in three countries, and 120 days
of orders placed with ``OrderCreator.place_order`` from real baskets (backdated with
``date_placed``), plus product views and the basket lines the orders came from. Customers have a
favourite category, so purchases have a pattern the recommender can learn.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.apps.checkout.calculators import OrderTotalCalculator
from oscar.apps.order.utils import OrderCreator
from oscar.apps.partner.strategy import Selector
from oscar.apps.shipping.methods import Free
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
ShippingAddress = get_model("order", "ShippingAddress")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
UserProductView = get_model("analytics", "UserProductView")

CATEGORIES = ["Electronics > Phones", "Electronics > Laptops", "Electronics > Audio", "Electronics > Cameras",
              "Electronics > Accessories"]
BRANDS = ["Acme", "Globex", "Initech"]
COUNTRIES = [("GB", "United Kingdom"), ("FR", "France"), ("DE", "Germany")]
HISTORY_DAYS = 120
N_CUSTOMERS = 30
N_ORDERS = 330


def _country(code: str) -> Country:
    name = dict(COUNTRIES)[code]
    return Country.objects.get_or_create(iso_3166_1_a2=code, defaults={"name": name, "printable_name": name,
                                                                        "is_shipping_country": True})[0]


def _address(user, country: Country) -> ShippingAddress:
    return ShippingAddress.objects.create(first_name=user.first_name, last_name=user.last_name,
                                          line1=f"{user.pk} High Street", line4="Town", postcode="AB1 2CD",
                                          country=country)


def place_order(user, items: list[tuple[Product, int]], *, when: datetime | None = None, country: Country | None = None):
    """An order of ``items`` placed as Oscar's checkout does: a basket, its totals, OrderCreator."""
    basket = Basket.objects.create(owner=user)
    basket.strategy = Selector().strategy(user=user)
    for product, quantity in items:
        basket.add_product(product, quantity)
    method = Free()
    charge = method.calculate(basket)
    total = OrderTotalCalculator().calculate(basket, charge)
    extra = {"date_placed": when} if when is not None else {}
    order = OrderCreator().place_order(
        basket=basket, total=total, shipping_method=method, shipping_charge=charge, user=user,
        shipping_address=_address(user, country or _country("GB")), **extra)
    basket.submit()
    if when is not None:  # the customer filled the basket just before checking out
        BasketLine.objects.filter(basket=basket).update(date_created=when - timedelta(minutes=10))
    return order


def build_shop(seed: int = 7) -> dict:
    """Build the shop; returns its main objects by name."""
    rng = random.Random(seed)
    now = timezone.now()
    product_class = ProductClass.objects.create(name="Gadget", slug="gadget", track_stock=True)
    ProductAttribute.objects.create(product_class=product_class, name="Brand", code="brand", type="text")
    categories = [create_from_breadcrumbs(crumbs) for crumbs in CATEGORIES]
    partners = [Partner.objects.create(name=name) for name in ("North Supply", "South Supply")]

    products = []
    for i in range(24):
        category = categories[i % len(categories)]
        product = Product(product_class=product_class, title=f"{category.name} model {i}", upc=f"UPC-{i:03d}",
                          description=f"A {category.name.lower()} product, number {i}.")
        product.attr.brand = BRANDS[i % len(BRANDS)]
        product.save()
        ProductCategory.objects.create(product=product, category=category)
        StockRecord.objects.create(product=product, partner=partners[i % 2], partner_sku=f"P{i:03d}",
                                   price=Decimal(20 + 15 * (i % 7)), num_in_stock=40 + 10 * (i % 5))
        products.append(product)
    parent = Product.objects.create(product_class=product_class, title="Phone case", structure=Product.PARENT,
                                    description="A case for every phone.")
    parent.attr.brand = "Acme"
    parent.save()
    ProductCategory.objects.create(product=parent, category=categories[4])
    children = []
    for colour in ("black", "red", "blue", "green"):
        child = Product.objects.create(parent=parent, structure=Product.CHILD, title=f"Phone case, {colour}")
        StockRecord.objects.create(product=child, partner=partners[0], partner_sku=f"CASE-{colour}",
                                   price=Decimal("12.00"), num_in_stock=60)
        children.append(child)
    sellable = products + children

    User = get_user_model()
    countries = [_country(code) for code, _ in COUNTRIES]
    customers = []
    for i in range(N_CUSTOMERS):
        user = User.objects.create_user(username=f"customer{i}", email=f"customer{i}@example.com", password=None,
                                        first_name="Customer", last_name=str(i))
        User.objects.filter(pk=user.pk).update(date_joined=now - timedelta(days=HISTORY_DAYS + 30))
        UserAddress.objects.create(user=user, first_name="Customer", last_name=str(i), line1=f"{i} High Street",
                                   line4="Town", postcode="AB1 2CD", country=countries[i % 3],
                                   is_default_for_shipping=True)
        customers.append(user)

    by_category = {c.pk: [p for j, p in enumerate(products) if categories[j % len(categories)].pk == c.pk]
                   for c in categories}
    by_category[categories[4].pk] += children
    views = []
    for n in range(N_ORDERS):
        index = rng.randrange(N_CUSTOMERS)
        user = customers[index]
        favourite = by_category[categories[index % len(categories)].pk]
        pool = favourite if rng.random() < 0.8 else sellable
        items = {p.pk: p for p in rng.sample(pool, k=min(len(pool), rng.choice((1, 1, 2, 3))))}
        when = now - timedelta(days=HISTORY_DAYS * (1 - n / N_ORDERS), hours=rng.randrange(12))
        place_order(user, [(p, rng.choice((1, 1, 2))) for p in items.values()], when=when,
                    country=countries[index % 3])
        for product in rng.sample(favourite, k=min(2, len(favourite))):
            views.append((user, product, when - timedelta(hours=1)))
    for user, product, when in views:
        view = UserProductView.objects.create(user=user, product=product)
        UserProductView.objects.filter(pk=view.pk).update(date_created=when)
    return {"products": products, "parent": parent, "children": children, "customers": customers,
            "categories": categories, "partners": partners}
