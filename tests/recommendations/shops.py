"""Small shops shared by the recommendation tests and the Celery integration tests."""
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from electroshop.shop.models import Customer, Order, OrderLine, Product, Stock
from tests.factories import CategoryFactory


def build_small_shop(*, customers: int = 40, orders_each: int = 6, seed: int = 7, prefix: str = "S") -> dict:
    """Customers in two taste groups (even: products 0-11, odd: 12-23) buying over 120 days."""
    rng = np.random.default_rng(seed)
    categories = [CategoryFactory(name="Phones"), CategoryFactory(name="Audio")]
    products = [Product.objects.create(sku=f"{prefix}{i:02d}", name=f"Item {i}", category=categories[i % 2], price=10 + i)
                for i in range(24)]
    Stock.objects.bulk_create([Stock(product=p, on_hand=10) for p in products])
    now = timezone.now()
    lines = []
    for c in range(customers):
        customer = Customer.objects.create(email=f"{prefix.lower()}{c}@example.com", country="UK")
        group = products[:12] if c % 2 == 0 else products[12:]
        for k in range(orders_each):
            order = Order.objects.create(number=f"{prefix}{c}-{k}", customer=customer,
                                         created_at=now - timedelta(days=int(rng.integers(1, 120))))
            for product in rng.choice(group, size=2, replace=False):
                lines.append(OrderLine(order=order, product=product, quantity=1, unit_price=product.price))
    OrderLine.objects.bulk_create(lines)
    return {"products": products}


@pytest.fixture
def small_shop(db):
    return build_small_shop()
