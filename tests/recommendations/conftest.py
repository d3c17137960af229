import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from electroshop.mlops import services as registry
from recommendations.models import BoughtTogether, ProductRecommendation, SimilarProducts, TrendingProducts
from tests.clients import service_token_client
from tests.factories import CategoryFactory, CustomerFactory, ProductFactory, StockFactory


@pytest.fixture
def shop(db):
    """Two categories, eight stocked products, a customer with a cached list in an active version."""
    phones = CategoryFactory(name="Phones")
    cases = CategoryFactory(name="Cases", parent=phones)
    audio = CategoryFactory(name="Audio")
    products = []
    for i in range(8):
        category = (phones, cases, audio)[i % 3]
        product = ProductFactory(sku=f"P{i}", name=f"Product {i}", category=category)
        StockFactory(product=product, on_hand=5)
        products.append(product)
    customer = CustomerFactory()
    version = registry.register_model_version(app="recommendations", kind="hybrid", as_of=timezone.now())
    ProductRecommendation.objects.create(
        model_version=version, customer_id=customer.pk,
        items=[[p.pk, 1.0 - k / 10, f"because {k}"] for k, p in enumerate(products[:6])],
    )
    SimilarProducts.objects.create(model_version=version, product_id=products[6].pk,
                                   items=[[products[7].pk, 0.9, "Similar to Product 6"]])
    BoughtTogether.objects.create(model_version=version, product_id=products[6].pk,
                                  items=[[products[5].pk, 0.8, "Bought together with Product 6"]])
    TrendingProducts.objects.create(model_version=version, category_id=0, segment="",
                                    items=[[p.pk, 1.0 / (k + 1), "Popular right now"] for k, p in enumerate(products)])
    registry.mark_version_ready(version_id=version.pk)
    registry.activate_model_version(version_id=version.pk)
    return {"products": products, "customer": customer, "version": version, "phones": phones, "cases": cases,
            "audio": audio}


@pytest.fixture
def staff_client(db):
    return service_token_client(username="backend")


def customer_client_for(customer) -> APIClient:
    user = get_user_model().objects.create_user(f"c{customer.pk}", None, None)
    customer.user = user
    customer.save()
    client = APIClient()
    client.force_login(user)
    return client
