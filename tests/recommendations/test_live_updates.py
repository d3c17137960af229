"""The seam signals drive the lists between trainings: a new order updates the customer's live list;
a product created or edited after training gets text neighbours from the stored vocabulary."""
from django.core.management import call_command

from electroshop.shop.models import Order, OrderLine, Product, Stock
from recommendations.models import SimilarProducts
from recommendations.selectors import current_version_id
from tests.factories import CustomerFactory, OrderFactory
from tests.recommendations import shops

from .test_read_path import get, skus

small_shop = shops.small_shop


def place_order(customer, products, django_capture_on_commit_callbacks) -> Order:
    with django_capture_on_commit_callbacks(execute=True):
        order = OrderFactory(customer=customer)
        for product in products:
            OrderLine.objects.create(order=order, product=product, quantity=1, unit_price=product.price)
    return order


def test_a_new_order_puts_its_products_neighbours_at_the_top_of_the_customers_list(
        shop, staff_client, django_capture_on_commit_callbacks):
    p, customer = shop["products"], shop["customer"]
    assert skus(get(staff_client, customer, limit=4)) == ["P0", "P1", "P2", "P3"]
    place_order(customer, [p[6]], django_capture_on_commit_callbacks)
    # bought P6: its neighbours P5 (bought together) and P7 (similar) lead; P6 itself is never shown back
    assert skus(get(staff_client, customer, limit=4)) == ["P5", "P7", "P0", "P1"]


def test_a_guest_order_or_a_customer_without_consent_changes_no_list(
        shop, staff_client, django_capture_on_commit_callbacks):
    p, customer = shop["products"], shop["customer"]
    place_order(None, [p[6]], django_capture_on_commit_callbacks)
    assert skus(get(staff_client, customer, limit=2)) == ["P0", "P1"]

    other = CustomerFactory(personalization_consent=False)
    place_order(other, [p[6]], django_capture_on_commit_callbacks)
    assert get(staff_client, other, limit=4).json()["source"] != "personalized"


def similar_skus(client, sku: str) -> tuple[str, list[str]]:
    body = client.get(f"/api/v1/recommendations/products/{sku}/similar/", {"limit": 3}).json()
    return body["source"], [item["sku"] for item in body["items"]]


def test_a_product_created_or_edited_after_training_gets_text_neighbours_at_once(
        small_shop, staff_client, eager_celery, django_capture_on_commit_callbacks):
    call_command("retrain", "recommendations", "--sync")
    version_id = current_version_id()
    phones = small_shop["products"][0].category

    with django_capture_on_commit_callbacks(execute=True):
        new = Product.objects.create(sku="NEW", name="Item 14", category=phones, price=15)
        Stock.objects.create(product=new, on_hand=3)
    source, neighbours = similar_skus(staff_client, "NEW")
    assert source == "similar" and neighbours[0] == "S14"  # the same name, in the stored vocabulary

    with django_capture_on_commit_callbacks(execute=True):
        new.name = "Item 21"
        new.category = small_shop["products"][1].category  # Audio, where item 21 is
        new.save()
    assert similar_skus(staff_client, "NEW")[1][0] == "S21"


def test_a_product_with_interactions_keeps_its_trained_neighbours_after_a_text_edit(
        small_shop, eager_celery, django_capture_on_commit_callbacks):
    call_command("retrain", "recommendations", "--sync")
    bought = small_shop["products"][0]
    before = SimilarProducts.objects.get(model_version_id=current_version_id(), product_id=bought.pk).items
    with django_capture_on_commit_callbacks(execute=True):
        bought.name = "Item 17"
        bought.save()
    assert SimilarProducts.objects.get(model_version_id=current_version_id(), product_id=bought.pk).items == before
