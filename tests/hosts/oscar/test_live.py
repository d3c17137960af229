"""What changes in the Oscar shop reaches the recommendations at once: a stock record's stock and
price (through the cached answer), a new product (text neighbours) and a new order (live list)."""
import re
from decimal import Decimal

import pytest
from oscar.core.loading import get_model

from recommendations.models import BoughtTogether, SimilarProducts
from recommendations.selectors import current_version_id
from tests.clients import service_token_client

from .shop import place_order

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
StockRecord = get_model("partner", "StockRecord")


@pytest.fixture
def api(oscar_shop):
    return service_token_client(username="oscar-live")


def read(api, customer, limit=6) -> list[dict]:
    response = api.get(f"/api/v1/recommendations/customers/{customer.pk}/", {"limit": limit})
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "personalized"
    return response.json()["items"]


def stored(api, customer, django_assert_num_queries, limit=6) -> list[dict]:
    """Read until the answer is stored (the first read after a change only adds the stamps it
    needs, see electroshop.seam.stamps), and check the next read is that stored answer."""
    read(api, customer, limit)
    items = read(api, customer, limit)
    with django_assert_num_queries(0):
        assert read(api, customer, limit) == items
    return items


def test_a_sold_out_stock_record_drops_the_product_from_the_stored_answer(api, oscar_shop,
                                                                          django_assert_num_queries):
    customer = oscar_shop["customers"][1]
    before = stored(api, customer, django_assert_num_queries)
    sold_out = before[0]["product_id"]
    record = StockRecord.objects.get(product_id=sold_out)
    record.num_in_stock = 0
    record.save()
    after = read(api, customer)
    assert sold_out not in [item["product_id"] for item in after]
    assert [item["product_id"] for item in after][:len(before) - 1] == [item["product_id"] for item in before[1:]]


def test_a_price_change_reaches_the_product_card_of_the_stored_answer(api, oscar_shop, django_assert_num_queries):
    customer = oscar_shop["customers"][1]
    before = stored(api, customer, django_assert_num_queries)
    repriced = before[1]["product_id"]
    record = StockRecord.objects.get(product_id=repriced)
    assert before[1]["price"] == f"{record.price:.2f}"
    record.price = Decimal("77.5")
    record.save()
    after = {item["product_id"]: item for item in read(api, customer)}
    assert after[repriced]["price"] == "77.50"


def test_card_prices_carry_the_price_fields_decimal_places(api, oscar_shop):
    """SQLite hands back Oscar's price expression unquantized ("50", "9.99000000000000")."""
    products = oscar_shop["products"]
    record = StockRecord.objects.get(product=products[3])
    record.price = Decimal("9.99")
    record.save()
    response = api.get(f"/api/v1/recommendations/products/{products[8].upc}/similar/", {"limit": 20})
    prices = {item["sku"]: item["price"] for item in response.json()["items"]}
    assert prices[products[3].upc] == "9.99"  # the same category: a text neighbour
    records = dict(StockRecord.objects.values_list("product_id", "price"))
    assert all(re.fullmatch(r"\d+\.\d\d", item["price"]) and item["price"] == f"{records[item['product_id']]:.2f}"
               for item in response.json()["items"]), prices


def test_a_new_oscar_product_gets_text_neighbours_at_once(api, oscar_shop, django_capture_on_commit_callbacks,
                                                          eager_celery):
    phones = oscar_shop["categories"][0]
    template = oscar_shop["products"][0]  # a phone
    with django_capture_on_commit_callbacks(execute=True):
        product = Product(product_class=template.product_class, title=f"{template.title} plus", upc="UPC-NEW",
                          description=template.description)
        product.attr.brand = "Acme"
        product.save()
        ProductCategory.objects.create(product=product, category=phones)
        StockRecord.objects.create(product=product, partner=oscar_shop["partners"][0], partner_sku="NEW-1",
                                   price=Decimal("99.00"), num_in_stock=5)
    response = api.get("/api/v1/recommendations/products/UPC-NEW/similar/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["source"] == "similar" and body["items"]
    assert product.pk not in [item["product_id"] for item in body["items"]]
    assert template.pk in [item["product_id"] for item in body["items"]]  # the same text


def _neighbours(product_id: int) -> set[int]:
    version_id = current_version_id()
    lists = [table.objects.filter(model_version_id=version_id, product_id=product_id).first()
             for table in (BoughtTogether, SimilarProducts)]
    return {item[0] for row in lists if row is not None for item in row.items}


def test_an_order_placed_through_oscar_puts_its_products_neighbours_first(api, oscar_shop,
                                                                          django_capture_on_commit_callbacks):
    customer = oscar_shop["customers"][0]  # a phones customer
    bought = oscar_shop["products"][2]  # audio: another category than the customer's favourite
    before = read(api, customer, limit=8)
    assert not any(bought.title in item["reason"] for item in before)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(customer, [(bought, 1)])
    after = read(api, customer, limit=8)
    assert bought.pk not in [item["product_id"] for item in after]
    # the live list: the bought product's neighbours first, with their reason, then the personal list
    assert after[0]["product_id"] in _neighbours(bought.pk) and bought.title in after[0]["reason"]
    assert after[0]["product_id"] not in [item["product_id"] for item in before[:1]]
